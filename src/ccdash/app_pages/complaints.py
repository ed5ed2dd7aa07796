"""Complaints (Pengaduan): filters, trend, heatmap, agency scorecard, hotspots, drill-down."""

from ccdash.app import desk
from ccdash.app.state import ctx

desk.complaints(ctx())
