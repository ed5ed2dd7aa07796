"""The one clock: what "now" is for a city (its time zone, `[city] clock = data|system`)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def city_time(profile, at: datetime | None = None) -> datetime:
    """The city's wall-clock time as a naive local datetime (stored times are naive local times)."""
    return (
        (at or datetime.now(ZoneInfo("UTC")))
        .astimezone(ZoneInfo(profile.timezone))
        .replace(tzinfo=None)
    )


def from_timestamp(profile, seconds: float) -> datetime:
    """A POSIX time (a file's mtime, say) in the city's zone, naive."""
    return datetime.fromtimestamp(seconds, ZoneInfo(profile.timezone)).replace(tzinfo=None)


def reference_now(profile, newest: datetime | None) -> datetime:
    """The 'now' every metric is computed at: the newest complaint under `clock = "data"` (demo
    extracts end on a fixed day), else the city's clock in whole minutes (queries are cached by it)."""
    if profile.clock == "data" and newest is not None:
        return newest
    return city_time(profile).replace(second=0, microsecond=0)
