"""Wall display: rotates through the profile's playlist, refreshes itself, shows alerts."""

from ccdash.app.state import ctx
from ccdash.app.wall import render_wall

render_wall(ctx())
