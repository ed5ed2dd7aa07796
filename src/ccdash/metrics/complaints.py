"""Named queries over complaints: KPI tiles, trends, breakdowns, hexagons, rows (portable SQL, bound values)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from ..data.clock import hours_before
from ..data.integrity import EARLIEST, LATEST  # an open-ended window: stored times lie within them
from ..data.schema import H3_RESOLUTIONS, displayable
from ..data.spatial import h3_text
from ..data.store import Store
from .filters import DIMENSIONS, Filters, where
from .registry import query


@query(tables=("complaints",))
def latest_complaint(store: Store) -> datetime | None:
    """When the newest complaint came in."""
    latest = store.scalar("SELECT max(created_at) FROM complaints")
    return None if latest is None or pd.isna(latest) else pd.Timestamp(latest).to_pydatetime()


@query(tables=("complaints", "cctv_sites", "wifi_points"), facts=True)
def filter_options(store: Store) -> dict:
    """Distinct values of every filter dimension, and the date span of the complaints. Districts come from
    every extract and the facts file: a district with wifi points and no complaint can still be chosen."""
    out = {}
    for dim in DIMENSIONS:
        src = "complaints"
        if dim == "kecamatan":
            src = (
                "(SELECT kecamatan FROM complaints UNION SELECT kecamatan FROM cctv_sites "
                "UNION SELECT kecamatan FROM wifi_points UNION SELECT kecamatan FROM districts) AS k"
            )
        df = store.query(
            f"SELECT DISTINCT {dim} AS v FROM {src} WHERE {dim} IS NOT NULL ORDER BY v"
        )
        out[dim] = df.v.tolist()
    span = store.query(
        "SELECT CAST(min(created_at) AS DATE) AS lo, CAST(max(created_at) AS DATE) AS hi "
        "FROM complaints"
    )
    out["date_min"], out["date_max"] = (
        (None, None) if span.empty or pd.isna(span.lo[0]) else (span.lo[0], span.hi[0])
    )
    return out


# Open at `now`: not closed yet, or closed after it (an as-of view of history).
OPEN = "(closed_at IS NULL OR closed_at > $now)"
CLOSED = "(closed_at IS NOT NULL AND closed_at <= $now)"
# Closed inside the window [$w0, $w1) and by `now`.
CLOSED_IN_WINDOW = f"({CLOSED} AND closed_at >= $w0 AND closed_at < $w1)"
DAYS_TO_CLOSE = "date_diff('second', created_at, closed_at) / 86400.0"


def window(f: Filters) -> tuple[datetime, datetime]:
    """The filter's date range as [w0, w1): from the first day's midnight to the midnight after the last."""
    w0 = datetime.combine(f.start, datetime.min.time()) if f.start else EARLIEST
    w1 = datetime.combine(f.end + timedelta(days=1), datetime.min.time()) if f.end else LATEST
    return w0, w1


def on_time_rate(resolved_on_time: int, resolved: int, open_past_due: int) -> float | None:
    """Resolved on time / (resolved + open past due): a late ticket counts against the rate before it closes,
    and rejected ones count in neither (they have their own rate)."""
    denominator = resolved + open_past_due
    return None if denominator == 0 else resolved_on_time / denominator


def rejected_rate(rejected: int, resolved: int) -> float | None:
    """Rejected / (resolved + rejected): the share of closed complaints closed without a fix."""
    denominator = resolved + rejected
    return None if denominator == 0 else rejected / denominator


@query(tables=("complaints",))
def kpis(store: Store, f: Filters, at: datetime) -> dict:
    """The KPI tiles, one definition for every page, the wall and the tour (docs/data.md, Metrics).

    Stock, as of `at` over every complaint the dimension filters select (the date range does not apply):
    open_backlog, overdue_now. Flow, over the date range: received, resolved, rejected, on_time_rate,
    rejected_rate, median_days_to_resolve. Fixed windows back from `at`: new_today (since midnight),
    last_7d (the last 168 hours) against prev_7d (the 168 before).
    """
    w, p = where(f.with_values(start=None, end=None))
    w0, w1 = window(f)
    day0 = datetime.combine(at.date(), datetime.min.time())
    p |= {
        "now": at,
        "w0": w0,
        "w1": w1,
        "day0": day0,
        "h168": hours_before(at, 168, store.timezone),  # real hours, across a change of clocks
        "h336": hours_before(at, 336, store.timezone),
    }
    row = store.query(
        f"""
        SELECT
          count(*) FILTER (WHERE created_at >= $w0 AND created_at < $w1) AS received,
          count(*) FILTER (WHERE created_at >= $day0) AS new_today,
          count(*) FILTER (WHERE created_at > $h168) AS last_7d,
          count(*) FILTER (WHERE created_at > $h336 AND created_at <= $h168) AS prev_7d,
          count(*) FILTER (WHERE {OPEN}) AS open_backlog,
          count(*) FILTER (WHERE {OPEN} AND due_at < $now) AS overdue_now,
          count(*) FILTER (WHERE status = 'resolved' AND {CLOSED_IN_WINDOW}) AS resolved,
          count(*) FILTER (WHERE status = 'rejected' AND {CLOSED_IN_WINDOW}) AS rejected,
          count(*) FILTER (WHERE status = 'resolved' AND {CLOSED_IN_WINDOW} AND closed_at <= due_at) AS resolved_on_time,
          count(*) FILTER (WHERE {OPEN} AND due_at < $now AND due_at >= $w0 AND due_at < $w1) AS open_past_due,
          median({DAYS_TO_CLOSE}) FILTER (WHERE status = 'resolved' AND {CLOSED_IN_WINDOW}) AS median_days_to_resolve
        FROM complaints WHERE created_at <= $now AND {w}
    """,
        p,
    ).iloc[0]
    out: dict[str, Any] = {k: (None if pd.isna(v) else v) for k, v in row.items()}
    for k in (
        "received",
        "new_today",
        "last_7d",
        "prev_7d",
        "open_backlog",
        "overdue_now",
        "resolved",
        "rejected",
        "resolved_on_time",
        "open_past_due",
    ):
        out[k] = int(out[k] or 0)
    out["total"] = out["received"]
    out["on_time_rate"] = on_time_rate(
        int(out["resolved_on_time"]), int(out["resolved"]), int(out["open_past_due"])
    )
    out["rejected_rate"] = rejected_rate(int(out["rejected"]), int(out["resolved"]))
    return out


@query(tables=("complaints",))
def daily_trend(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints per day with a trailing 7-day mean; days with none are zero."""
    w, p = where(f)
    p["now"] = at
    counts = store.query(
        f"""
        SELECT CAST(created_at AS DATE) AS day, count(*) AS complaints FROM complaints
        WHERE created_at <= $now AND {w} GROUP BY CAST(created_at AS DATE)
    """,
        p,
    )
    if counts.empty and f.start is None:
        return pd.DataFrame(
            {
                "day": pd.Series(dtype="datetime64[us]"),
                "complaints": pd.Series(dtype="int64"),
                "mean_7d": pd.Series(dtype="float64"),
            }
        )
    days = pd.to_datetime(counts.day)
    lo = pd.Timestamp(f.start) if f.start else days.min()
    hi = pd.Timestamp(f.end) if f.end else (days.max() if len(days) else lo)
    series = pd.Series(counts.complaints.to_numpy(), index=days).reindex(
        pd.date_range(lo, hi, freq="D"), fill_value=0
    )
    return pd.DataFrame(
        {
            "day": series.index.astype("datetime64[us]"),
            "complaints": series.to_numpy().astype("int64"),
            "mean_7d": series.rolling(7, min_periods=1).mean().to_numpy(),
        }
    )


@query(tables=("complaints",))
def count_by(
    store: Store, f: Filters, dim: str, at: datetime, limit: int | None = None
) -> pd.DataFrame:
    """Complaints per value of one dimension, most first."""
    if dim not in DIMENSIONS:
        raise ValueError(f"not a filter dimension: {dim!r}")
    w, p = where(f)
    p["now"] = at
    lim = f"LIMIT {int(limit)}" if limit else ""
    return store.query(
        f"""
        SELECT {dim} AS value, count(*) AS complaints FROM complaints
        WHERE created_at <= $now AND {w} GROUP BY {dim} ORDER BY complaints DESC, value {lim}
    """,
        p,
    )


@query(tables=("complaints",), facts=True)
def by_kecamatan(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints and complaints per 10,000 residents for every district (zero included)."""
    w, p = where(f)
    p["now"] = at
    return store.query(
        f"""
        WITH c AS (SELECT kecamatan, count(*) AS complaints FROM complaints
                   WHERE created_at <= $now AND {w} GROUP BY kecamatan)
        SELECT d.kecamatan, d.population, coalesce(c.complaints, 0) AS complaints,
               coalesce(c.complaints, 0) * 10000.0 / nullif(d.population, 0) AS per_10k
        FROM districts d LEFT JOIN c ON c.kecamatan = d.kecamatan
        UNION ALL
        SELECT c.kecamatan, NULL, c.complaints, NULL FROM c
        WHERE c.kecamatan NOT IN (SELECT kecamatan FROM districts)
        ORDER BY per_10k DESC NULLS LAST, complaints DESC
    """,
        p,
    )


@query(tables=("complaints",))
def category_by_kecamatan(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints per (category, district) pair."""
    w, p = where(f)
    p["now"] = at
    return store.query(
        f"""
        SELECT category, kecamatan, count(*) AS complaints FROM complaints
        WHERE created_at <= $now AND {w} GROUP BY category, kecamatan ORDER BY category, kecamatan
    """,
        p,
    )


@query(tables=("complaints",))
def agency_scorecard(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Per agency, on the KPI tiles' definitions: received in the window, the share of those resolved by now,
    on-time % and median days (resolved in the window), overdue now (stock); best on-time first."""
    w, p = where(f.with_values(start=None, end=None))
    w0, w1 = window(f)
    p |= {"now": at, "w0": w0, "w1": w1}
    df = store.query(
        f"""
        SELECT agency,
          count(*) FILTER (WHERE created_at >= $w0 AND created_at < $w1) AS received,
          count(*) FILTER (WHERE created_at >= $w0 AND created_at < $w1 AND status = 'resolved' AND {CLOSED})
            AS received_resolved,
          count(*) FILTER (WHERE status = 'resolved' AND {CLOSED_IN_WINDOW}) AS resolved,
          count(*) FILTER (WHERE status = 'resolved' AND {CLOSED_IN_WINDOW} AND closed_at <= due_at) AS resolved_on_time,
          count(*) FILTER (WHERE {OPEN} AND due_at < $now AND due_at >= $w0 AND due_at < $w1) AS open_past_due,
          count(*) FILTER (WHERE {OPEN} AND due_at < $now) AS overdue_now,
          median({DAYS_TO_CLOSE}) FILTER (WHERE status = 'resolved' AND {CLOSED_IN_WINDOW}) AS median_days
        FROM complaints WHERE created_at <= $now AND {w} GROUP BY agency
    """,
        p,
    )
    df = df[(df.received > 0) | (df.resolved > 0) | (df.overdue_now > 0)]
    df["resolved_pct"] = 100.0 * df.received_resolved / df.received.where(df.received > 0)
    df["on_time_pct"] = [
        None if r is None else 100 * r
        for r in map(on_time_rate, df.resolved_on_time, df.resolved, df.open_past_due)
    ]
    df["on_time_pct"] = df["on_time_pct"].astype(float)
    df = df.sort_values(["on_time_pct", "received"], ascending=[False, False], na_position="last")
    df.insert(0, "rank", range(1, len(df) + 1))
    return df[
        ["rank", "agency", "received", "resolved_pct", "on_time_pct", "median_days", "overdue_now"]
    ].reset_index(drop=True)


def _check_res(res: int) -> None:
    if res not in H3_RESOLUTIONS:
        raise ValueError(f"no stored H3 resolution {res}; have {H3_RESOLUTIONS}")


@query(tables=("complaints",))
def hex_density(
    store: Store, f: Filters, at: datetime, res: int = 8, min_count: int = 1
) -> pd.DataFrame:
    """Complaints per H3 cell (hex id as text for deck.gl); cells under min_count are left out."""
    _check_res(res)
    w, p = where(f)
    p |= {"now": at, "min_count": int(min_count)}
    df = store.query(
        f"""
        SELECT h3_r{res} AS cell, count(*) AS complaints FROM complaints
        WHERE created_at <= $now AND h3_r{res} IS NOT NULL AND h3_r{res} <> 0 AND {w}
        GROUP BY h3_r{res} HAVING count(*) >= $min_count ORDER BY complaints DESC, cell
    """,
        p,
    )
    return pd.DataFrame({"hex": h3_text(df.cell), "complaints": df.complaints})


@query(tables=("complaints",))
def complaint_cells(store: Store, f: Filters, at: datetime, res: int = 9) -> pd.DataFrame:
    """Complaints per H3 cell with the district most of them fall in."""
    _check_res(res)
    w, p = where(f)
    p["now"] = at
    df = store.query(
        f"""
        WITH per AS (
          SELECT h3_r{res} AS cell, kecamatan, count(*) AS n FROM complaints
          WHERE created_at <= $now AND h3_r{res} IS NOT NULL AND h3_r{res} <> 0 AND {w}
          GROUP BY h3_r{res}, kecamatan),
        ranked AS (
          SELECT cell, kecamatan, n, sum(n) OVER (PARTITION BY cell) AS complaints,
                 row_number() OVER (PARTITION BY cell ORDER BY n DESC, kecamatan) AS r FROM per)
        SELECT cell, complaints, kecamatan FROM ranked WHERE r = 1 ORDER BY complaints DESC, cell
    """,
        p,
    )
    return pd.DataFrame(
        {
            "hex": h3_text(df.cell),
            "complaints": df.complaints.astype("int64"),
            "kecamatan": df.kecamatan,
        }
    )


@query(tables=("complaints",))
def complaint_rows(
    store: Store, f: Filters, at: datetime, limit: int | None = 1000
) -> pd.DataFrame:
    """The filtered complaints themselves, newest first, without personal data."""
    cols = [c for c in displayable("complaints") if not c.startswith("h3_")]
    w, p = where(f)
    p["now"] = at
    lim = f"LIMIT {int(limit)}" if limit else ""
    return store.query(
        f"""
        SELECT {", ".join(cols)} FROM complaints WHERE created_at <= $now AND {w}
        ORDER BY created_at DESC, complaint_id {lim}
    """,
        p,
    )
