"""Test support shared by every layer, importable as `tests.support` (the repo root is on
pytest's pythonpath)."""
