"""Wifi coverage explorer (Jangkauan wifi): who is covered, the gaps, where the next points go."""

from ccdash import coverage_view
from ccdash.ui import ctx as get_ctx, header

ctx = get_ctx()
header(ctx, "nav.coverage")
coverage_view.render(ctx)
