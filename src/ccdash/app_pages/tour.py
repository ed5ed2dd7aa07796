"""Visitor tour: the city's story in captioned steps, on a timer or by the presenter's keys."""

from ccdash.app.state import ctx
from ccdash.app.tour import render_tour

render_tour(ctx())
