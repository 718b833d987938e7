"""Shared fixtures. Helpers live in tests/support.py (import it as `support`)."""
