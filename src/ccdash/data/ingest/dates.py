"""Dates as sources write them: ISO, zoned, day-first or month-first (read off the whole column), US
12-hour. Times become instants (naive UTC while ingest checks them; UTC in Parquet): a zoned value
keeps its instant, a naive one is a wall time of the mapping's zone or the city's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from ..clock import utc_naive
from .errors import IngestError


def _naive_local(t: pd.Series, tz_from: str | None, tz_city: str) -> pd.Series:
    """Timestamps as naive city-local time (the stored convention)."""
    if getattr(t.dt, "tz", None) is not None:
        return t.dt.tz_convert(ZoneInfo(tz_city)).dt.tz_localize(None)
    if tz_from and tz_from != tz_city:
        return (
            t.dt.tz_localize(ZoneInfo(tz_from), ambiguous="NaT", nonexistent="NaT")
            .dt.tz_convert(ZoneInfo(tz_city))
            .dt.tz_localize(None)
        )
    return t


def _to_datetime(s: pd.Series, **kw) -> pd.Series:
    try:
        return pd.to_datetime(s, errors="coerce", **kw)
    except (ValueError, TypeError):  # offsets that differ from row to row
        return pd.to_datetime(s, errors="coerce", utc=True, **kw)


# A time with its own zone: "2026-11-01T08:00:00+07:00", "... 08:00Z", "...T08:00-0500" (not a bare date).
ZONED = r"\d[T ]\d.*(?:Z|[+-]\d\d(?::?\d\d)?)$"


def _zoned(s: pd.Series) -> np.ndarray:
    """Which values carry their own zone (an offset or Z)."""
    text = s.astype("string").str.strip()
    return text.str.contains(ZONED, regex=True).fillna(False).to_numpy(dtype=bool)


def parse_times(
    values: pd.Series,
    fmt: str | None,
    tz_from: str | None,
    tz_city: str,
    column: str = "a date column",
    day_first: dict | None = None,
    utc: bool = False,
) -> pd.Series:
    """Times as naive city-local time: those with a zone converted to the city's, naive ones kept as local
    (of the mapping's timezone when it names one). A column may mix both. With `utc`, as naive UTC
    instead: a zoned value keeps its instant exactly (the hour a fall-back repeats stays two hours)."""
    if utc:
        return _parse_utc(values, fmt, tz_from, tz_city, column, day_first)
    s = values.astype(object)
    zoned = _zoned(s)
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    if zoned.any():
        t = pd.to_datetime(s[zoned], errors="coerce", utc=True, format=fmt or "ISO8601")
        parsed[zoned] = (
            t.dt.tz_convert(ZoneInfo(tz_city)).dt.tz_localize(None).astype("datetime64[us]")
        )
    if (~zoned).any():
        parsed[~zoned] = _naive_local(
            _to_datetime(s[~zoned], format=fmt or "ISO8601"), tz_from, tz_city
        ).astype("datetime64[us]")
    retry = (parsed.isna() & s.notna()).to_numpy() & ~zoned
    if (
        not fmt and retry.any()
    ):  # numeric day/month forms: which comes first is read off the whole column
        dayfirst = _day_first(s[retry], column, {} if day_first is None else day_first)
        alt = _naive_local(
            _to_datetime(s[retry], format="mixed", dayfirst=dayfirst), tz_from, tz_city
        )
        parsed[retry] = alt.astype("datetime64[us]")
    return parsed


def _parse_utc(values, fmt, tz_from, tz_city, column, day_first) -> pd.Series:
    """parse_times' values as naive UTC: a zoned value's instant as it is, a naive one as a wall time
    of the mapping's zone (or the city's)."""
    s = values.astype(object)
    zoned = _zoned(s)
    parsed = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    if zoned.any():
        t = pd.to_datetime(s[zoned], errors="coerce", utc=True, format=fmt or "ISO8601")
        parsed[zoned] = t.dt.tz_localize(None).astype("datetime64[us]")
    if (~zoned).any():
        wall = parse_times(s[~zoned], fmt, None, tz_city, column, day_first)  # as written
        parsed[~zoned] = utc_naive(wall, tz_from or tz_city)
    return parsed


DAY_MONTH = r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}\b"


class AmbiguousDates(IngestError):
    """No value of a date column in this batch settles day-first or month-first (a later one may)."""

    def __init__(self, message: str, column: str):
        super().__init__(message)
        self.column = column


def day_month_evidence(values: pd.Series) -> tuple[bool, bool, str | None]:
    """Whether some value reads only day-first (a first number over 12), whether some reads only
    month-first (a second over 12), and a value of the numeric day/month form (None when there is none)."""
    s = values.dropna().astype("string")
    parts = s.str.extract(DAY_MONTH).dropna().astype(int)
    if parts.empty:
        return False, False, None
    return bool((parts[0] > 12).any()), bool((parts[1] > 12).any()), str(s.loc[parts.index[0]])


def _day_first(values: pd.Series, column: str, known: dict) -> bool:
    """Whether 03/11/2026 is 3 November (day first) or March 11 (month first), from the whole column: a first
    number over 12 settles day-first, a second over 12 month-first. Never a guess: a column where every
    value reads both ways, or that holds both forms, is refused with the two readings and the key to set.

    `known` carries what earlier batches of the same file settled (column -> day first), and is updated."""
    day_first, month_first, example = day_month_evidence(values)
    if example is None:
        return known.get(
            column, True
        )  # no numeric day/month form here: other forms parse either way
    if column in known:
        day_first, month_first = day_first or known[column], month_first or not known[column]
    if day_first and month_first:
        raise IngestError(
            f"{column} mixes day-first and month-first dates; set [dates] format (or "
            f"[dates.columns] {column}) in the mapping"
        )
    if not (day_first or month_first):
        raise AmbiguousDates(ambiguous_message(column, example), column)
    known[column] = day_first
    return day_first


def ambiguous_message(column: str, example: str) -> str:
    a, b = (int(x) for x in pd.Series([example]).str.extract(DAY_MONTH).iloc[0])
    return (
        f"{column} is ambiguous: {example!r} reads as {a} {MONTHS[b - 1]} (day first) or {MONTHS[a - 1]} {b} "
        f'(month first), and no value settles it; set [dates] format in the mapping, e.g. "%d/%m/%Y %H:%M" '
        f'or "%m/%d/%Y %I:%M %p"'
    )


MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
