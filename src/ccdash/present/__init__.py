"""Presentation layer: both languages, number formats, Plotly figures and pydeck layers. Data in, figure out.

No Streamlit here. Imports ccdash.data, ccdash.metrics and ccdash.analysis.
"""
