"""Service-layer tests."""
