"""Public wifi: points with coverage, site types, bandwidth mix, users, points per 10k residents."""

from ccdash.app import desk
from ccdash.app.state import ctx

desk.wifi(ctx())
