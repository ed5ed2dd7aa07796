"""Metrics layer: declarative filters and the named, portable SQL queries (complaints, CCTV, wifi, alerts).

Each query is registered with the inputs it reads. Imports ccdash.data only.
"""
