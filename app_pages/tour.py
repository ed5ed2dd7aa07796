"""Visitor tour: the city's story in captioned steps, on a timer or by the presenter's keys."""

from ccdash.screens import render_tour
from ccdash.ui import ctx

render_tour(ctx())
