"""Named queries over complaints: KPI tiles, trends, breakdowns, hexagons, rows (portable SQL, bound values)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..data.clock import hours_before
from ..data.integrity import EARLIEST, LATEST  # an open-ended window: stored times lie within them
from ..data.schema import H3_RESOLUTIONS
from ..data.spatial import h3_text
from ..data.store import Store
from ..data.summary import (
    BUCKET_STARTS,
    CELLS_RES,
    HEX_RES,
    SECONDS_TO_CLOSE,
    Summaries,
    bucket_bounds,
    bucket_sql,
    listed_columns,
)
from .filters import DIMENSIONS, Filters, in_districts, where
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
    # The summaries' settled day counts and tail hold every complaint's values and created day: a
    # read of them, not of every row (3.4 s at 100M complaints, once per version of the data).
    complaints, _ = _counted(store, None)
    out = {}
    for dim in DIMENSIONS:
        src = complaints
        if dim == "kecamatan":
            src = (
                f"(SELECT kecamatan FROM {complaints} UNION SELECT kecamatan FROM cctv_sites "
                "UNION SELECT kecamatan FROM wifi_points UNION SELECT kecamatan FROM districts) AS k"
            )
        df = store.query(
            f"SELECT DISTINCT {dim} AS v FROM {src} WHERE {dim} IS NOT NULL ORDER BY v"
        )
        out[dim] = df.v.tolist()
    span = store.query(
        "SELECT CAST(min(created_at) AS DATE) AS lo, CAST(max(created_at) AS DATE) AS hi "
        f"FROM {complaints}"
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
DAYS_TO_CLOSE = f"{SECONDS_TO_CLOSE} / 86400.0"


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


# The KPI counts: name -> which complaints (created by `now`, in the dimension filters) it counts.
KPI_COUNTS = {
    "received": "created_at >= $w0 AND created_at < $w1",
    "new_today": "created_at >= $day0",
    "last_7d": "created_at > $h168",
    "prev_7d": "created_at > $h336 AND created_at <= $h168",
    "open_backlog": OPEN,
    "overdue_now": f"{OPEN} AND due_at < $now",
    "resolved": f"status = 'resolved' AND {CLOSED_IN_WINDOW}",
    "rejected": f"status = 'rejected' AND {CLOSED_IN_WINDOW}",
    "resolved_on_time": f"status = 'resolved' AND {CLOSED_IN_WINDOW} AND closed_at <= due_at",
    "open_past_due": f"{OPEN} AND due_at < $now AND due_at >= $w0 AND due_at < $w1",
}
RESOLVED_IN_WINDOW = f"status = 'resolved' AND {CLOSED_IN_WINDOW}"


def _ask(store: Store, sql: str, params: dict) -> pd.DataFrame:
    """Run `sql` with the parameters it names (a query's shared parameters include others)."""
    return store.query(sql, {k: params[k] for k in set(re.findall(r"\$(\w+)", sql))})


def _counts_sql(counts: dict[str, str]) -> str:
    return ",\n".join(f"count(*) FILTER (WHERE {cond}) AS {name}" for name, cond in counts.items())


def _settled_sql(s: Summaries, dims_where: str, full_where: str, by: str | None = None) -> str:
    """The settled complaints' part of the flow counts (data.summary): received by created day, closed
    by closed day. Everything settled happened before the cutoff, so no `now` applies."""
    g = f"{by} AS g" if by else "NULL AS g"
    return f"""
        SELECT g, sum(received) AS received, sum(received_resolved) AS received_resolved,
          sum(resolved) AS resolved, sum(rejected) AS rejected,
          sum(resolved_on_time) AS resolved_on_time
        FROM (
          SELECT {g}, n AS received, CASE WHEN status = 'resolved' THEN n ELSE 0 END
            AS received_resolved, 0 AS resolved, 0 AS rejected, 0 AS resolved_on_time
          FROM {s.created} WHERE {full_where}
          UNION ALL
          SELECT {g}, 0, 0, CASE WHEN status = 'resolved' THEN n ELSE 0 END,
            CASE WHEN status = 'rejected' THEN n ELSE 0 END,
            CASE WHEN status = 'resolved' AND on_time THEN n ELSE 0 END
          FROM {s.closed} WHERE closed_at >= $w0 AND closed_at < $w1 AND {dims_where}
        ) GROUP BY g"""


def _flow_params(f: Filters, at: datetime) -> tuple[str, str, dict]:
    """The dimension filter, the full filter (dates on created_at) and the window's parameters."""
    w, p = where(f.with_values(start=None, end=None))
    full, p_full = where(f)
    w0, w1 = window(f)
    return w, full, p | p_full | {"now": at, "w0": w0, "w1": w1}


@query(tables=("complaints",))
def kpis(store: Store, f: Filters, at: datetime) -> dict:
    """The KPI tiles, one definition for every page, the wall and the tour (docs/data.md, Metrics).

    Stock, as of `at` over every complaint the dimension filters select (the date range does not apply):
    open_backlog, overdue_now. Flow, over the date range: received, resolved, rejected, on_time_rate,
    rejected_rate, median_days_to_resolve. Fixed windows back from `at`: new_today (since midnight),
    last_7d (the last 168 hours) against prev_7d (the 168 before).

    Read from the summaries when they answer `at` (settled counts + the tail's rows, the same SQL),
    else from the rows; both are the definition above.
    """
    w, full, p = _flow_params(f, at)
    p |= {
        "day0": datetime.combine(at.date(), datetime.min.time()),
        "h168": hours_before(at, 168, store.timezone),  # real hours, across a change of clocks
        "h336": hours_before(at, 336, store.timezone),
    }
    s = store.summaries(at)
    if s is None:
        row = _ask(
            store,
            f"""SELECT {_counts_sql(KPI_COUNTS)},
              median({DAYS_TO_CLOSE}) FILTER (WHERE {RESOLVED_IN_WINDOW}) AS median_days_to_resolve
            FROM complaints WHERE created_at <= $now AND {w}""",
            p,
        ).iloc[0]
        out: dict[str, Any] = {k: (None if pd.isna(v) else v) for k, v in row.items()}
    else:
        row = _ask(
            store,
            f"SELECT {_counts_sql(KPI_COUNTS)} FROM {s.tail} WHERE created_at <= $now AND {w}",
            p,
        ).iloc[0]
        out = dict(row.items())
        settled = _ask(store, _settled_sql(s, w, full), p)
        if len(settled):
            for k in ("received", "resolved", "rejected", "resolved_on_time"):
                out[k] = int(out[k]) + int(settled[k].iloc[0] or 0)
        out["median_days_to_resolve"] = _median_days(store, s, f, at).get(None)
    for k in KPI_COUNTS:
        out[k] = int(out[k] or 0)
    out["total"] = out["received"]
    out["on_time_rate"] = on_time_rate(
        int(out["resolved_on_time"]), int(out["resolved"]), int(out["open_past_due"])
    )
    out["rejected_rate"] = rejected_rate(int(out["rejected"]), int(out["resolved"]))
    return out


# A median over at most this many settled resolution times is DuckDB's over them all (at 1M and 10M
# complaints 2-7x faster than through the buckets, docs/benchmarks.md); over more, through the buckets.
DIRECT_MEDIAN_ROWS = 1_000_000


def _median_days(
    store: Store, s: Summaries, f: Filters, at: datetime, by: str | None = None
) -> dict:
    """The exact median days to resolve of the complaints resolved in the window, per value of `by`
    (one key, None, without): DuckDB's median (the mean of the two middle values for an even count).

    Up to DIRECT_MEDIAN_ROWS settled resolution times in the window's months and the districts: DuckDB's
    median over them and the tail's (data.summary). More: the settled counts per resolution-time
    bucket say which bucket holds each median, and only that bucket's durations in the window are
    read, with the tail's."""
    w, _, p = _flow_params(f, at)
    g = by or "NULL"
    districts, dp = in_districts(f.kecamatan)
    settled = _ask(
        store,
        f"SELECT coalesce(sum(n), 0) AS n FROM {s.resolved_months} WHERE {districts} "
        "AND closed_month >= date_trunc('month', $w0) AND closed_month < $w1",
        p | dp,
    ).n.iloc[0]
    if settled <= DIRECT_MEDIAN_ROWS:
        df = _ask(
            store,
            f"""SELECT g, median(secs / 86400.0) AS m FROM (
              SELECT {g} AS g, secs FROM {s.durations}
              WHERE closed_at >= $w0 AND closed_at < $w1 AND {w}
              UNION ALL
              SELECT {g}, {SECONDS_TO_CLOSE} FROM {s.tail}
              WHERE created_at <= $now AND {RESOLVED_IN_WINDOW} AND {w}
            ) GROUP BY g""",
            p,
        )
        return {(None if pd.isna(k) else k): v for k, v in zip(df.g, df.m)}
    hist = _ask(
        store,
        f"""
        SELECT g, b, CAST(sum(n) AS BIGINT) AS n FROM (
          SELECT {g} AS g, dur_bucket AS b, n FROM {s.closed}
          WHERE status = 'resolved' AND closed_at >= $w0 AND closed_at < $w1 AND {w}
          UNION ALL
          SELECT {g}, {bucket_sql()}, 1 FROM {s.tail}
          WHERE created_at <= $now AND {RESOLVED_IN_WINDOW} AND {w}
        ) GROUP BY g, b ORDER BY g, b""",
        p,
    )
    # Which bucket holds each group's middle value(s), and its rank there.
    wanted: dict[tuple, list] = {}  # (group, bucket) -> [(rank in the bucket, first or second)]
    for key, rows in hist.groupby("g", dropna=False, sort=False):
        group = None if pd.isna(key) else key
        total, before = int(rows.n.sum()), 0
        middle = sorted({(total - 1) // 2, total // 2})
        for b, n in zip(rows.b.astype(int), rows.n.astype(int)):
            for which, rank in enumerate(middle):
                if before <= rank < before + n:
                    wanted.setdefault((group, b), []).append((rank - before, which))
            before += n
    if not wanted:
        return {}
    values = _bucket_values(store, s, f, at, by, wanted)
    middles: dict = {}
    for (group, b), ranks in wanted.items():
        mask = (values.b == b) & (values.g.isna() if group is None else values.g == group)
        secs, upto = values.secs[mask].to_numpy(), values.n[mask].to_numpy().cumsum()
        for rank, which in ranks:
            i = int(upto.searchsorted(rank, side="right"))
            if i >= len(secs):  # the rows changed under the counts: read the median from the rows
                return _median_days_raw(store, f, at, by)
            middles.setdefault(group, {})[which] = int(secs[i]) / 86400.0
    # DuckDB's interpolation of the two middle values (the same value twice for an odd count).
    return {group: m[0] * 0.5 + m.get(1, m[0]) * 0.5 for group, m in middles.items()}


def _bucket_values(store, s, f, at, by, wanted: dict) -> pd.DataFrame:
    """The resolution times (whole seconds, counted) in the wanted buckets of the wanted groups: the
    settled ones from their buckets' durations in the window, and the tail's."""
    w, _, p = _flow_params(f, at)
    groups: dict[int, list] = {}
    for group, b in wanted:
        groups.setdefault(b, []).append(group)
    tail_terms, settled_terms = [], []
    for b, members in groups.items():
        among = []
        if by:
            names = [f"g{b}_{i}" for i in range(len(members))]
            p |= dict(zip(names, members))
            among.append(f"{by} IN ({', '.join('$' + n for n in names)})")
        s_lo, s_hi = bucket_bounds(b)
        term = among + ([] if s_lo is None else [f"{SECONDS_TO_CLOSE} >= {int(s_lo)}"])
        term += [] if s_hi is None else [f"{SECONDS_TO_CLOSE} < {int(s_hi)}"]
        tail_terms.append("(" + " AND ".join(term or ["true"]) + ")")
        settled_terms.append("(" + " AND ".join([f"dur_bucket = {int(b)}", *among]) + ")")
    picked = f"SELECT {by or 'NULL'} AS g"
    values = _ask(
        store,
        f"""SELECT g, secs, count(*) AS n FROM (
          {picked}, {SECONDS_TO_CLOSE} AS secs FROM {s.tail}
          WHERE created_at <= $now AND {RESOLVED_IN_WINDOW} AND {w} AND ({" OR ".join(tail_terms)})
          UNION ALL
          {picked}, secs FROM {s.durations}
          WHERE closed_at >= $w0 AND closed_at < $w1 AND {w} AND ({" OR ".join(settled_terms)})
        ) GROUP BY g, secs ORDER BY g, secs""",
        p,
    )
    starts = np.asarray(BUCKET_STARTS[1:])
    values["b"] = starts.searchsorted(values.secs.to_numpy(), side="right")
    return values


def _median_days_raw(store: Store, f: Filters, at: datetime, by: str | None = None) -> dict:
    w, _, p = _flow_params(f, at)
    g = by or "NULL"
    df = _ask(
        store,
        f"SELECT {g} AS g, median({DAYS_TO_CLOSE}) AS m FROM complaints "
        f"WHERE created_at <= $now AND {RESOLVED_IN_WINDOW} AND {w} GROUP BY g",
        p,
    )
    return {(None if pd.isna(k) else k): v for k, v in zip(df.g, df.m)}


def _counted(store: Store, at: datetime | None, res: int | None = None) -> tuple[str, str]:
    """The complaints to count by created day and dimension (and H3 cell of resolution `res`), and
    how to count them: the rows, or the settled day counts plus the tail's rows (data.summary; for a
    cell resolution the summaries count). `at` None: for what does not depend on the clock."""
    s = store.summaries(at)
    table = None
    if s is not None:
        table = s.created if res is None else {HEX_RES: s.hex, CELLS_RES: s.cells}.get(res)
    if s is None or table is None:
        return "complaints", "count(*)"
    cols = "created_at, created_month, " + ("" if res is None else f"h3_r{res}, ")
    cols += ", ".join(DIMENSIONS)
    return (
        f"(SELECT {cols}, n FROM {table} UNION ALL SELECT {cols}, 1 AS n FROM {s.tail}) AS c",
        "CAST(sum(n) AS BIGINT)",
    )


@query(tables=("complaints",))
def daily_trend(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints per day with a trailing 7-day mean; days with none are zero."""
    w, p = where(f)
    p["now"] = at
    src, n = _counted(store, at)
    counts = store.query(
        f"""
        SELECT CAST(created_at AS DATE) AS day, {n} AS complaints FROM {src}
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
    src, n = _counted(store, at)
    return store.query(
        f"""
        SELECT {dim} AS value, {n} AS complaints FROM {src}
        WHERE created_at <= $now AND {w} GROUP BY {dim} ORDER BY complaints DESC, value {lim}
    """,
        p,
    )


@query(tables=("complaints",), facts=True)
def by_kecamatan(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints and complaints per 10,000 residents for every district (zero included)."""
    w, p = where(f)
    p["now"] = at
    src, n = _counted(store, at)
    return store.query(
        f"""
        WITH c AS (SELECT kecamatan, {n} AS complaints FROM {src}
                   WHERE created_at <= $now AND {w} GROUP BY kecamatan)
        SELECT d.kecamatan, d.population, coalesce(c.complaints, 0) AS complaints,
               coalesce(c.complaints, 0) * 10000.0 / nullif(d.population, 0) AS per_10k
        FROM districts d LEFT JOIN c ON c.kecamatan = d.kecamatan
        UNION ALL
        SELECT c.kecamatan, NULL, c.complaints, NULL FROM c
        WHERE c.kecamatan NOT IN (SELECT kecamatan FROM districts)
        ORDER BY per_10k DESC NULLS LAST, complaints DESC, kecamatan
    """,
        p,
    )


@query(tables=("complaints",))
def category_by_kecamatan(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints per (category, district) pair."""
    w, p = where(f)
    p["now"] = at
    src, n = _counted(store, at)
    return store.query(
        f"""
        SELECT category, kecamatan, {n} AS complaints FROM {src}
        WHERE created_at <= $now AND {w} GROUP BY category, kecamatan ORDER BY category, kecamatan
    """,
        p,
    )


@query(tables=("complaints",))
def agency_scorecard(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Per agency, on the KPI tiles' definitions: received in the window, the share of those resolved by now,
    on-time % and median days (resolved in the window), overdue now (stock); best on-time first."""
    w, full, p = _flow_params(f, at)
    counts = {
        "received": KPI_COUNTS["received"],
        "received_resolved": f"{KPI_COUNTS['received']} AND status = 'resolved' AND {CLOSED}",
        **{k: KPI_COUNTS[k] for k in ("resolved", "resolved_on_time", "open_past_due")},
        "overdue_now": KPI_COUNTS["overdue_now"],
    }
    s = store.summaries(at)
    if s is None:
        df = _ask(
            store,
            f"""SELECT agency, {_counts_sql(counts)},
              median({DAYS_TO_CLOSE}) FILTER (WHERE {RESOLVED_IN_WINDOW}) AS median_days
            FROM complaints WHERE created_at <= $now AND {w} GROUP BY agency""",
            p,
        )
    else:
        tail = _ask(
            store,
            f"SELECT agency, {_counts_sql(counts)} FROM {s.tail} "
            f"WHERE created_at <= $now AND {w} GROUP BY agency",
            p,
        ).set_index("agency")
        settled = _ask(store, _settled_sql(s, w, full, by="agency"), p).set_index("g")
        df = tail.add(settled.reindex(columns=tail.columns), fill_value=0).fillna(0)
        df = df.astype("int64").rename_axis("agency").reset_index()
        medians = _median_days(store, s, f, at, by="agency")
        df["median_days"] = [medians.get(a) for a in df.agency]
        df["median_days"] = df.median_days.astype(float)
    df = df[(df.received > 0) | (df.resolved > 0) | (df.overdue_now > 0)]
    df["agency"] = df.agency.astype(str)  # one text type, also for no rows
    df["resolved_pct"] = 100.0 * df.received_resolved / df.received.where(df.received > 0)
    df["on_time_pct"] = [
        None if r is None else 100 * r
        for r in map(on_time_rate, df.resolved_on_time, df.resolved, df.open_past_due)
    ]
    df["on_time_pct"] = df["on_time_pct"].astype(float)
    df = df.sort_values(  # ties by name: the same order on every run and every engine
        ["on_time_pct", "received", "agency"], ascending=[False, False, True], na_position="last"
    )
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
    source, count = _counted(store, at, res)
    df = store.query(
        f"""
        SELECT h3_r{res} AS cell, {count} AS complaints FROM {source}
        WHERE created_at <= $now AND h3_r{res} IS NOT NULL AND h3_r{res} <> 0 AND {w}
        GROUP BY h3_r{res} HAVING {count} >= $min_count ORDER BY complaints DESC, cell
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
    source, count = _counted(store, at, res)
    df = store.query(
        f"""
        WITH per AS (
          SELECT h3_r{res} AS cell, kecamatan, {count} AS n FROM {source}
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


def _nth_newest(store: Store, w: str, p: dict, at: datetime, n: int) -> pd.DataFrame:
    """The created_at of the n-th newest complaint the filter selects (no row: fewer than n). Looked
    for in the last month first, then the last year, then all: a busy city's newest thousand are in
    its last days, and the months before are not read."""
    sql = (
        f"SELECT created_at FROM complaints WHERE created_at <= $now AND {w} {{since}} "
        f"ORDER BY created_at DESC LIMIT 1 OFFSET {n - 1}"
    )
    for months in (1, 12):
        first = (at.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
        # The month picks a partitioned table's files; the time (a day early: any clock change
        # at midnight) the row groups of one file, whose month is computed per row.
        since = {
            "nth_month": first.strftime("%Y-%m"),
            "nth_from": datetime.combine(first.date() - timedelta(days=1), datetime.min.time()),
        }
        found = store.query(
            sql.format(since="AND created_month >= $nth_month AND created_at >= $nth_from"),
            p | since,
        )
        if len(found):
            return found
    return store.query(sql.format(since=""), p)


@query(tables=("complaints",), rows=True)
def complaint_rows(
    store: Store, f: Filters, at: datetime, limit: int | None = 1000
) -> pd.DataFrame:
    """The filtered complaints themselves, newest first, without personal data.

    With a limit, the time of the limit-th newest is found first from the times alone; the whole
    rows are then read from that time on (and its month's files on), not from the whole window."""
    cols = listed_columns()
    w, p = where(f)
    p["now"] = at
    s = store.summaries(at)
    if limit and s is not None:
        # The recent complaints hold each district's rows from its earliest one there on (data.summary):
        # when they hold `limit` that the filter selects, none older than each selected district's
        # earliest there, those are the newest of all.
        districts, dp = in_districts(f.kecamatan)
        order = "ORDER BY created_at DESC, complaint_id"
        newest = store.query(
            f"""
            WITH top AS (
              SELECT {", ".join(cols)} FROM {s.recent} WHERE created_at <= $now AND {w}
              {order} LIMIT {int(limit)})
            SELECT *, coalesce((SELECT min(created_at) FROM top) >= (
              SELECT max(earliest) FROM (SELECT min(created_at) AS earliest FROM {s.recent}
              WHERE {districts} GROUP BY kecamatan)), false) AS _whole
            FROM top {order}""",
            p | dp,
        )
        if len(newest) == int(limit) and bool(newest._whole.iloc[0]):
            return newest.drop(columns="_whole")
    since = ""
    if limit:
        nth = _nth_newest(store, w, p, at, int(limit))
        if len(nth) and not pd.isna(nth.created_at.iloc[0]):
            # Two hours early: a wall time read back in a repeated hour may name the later instant.
            t = nth.created_at.iloc[0].to_pydatetime() - timedelta(hours=2)
            p |= {"since": t, "since_month": f"{t:%Y-%m}"}
            since = "AND created_month >= $since_month AND created_at >= $since"
    lim = f"LIMIT {int(limit)}" if limit else ""
    return store.query(
        f"""
        SELECT {", ".join(cols)} FROM complaints WHERE created_at <= $now AND {w} {since}
        ORDER BY created_at DESC, complaint_id {lim}
    """,
        p,
    )
