"""The orewatch command."""
