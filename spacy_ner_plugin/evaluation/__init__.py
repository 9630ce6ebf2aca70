"""Scoring trained pipelines and patterns against gold, binary answers included."""
