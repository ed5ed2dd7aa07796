"""Data layer: the canonical schema, the city profile, extract files, ingest, the DuckDB store, the demo.

Owns everything that reads or writes files. Imports nothing of ccdash above it.
"""
