"""Declarative complaint filters: one table of dimensions, SQL with bound values, URL round trip."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date, datetime, timedelta

# Filterable columns of complaints (the whitelist: no other name ever becomes SQL).
DIMENSIONS = ("kecamatan", "category", "agency", "channel", "status")
# The date range every page opens on, and the window of the wall's and the tour's flow tiles: the last
# 90 days of data. One constant, so that the same tile shows the same number everywhere.
DEFAULT_WINDOW_DAYS = 90
# URL keys that are not filters but are known (so they are not reported as unknown).
OTHER_URL_KEYS = ("lang", "mode", "view", "tour", "step", "page", "kiosk")


def default_window(
    first, last, today: date | None = None, days: int = DEFAULT_WINDOW_DAYS
) -> Filters:
    """The window every screen opens on, under every clock: the last `days` days of data, ending on
    the newest complaint's day (never after today, for data stamped in the future) and never before
    the oldest. An export a few weeks old shows its own last 90 days, and the screens say how old."""
    first, last = _day(first), _day(last)
    if last is None:
        return Filters(start=None if today is None else today - timedelta(days=days - 1), end=today)
    if today is not None:
        last = min(last, today)
    start = last - timedelta(days=days - 1)
    return Filters(start=max(first, start) if first is not None else start, end=last)


def _day(d) -> date | None:
    return d.date() if isinstance(d, datetime) else d


class Notice(str):
    """A notice about ignored input: reads as one string, and keeps the user's value apart so that a screen
    can show it as plain text (`message`, `value`)."""

    message: str
    value: str | None

    def __new__(cls, message: str, value: str | None = None):
        obj = super().__new__(cls, message if value is None else f"{message} '{value}'")
        obj.message, obj.value = message, value
        return obj


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    kecamatan: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    agency: tuple[str, ...] = ()
    channel: tuple[str, ...] = ()
    status: tuple[str, ...] = ()

    def with_values(self, **changes) -> Filters:
        changes = {k: tuple(v) if k in DIMENSIONS else v for k, v in changes.items()}
        return replace(self, **changes)

    def is_empty(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self))


def where(f: Filters, alias: str = "") -> tuple[str, dict]:
    """A WHERE clause (without the keyword) and its parameters; 'true' when nothing is filtered."""
    a = f"{alias}." if alias else ""
    parts: list[str] = []
    params: dict[str, object] = {}
    # The month bounds repeat the date bounds on the partition column: a stored dataset then skips the
    # folders of other months without opening them (the result is the same without them).
    if f.start is not None:
        parts.append(f"{a}created_month >= $start_month AND {a}created_at >= $start")
        params["start"] = datetime.combine(f.start, datetime.min.time())
        params["start_month"] = f"{f.start:%Y-%m}"
    if f.end is not None:
        parts.append(f"{a}created_month <= $end_month AND {a}created_at < $end_excl")
        params["end_excl"] = datetime.combine(f.end + timedelta(days=1), datetime.min.time())
        params["end_month"] = f"{f.end:%Y-%m}"
    for dim in DIMENSIONS:
        values = getattr(f, dim)
        if values:
            names = [f"{dim}_{i}" for i in range(len(values))]
            parts.append(f"{a}{dim} IN (" + ", ".join("$" + n for n in names) + ")")
            params.update(zip(names, values))
    return (" AND ".join(parts) or "true"), params


def in_districts(kecamatan: tuple[str, ...], alias: str = "") -> tuple[str, dict]:
    """The WHERE clause of the district filter alone (CCTV sites and wifi points have no other dimension)."""
    return where(Filters(kecamatan=tuple(kecamatan)), alias)


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def from_query_params(
    params, options: dict[str, list[str]] | None = None
) -> tuple[Filters, list[Notice]]:
    """Filters from URL parameters (a mapping of key -> list of strings), and what was ignored.

    Unknown keys, malformed dates and values that are not among `options` are dropped, each with a
    short notice; nothing here raises on user input.
    """
    notices = []
    values: dict = {}
    for key in params:
        if key not in ("from", "to", *DIMENSIONS, *OTHER_URL_KEYS):
            notices.append(Notice("unknown parameter", key))
    for key, attr in (("from", "start"), ("to", "end")):
        raw = list(params.get(key, []))
        if raw:
            d = _parse_date(raw[-1])
            if d is None:
                notices.append(Notice(f"'{key}' is not a date (YYYY-MM-DD):", raw[-1]))
            else:
                values[attr] = d
    if values.get("start") and values.get("end") and values["start"] > values["end"]:
        notices.append(Notice("'from' is after 'to'; the dates were swapped"))
        values["start"], values["end"] = values["end"], values["start"]
    for dim in DIMENSIONS:
        raw = [v for v in params.get(dim, []) if v != ""]
        if not raw:
            continue
        allowed = set(options.get(dim, [])) if options else None
        good = [v for v in dict.fromkeys(raw) if allowed is None or v in allowed]
        for bad in [v for v in raw if allowed is not None and v not in allowed]:
            notices.append(Notice(f"unknown {dim}", bad))
        if good:
            values[dim] = tuple(good)
    return Filters(**values), notices


def clamp_dates(f: Filters, lo: date | None, hi: date | None) -> tuple[Filters, list[Notice]]:
    """Dates from a link kept within the data's span [lo, hi] (a date picker cannot show others)."""
    if lo is None or hi is None:
        return f, []
    notices, start, end = [], f.start, f.end
    if start is not None and not lo <= start <= hi:
        notices.append(
            Notice("'from' is outside the data; using", (lo if start < lo else hi).isoformat())
        )
        start = lo if start < lo else hi
    if end is not None and not lo <= end <= hi:
        notices.append(
            Notice("'to' is outside the data; using", (hi if end > hi else lo).isoformat())
        )
        end = hi if end > hi else lo
    return replace(f, start=start, end=end), notices


def to_query_params(f: Filters) -> dict[str, list[str]]:
    """The URL parameters that reproduce these filters."""
    out: dict[str, list[str]] = {}
    if f.start:
        out["from"] = [f.start.isoformat()]
    if f.end:
        out["to"] = [f.end.isoformat()]
    for dim in DIMENSIONS:
        if getattr(f, dim):
            out[dim] = list(getattr(f, dim))
    return out
