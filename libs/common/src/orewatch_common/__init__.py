"""Shared contracts, settings and bus wiring of the orewatch services."""
