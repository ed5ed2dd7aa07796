"""ccdash: an analytics dashboard for a city command center."""

__version__ = "0.1.0"
