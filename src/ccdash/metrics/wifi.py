"""Named queries over wifi points and their monthly usage (the district filter applies)."""

from __future__ import annotations

import pandas as pd

from ..data.store import Store
from .filters import in_districts
from .registry import query


@query(tables=("wifi_points", "wifi_usage"))
def summary(store: Store, kecamatan: tuple[str, ...] = (), fast_mbps: int = 300) -> dict:
    """Points, active points, points whose bandwidth is known and those at `fast_mbps` or more, and last
    month's users (None without usage)."""
    w, p = in_districts(kecamatan)
    row = store.query(
        f"""
        WITH pts AS (SELECT ap_id, status, bandwidth_mbps FROM wifi_points WHERE {w}),
        last_month AS (SELECT max(month) AS m FROM wifi_usage),
        used AS (SELECT sum(u.users) AS users FROM wifi_usage u JOIN last_month l ON u.month = l.m
                 WHERE u.ap_id IN (SELECT ap_id FROM pts)),
        counts AS (SELECT count(*) AS points, count(*) FILTER (WHERE status = 'active') AS active,
                          count(bandwidth_mbps) AS with_bandwidth,
                          count(*) FILTER (WHERE bandwidth_mbps >= $fast) AS fast FROM pts)
        SELECT counts.points, counts.active, counts.with_bandwidth, counts.fast, used.users AS users_last_month,
               last_month.m AS last_month
        FROM counts CROSS JOIN used CROSS JOIN last_month
    """,
        p | {"fast": int(fast_mbps)},
    ).iloc[0]
    out = row.to_dict()
    for k in ("points", "active", "with_bandwidth", "fast"):
        out[k] = int(out[k] or 0)
    out["users_last_month"] = (
        None if pd.isna(out["users_last_month"]) else int(out["users_last_month"])
    )
    return out


@query(tables=("wifi_points",))
def points(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every wifi point."""
    w, p = in_districts(kecamatan)
    return store.query(
        f"""
        SELECT ap_id, site_name, site_type, lat, lon, kecamatan, bandwidth_mbps, status, coverage_radius_m
        FROM wifi_points WHERE {w} ORDER BY ap_id
    """,
        p,
    )


@query(tables=("wifi_usage",))
def usage_last_month(store: Store) -> pd.DataFrame:
    """Users per point in the newest month of usage."""
    return store.query(
        "SELECT ap_id, month, users FROM wifi_usage "
        "WHERE month = (SELECT max(month) FROM wifi_usage) ORDER BY ap_id"
    )


@query(tables=("wifi_points",))
def by_site_type(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    """Points per site type, most first."""
    w, p = in_districts(kecamatan)
    return store.query(
        f"""
        SELECT site_type, count(*) AS points, count(*) FILTER (WHERE bandwidth_mbps >= 300) AS at_300
        FROM wifi_points WHERE {w} GROUP BY site_type ORDER BY points DESC, site_type
    """,
        p,
    )


@query(tables=("wifi_points",))
def bandwidth_mix(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    """Points per bandwidth."""
    w, p = in_districts(kecamatan)
    return store.query(
        f"""
        SELECT bandwidth_mbps, count(*) AS points FROM wifi_points WHERE {w}
        GROUP BY bandwidth_mbps ORDER BY bandwidth_mbps
    """,
        p,
    )


@query(tables=("wifi_points", "wifi_usage"))
def users_by_month(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    """Users and reporting points per month."""
    w, p = in_districts(kecamatan, "w")
    return store.query(
        f"""
        SELECT u.month, sum(u.users) AS users, count(DISTINCT u.ap_id) AS points
        FROM wifi_usage u JOIN wifi_points w ON w.ap_id = u.ap_id WHERE {w} GROUP BY u.month ORDER BY u.month
    """,
        p,
    )


@query(tables=("wifi_points",), facts=True)
def per_10k(store: Store) -> pd.DataFrame:
    """Wifi points per 10,000 residents for every district, fewest first."""
    return store.query("""
        WITH w AS (SELECT kecamatan, count(*) AS points, count(*) FILTER (WHERE status = 'active') AS active
                   FROM wifi_points GROUP BY kecamatan)
        SELECT d.kecamatan, d.population, coalesce(w.points, 0) AS points, coalesce(w.active, 0) AS active,
               coalesce(w.points, 0) * 10000.0 / nullif(d.population, 0) AS per_10k
        FROM districts d LEFT JOIN w ON w.kecamatan = d.kecamatan ORDER BY per_10k, d.kecamatan
    """)
