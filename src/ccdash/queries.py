"""Named, parameterised queries returning DataFrames (or small dicts of numbers)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from .alerts import active_alerts  # noqa: F401 - a named query too (the wall's ticker)
from .db import Store
from .filters import DIMENSIONS, Filters, where
from .profile import Profile
from .schema import H3_RESOLUTIONS, displayable

METRES_PER_DEG_LAT = 111_320.0


def latest_complaint(store: Store) -> datetime | None:
    latest = store.scalar("SELECT max(created_at) FROM complaints")
    return None if latest is None or pd.isna(latest) else pd.Timestamp(latest).to_pydatetime()


def now(store: Store, profile: Profile, latest: datetime | None = None) -> datetime:
    """The reference 'now': the newest complaint (demo extracts) or the city's wall clock."""
    if profile.clock == "data":
        latest = latest or latest_complaint(store)
        if latest is not None:
            return latest
    # Whole minutes: queries are cached by their time argument.
    return datetime.now(ZoneInfo(profile.timezone)).replace(tzinfo=None, second=0, microsecond=0)


def filter_options(store: Store) -> dict:
    """Distinct values of every filter dimension, and the date span of the complaints."""
    out = {}
    for dim in DIMENSIONS:
        df = store.query(f"SELECT DISTINCT {dim} AS v FROM complaints WHERE {dim} IS NOT NULL ORDER BY 1")
        out[dim] = df.v.tolist()
    span = store.query("SELECT min(created_at)::DATE AS lo, max(created_at)::DATE AS hi FROM complaints")
    out["date_min"], out["date_max"] = (None, None) if span.empty or pd.isna(span.lo[0]) else (span.lo[0], span.hi[0])
    return out


# Open at `now`: not closed yet, or closed after it (an as-of view of history).
_OPEN = "(closed_at IS NULL OR closed_at > $now)"
_CLOSED = "(closed_at IS NOT NULL AND closed_at <= $now)"


def complaint_kpis(store: Store, f: Filters, at: datetime) -> dict:
    """The Overview tiles, over the complaints the filters select, as of `at`."""
    w, p = where(f)
    day0 = datetime.combine(at.date(), datetime.min.time())
    p |= {"now": at, "day0": day0, "d7": day0 - timedelta(days=6), "d14": day0 - timedelta(days=13)}
    row = store.query(f"""
        SELECT
          count(*) AS total,
          count(*) FILTER (created_at >= $day0 AND created_at <= $now) AS new_today,
          count(*) FILTER (created_at >= $d7 AND created_at <= $now) AS last_7d,
          count(*) FILTER (created_at >= $d14 AND created_at < $d7) AS prev_7d,
          count(*) FILTER (created_at <= $now AND {_OPEN}) AS open_backlog,
          count(*) FILTER (created_at <= $now AND {_OPEN} AND due_at < $now) AS overdue_now,
          count(*) FILTER ({_CLOSED}) AS closed,
          count(*) FILTER ({_CLOSED} AND closed_at <= due_at) AS closed_on_time,
          median(date_diff('second', created_at, closed_at) / 86400.0)
            FILTER ({_CLOSED} AND status = 'resolved') AS median_days_to_resolve
        FROM complaints WHERE created_at <= $now AND {w}
    """, p).iloc[0]
    out = {k: (None if pd.isna(v) else v) for k, v in row.items()}
    for k in ("total", "new_today", "last_7d", "prev_7d", "open_backlog", "overdue_now", "closed", "closed_on_time"):
        out[k] = int(out[k] or 0)
    out["on_time_rate"] = on_time_rate(out["closed_on_time"], out["closed"], out["overdue_now"])
    return out


def on_time_rate(closed_on_time: int, closed: int, open_past_due: int) -> float | None:
    """Closed on time / (closed + open past due): late tickets count before they close."""
    denominator = closed + open_past_due
    return None if denominator == 0 else closed_on_time / denominator


def daily_trend(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints per day with a trailing 7-day mean; days with none are zero."""
    w, p = where(f)
    p["now"] = at
    return store.query(f"""
        WITH c AS (SELECT created_at::DATE AS day FROM complaints WHERE created_at <= $now AND {w}),
        span AS (SELECT coalesce($start::DATE, min(day)) AS lo, coalesce($end_excl::DATE - 1, max(day)) AS hi FROM c),
        days AS (SELECT unnest(generate_series(lo, hi, INTERVAL 1 DAY))::DATE AS day FROM span WHERE lo IS NOT NULL),
        counts AS (SELECT day, count(*) AS n FROM c GROUP BY day)
        SELECT days.day, coalesce(n, 0) AS complaints,
               avg(coalesce(n, 0)) OVER (ORDER BY days.day ROWS BETWEEN 6 PRECEDING AND CURRENT ROW) AS mean_7d
        FROM days LEFT JOIN counts USING (day) ORDER BY days.day
    """, p | {"start": p.get("start"), "end_excl": p.get("end_excl")})


def count_by(store: Store, f: Filters, dim: str, at: datetime, limit: int | None = None) -> pd.DataFrame:
    """Complaints per value of one dimension, most first."""
    if dim not in DIMENSIONS:
        raise ValueError(f"not a filter dimension: {dim!r}")
    w, p = where(f)
    p["now"] = at
    lim = f"LIMIT {int(limit)}" if limit else ""
    return store.query(f"""
        SELECT {dim} AS value, count(*) AS complaints FROM complaints
        WHERE created_at <= $now AND {w} GROUP BY 1 ORDER BY 2 DESC, 1 {lim}
    """, p)


def by_kecamatan(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints and complaints per 10,000 residents for every district (zero included)."""
    w, p = where(f)
    p["now"] = at
    return store.query(f"""
        WITH c AS (SELECT kecamatan, count(*) AS complaints FROM complaints
                   WHERE created_at <= $now AND {w} GROUP BY 1)
        SELECT d.kecamatan, d.population, coalesce(c.complaints, 0) AS complaints,
               coalesce(c.complaints, 0) * 10000.0 / nullif(d.population, 0) AS per_10k
        FROM districts d LEFT JOIN c USING (kecamatan)
        UNION ALL
        SELECT c.kecamatan, NULL, c.complaints, NULL FROM c
        WHERE c.kecamatan NOT IN (SELECT kecamatan FROM districts)
        ORDER BY per_10k DESC NULLS LAST, complaints DESC
    """, p)


def category_by_kecamatan(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    w, p = where(f)
    p["now"] = at
    return store.query(f"""
        SELECT category, kecamatan, count(*) AS complaints FROM complaints
        WHERE created_at <= $now AND {w} GROUP BY 1, 2 ORDER BY 1, 2
    """, p)


def agency_scorecard(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Per OPD: received, resolved %, on-time % (honest), median days, overdue now; best first."""
    w, p = where(f)
    p["now"] = at
    df = store.query(f"""
        SELECT agency,
          count(*) AS received,
          count(*) FILTER ({_CLOSED} AND status = 'resolved') AS resolved,
          count(*) FILTER ({_CLOSED}) AS closed,
          count(*) FILTER ({_CLOSED} AND closed_at <= due_at) AS closed_on_time,
          count(*) FILTER ({_OPEN} AND due_at < $now) AS overdue_now,
          median(date_diff('second', created_at, closed_at) / 86400.0)
            FILTER ({_CLOSED} AND status = 'resolved') AS median_days
        FROM complaints WHERE created_at <= $now AND {w} GROUP BY agency
    """, p)
    df["resolved_pct"] = 100.0 * df.resolved / df.received
    denom = (df.closed + df.overdue_now).where(lambda s: s > 0)
    df["on_time_pct"] = 100.0 * df.closed_on_time / denom
    df = df.sort_values(["on_time_pct", "received"], ascending=[False, False], na_position="last")
    df.insert(0, "rank", range(1, len(df) + 1))
    return df[["rank", "agency", "received", "resolved_pct", "on_time_pct", "median_days", "overdue_now"]].reset_index(drop=True)


def hex_density(store: Store, f: Filters, at: datetime, res: int = 8, min_count: int = 1) -> pd.DataFrame:
    """Complaints per H3 cell (hex id as text for deck.gl); cells under min_count are left out."""
    if res not in H3_RESOLUTIONS:
        raise ValueError(f"no stored H3 resolution {res}; have {H3_RESOLUTIONS}")
    w, p = where(f)
    p |= {"now": at, "min_count": int(min_count)}
    return store.query(f"""
        SELECT lower(hex(h3_r{res})) AS hex, count(*) AS complaints FROM complaints
        WHERE created_at <= $now AND h3_r{res} IS NOT NULL AND h3_r{res} <> 0 AND {w}
        GROUP BY h3_r{res} HAVING count(*) >= $min_count ORDER BY 2 DESC
    """, p)


def complaint_cells(store: Store, f: Filters, at: datetime, res: int = 9) -> pd.DataFrame:
    """Complaints per H3 cell with the district most of them fall in."""
    if res not in H3_RESOLUTIONS:
        raise ValueError(f"no stored H3 resolution {res}; have {H3_RESOLUTIONS}")
    w, p = where(f)
    p["now"] = at
    return store.query(f"""
        SELECT lower(hex(h3_r{res})) AS hex, count(*) AS complaints, mode(kecamatan) AS kecamatan
        FROM complaints WHERE created_at <= $now AND h3_r{res} IS NOT NULL AND h3_r{res} <> 0 AND {w}
        GROUP BY h3_r{res} ORDER BY 2 DESC
    """, p)


def wifi_usage_last_month(store: Store) -> pd.DataFrame:
    return store.query("SELECT ap_id, month, users FROM wifi_usage WHERE month = (SELECT max(month) FROM wifi_usage)")


def complaint_rows(store: Store, f: Filters, at: datetime, limit: int | None = 1000) -> pd.DataFrame:
    """The filtered complaints themselves, newest first, without personal data."""
    cols = [c for c in displayable("complaints") if not c.startswith("h3_")]
    w, p = where(f)
    p["now"] = at
    lim = f"LIMIT {int(limit)}" if limit else ""
    return store.query(f"""
        SELECT {", ".join(cols)} FROM complaints WHERE created_at <= $now AND {w}
        ORDER BY created_at DESC, complaint_id {lim}
    """, p)


# --- CCTV and wifi: the kecamatan filter applies; the other dimensions are complaint fields ---------

def _kec(kecamatan: tuple[str, ...], alias: str = "") -> tuple[str, dict]:
    return where(Filters(kecamatan=tuple(kecamatan)), alias)


def cctv_summary(store: Store, kecamatan: tuple[str, ...] = ()) -> dict:
    w, p = _kec(kecamatan)
    row = store.query(f"""
        SELECT count(*) AS cameras, count(*) FILTER (status = 'online') AS online,
               count(*) FILTER (status = 'offline') AS offline,
               count(*) FILTER (status = 'maintenance') AS maintenance FROM cctv_sites WHERE {w}
    """, p).iloc[0]
    out = {k: int(v) for k, v in row.items()}
    out["online_pct"] = 100.0 * out["online"] / out["cameras"] if out["cameras"] else None
    return out


def cctv_sites(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    w, p = _kec(kecamatan)
    return store.query(f"""
        SELECT camera_id, name, lat, lon, kecamatan, kind, status, last_seen_at, agency, view_radius_m
        FROM cctv_sites WHERE {w} ORDER BY camera_id
    """, p)


def cctv_by_kecamatan(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    w, p = _kec(kecamatan)
    return store.query(f"""
        SELECT kecamatan, count(*) AS cameras, count(*) FILTER (status = 'online') AS online,
               100.0 * count(*) FILTER (status = 'online') / count(*) AS online_pct
        FROM cctv_sites WHERE {w} GROUP BY 1 ORDER BY online_pct, cameras DESC
    """, p)


def cctv_by_kind(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    w, p = _kec(kecamatan)
    return store.query(f"""
        SELECT kind, status, count(*) AS cameras FROM cctv_sites WHERE {w} GROUP BY 1, 2 ORDER BY 1, 2
    """, p)


def cctv_offline(store: Store, at: datetime, min_hours: float = 0, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    """Cameras not online, longest silent first."""
    w, p = _kec(kecamatan)
    return store.query(f"""
        SELECT camera_id, name, kecamatan, kind, status, last_seen_at,
               date_diff('second', last_seen_at, $now) / 3600.0 AS hours_since_seen
        FROM cctv_sites
        WHERE status <> 'online' AND coalesce(date_diff('second', last_seen_at, $now) / 3600.0, 1e9) >= $min_hours
          AND {w}
        ORDER BY hours_since_seen DESC NULLS FIRST
    """, p | {"now": at, "min_hours": float(min_hours)})


def complaints_in_camera_view(store: Store, f: Filters, at: datetime, by: str = "kecamatan") -> pd.DataFrame:
    """Share of complaints inside some camera's view radius (a camera could verify them), per `by`."""
    if by not in DIMENSIONS:
        raise ValueError(f"not a filter dimension: {by!r}")
    w, p = where(f, "c")
    p["now"] = at
    return store.query(f"""
        WITH c AS (SELECT complaint_id, {by}, lat, lon FROM complaints c
                   WHERE c.created_at <= $now AND c.lat IS NOT NULL AND {w}),
        cams AS (SELECT lat, lon, view_radius_m AS r,
                        view_radius_m / {METRES_PER_DEG_LAT} AS dlat,
                        view_radius_m / ({METRES_PER_DEG_LAT} * cos(radians(lat))) AS dlon FROM cctv_sites),
        seen AS (
          SELECT DISTINCT c.complaint_id FROM c JOIN cams k
            ON c.lat BETWEEN k.lat - k.dlat AND k.lat + k.dlat
           AND c.lon BETWEEN k.lon - k.dlon AND k.lon + k.dlon
          WHERE 2 * 6371008.8 * asin(sqrt(pow(sin(radians(c.lat - k.lat) / 2), 2)
                + cos(radians(c.lat)) * cos(radians(k.lat)) * pow(sin(radians(c.lon - k.lon) / 2), 2))) <= k.r)
        SELECT c.{by} AS value, count(*) AS complaints, count(seen.complaint_id) AS in_view,
               100.0 * count(seen.complaint_id) / count(*) AS in_view_pct
        FROM c LEFT JOIN seen USING (complaint_id) GROUP BY 1 ORDER BY in_view_pct DESC
    """, p)


def wifi_summary(store: Store, kecamatan: tuple[str, ...] = ()) -> dict:
    w, p = _kec(kecamatan)
    row = store.query(f"""
        WITH pts AS (SELECT * FROM wifi_points WHERE {w}),
        last AS (SELECT max(month) AS m FROM wifi_usage)
        SELECT (SELECT count(*) FROM pts) AS points,
               (SELECT count(*) FROM pts WHERE status = 'active') AS active,
               (SELECT count(*) FROM pts WHERE bandwidth_mbps >= 300) AS at_300,
               (SELECT sum(users) FROM wifi_usage u, last WHERE u.month = last.m
                  AND u.ap_id IN (SELECT ap_id FROM pts)) AS users_last_month,
               (SELECT m FROM last) AS last_month
    """, p).iloc[0]
    out = row.to_dict()
    for k in ("points", "active", "at_300"):
        out[k] = int(out[k] or 0)
    out["users_last_month"] = None if pd.isna(out["users_last_month"]) else int(out["users_last_month"])
    return out


def wifi_points(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    w, p = _kec(kecamatan)
    return store.query(f"""
        SELECT ap_id, site_name, site_type, lat, lon, kecamatan, bandwidth_mbps, status, coverage_radius_m
        FROM wifi_points WHERE {w} ORDER BY ap_id
    """, p)


def wifi_by_site_type(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    w, p = _kec(kecamatan)
    return store.query(f"""
        SELECT site_type, count(*) AS points, count(*) FILTER (bandwidth_mbps >= 300) AS at_300
        FROM wifi_points WHERE {w} GROUP BY 1 ORDER BY 2 DESC
    """, p)


def wifi_bandwidth_mix(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    w, p = _kec(kecamatan)
    return store.query(f"""
        SELECT bandwidth_mbps, count(*) AS points FROM wifi_points WHERE {w} GROUP BY 1 ORDER BY 1
    """, p)


def wifi_users_by_month(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    w, p = _kec(kecamatan, "w")
    return store.query(f"""
        SELECT u.month, sum(u.users) AS users, count(DISTINCT u.ap_id) AS points
        FROM wifi_usage u JOIN wifi_points w USING (ap_id) WHERE {w} GROUP BY 1 ORDER BY 1
    """, p)


def wifi_per_10k(store: Store) -> pd.DataFrame:
    """Wifi points per 10,000 residents for every district, fewest first."""
    return store.query("""
        WITH w AS (SELECT kecamatan, count(*) AS points, count(*) FILTER (status = 'active') AS active
                   FROM wifi_points GROUP BY 1)
        SELECT d.kecamatan, d.population, coalesce(w.points, 0) AS points, coalesce(w.active, 0) AS active,
               coalesce(w.points, 0) * 10000.0 / nullif(d.population, 0) AS per_10k
        FROM districts d LEFT JOIN w USING (kecamatan) ORDER BY per_10k, d.kecamatan
    """)


# --- Data sources -----------------------------------------------------------------------------

_DATE_COLUMN = {"complaints": "created_at", "cctv_sites": "last_seen_at", "wifi_points": "installed_at",
                "wifi_usage": "month"}


def source_stats(store: Store, table: str) -> dict:
    """Rows and date span of one extract."""
    col = _DATE_COLUMN[table]
    row = store.query(f"SELECT count(*) AS rows, min({col}) AS first, max({col}) AS last FROM {table}").iloc[0]
    return {"rows": int(row["rows"]), "first": None if pd.isna(row["first"]) else row["first"],
            "last": None if pd.isna(row["last"]) else row["last"]}
