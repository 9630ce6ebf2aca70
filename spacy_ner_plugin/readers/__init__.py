"""Registered corpus readers for spaCy configs: annotation files, raw text, train-curve samples."""
