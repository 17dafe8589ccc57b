"""orewatch extractor service."""
