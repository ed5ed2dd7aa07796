"""The one clock: what "now" is for a city (its time zone, `[city] clock = data|system`).

Stored times are instants (UTC in Parquet, TIMESTAMPTZ in the store's views, read in the city's
zone); screens and metrics speak naive city-local wall time, converted here at the edges, and real
durations ("the last 168 hours") are counted in instants, so they hold across a change of clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd


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


def instant(local: datetime, timezone: str) -> datetime:
    """A naive city-local time as an aware instant. A wall time that happens twice (the hour a
    fall-back repeats) is read as the first; one that never happens (spring forward) as the offset
    before the change, i.e. an hour later on the wall clock."""
    return local.replace(tzinfo=ZoneInfo(timezone))


def local_time(moment: datetime, timezone: str) -> datetime:
    """An aware instant as naive city-local wall time (what screens show)."""
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)


def hours_before(local: datetime, hours: float, timezone: str) -> datetime:
    """The local wall time `hours` real hours before `local` (negative: after): across a change of
    clocks the wall time moves by an hour more or less than `hours`."""
    moment = instant(local, timezone).astimezone(UTC) - timedelta(hours=hours)
    return local_time(moment, timezone)


def localized(naive: pd.Series, timezone: str) -> pd.Series:
    """Naive wall times of `timezone` as aware instants (in UTC). A repeated wall time (fall back) is
    read as the first of the two, a skipped one (spring forward) is moved past the gap."""
    if getattr(naive.dt, "tz", None) is not None:
        return naive.dt.tz_convert("UTC")
    first = np.ones(len(naive), dtype=bool)  # ambiguous: the earlier (daylight-saving) reading
    return naive.dt.tz_localize(
        ZoneInfo(timezone), ambiguous=first, nonexistent="shift_forward"
    ).dt.tz_convert("UTC")


def utc_naive(times: pd.Series, timezone: str) -> pd.Series:
    """Times as naive UTC (ingest's in-memory form): aware ones converted, naive ones read as wall
    times of `timezone`."""
    return localized(times, timezone).dt.tz_localize(None).astype("datetime64[us]")
