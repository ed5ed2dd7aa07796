"""Freshness: is the newest record too old to call the data current?"""

from __future__ import annotations

from datetime import datetime, timedelta


def is_stale(newest: datetime | None, now: datetime, stale_hours: float) -> bool:
    """No data at all, or the newest record older than the threshold."""
    return newest is None or now - newest > timedelta(hours=stale_hours)
