"""Overview (Ringkasan): the city at a glance."""

from ccdash.app import desk
from ccdash.app.state import ctx

desk.overview(ctx())
