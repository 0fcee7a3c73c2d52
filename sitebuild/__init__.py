"""Pieces of the static site build.py writes: the catalog data and the search index."""
