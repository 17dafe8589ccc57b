"""orewatch store service."""
