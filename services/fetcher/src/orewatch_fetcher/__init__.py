"""orewatch fetcher service."""
