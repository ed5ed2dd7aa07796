"""Streamlit layer: the frame (store, caches, context, sidebar, URL), shared widgets, wall, tour, pages.

The only layer that imports streamlit. May import every layer below it; app_pages/ import only this.
"""
