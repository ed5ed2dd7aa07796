"""CCTV: camera status on the map, online share, offline list, and complaints a camera could verify."""

from ccdash.app import desk
from ccdash.app.state import ctx

desk.cctv(ctx())
