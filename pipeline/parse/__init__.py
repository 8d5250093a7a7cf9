"""Parsing components of the project's spaCy pipeline."""
