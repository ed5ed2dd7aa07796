"""Wall display: rotates through the profile's playlist, refreshes itself, shows alerts."""

from ccdash.screens import render_wall
from ccdash.ui import ctx

render_wall(ctx())
