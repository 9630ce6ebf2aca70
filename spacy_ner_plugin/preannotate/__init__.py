"""Pre-annotation: raw texts → annotation tasks with suggestions from patterns and models."""
