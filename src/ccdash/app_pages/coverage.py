"""Wifi coverage explorer (Jangkauan wifi): who is covered, the gaps, where the next points go."""

from ccdash.app import coverage_page
from ccdash.app.frame import header
from ccdash.app.state import ctx

header(ctx(), "nav.coverage")
coverage_page.render(ctx())
