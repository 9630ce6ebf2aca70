"""Checks on training configs that spaCy accepts but silently misuses."""
