"""Shipped runbooks (YAML) and the loader that validates them."""
