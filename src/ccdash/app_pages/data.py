"""Data sources (Sumber data): each extract's file, size, span, freshness, last ingest, schema; upload."""

from ccdash.app import data_page
from ccdash.app.frame import header
from ccdash.app.state import ctx

header(ctx(), "nav.data")
data_page.render(ctx())
