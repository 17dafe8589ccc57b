"""orewatch cleaner service."""
