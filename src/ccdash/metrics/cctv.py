"""Named queries over CCTV sites (the district filter applies; other filters are complaint fields)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from ..data.clock import hours_before
from ..data.spatial import in_camera_view_sql
from ..data.store import Store
from .filters import DIMENSIONS, Filters, in_districts, where
from .registry import query

# One status model for the page, the wall and the alert: the list's own status (online, offline,
# maintenance, unknown) and one rule on top of it. A camera is NOT REPORTING when its status is offline or
# it has not been seen for longer than the profile's [cctv] silent_hours. Unknown stays unknown: it counts
# neither as online nor as down, and the online share is over the cameras whose status is known.
SILENT = "(last_seen_at IS NOT NULL AND last_seen_at < $silent_since)"
NOT_REPORTING = f"(status = 'offline' OR {SILENT})"


def _silent_since(store: Store, at: datetime, silent_hours: float) -> datetime:
    return hours_before(at, float(silent_hours), store.timezone)


@query(tables=("cctv_sites",))
def latest_seen(store: Store) -> datetime | None:
    """When a camera last reported: what "data as of" means for a city without complaints."""
    latest = store.scalar("SELECT max(last_seen_at) FROM cctv_sites")
    return None if latest is None or pd.isna(latest) else pd.Timestamp(latest).to_pydatetime()


@query(tables=("cctv_sites",))
def summary(
    store: Store, at: datetime, silent_hours: float, kecamatan: tuple[str, ...] = ()
) -> dict:
    """Cameras by status, those not reporting, and the share online of those whose status is known."""
    w, p = in_districts(kecamatan)
    row = store.query(
        f"""
        SELECT count(*) AS cameras, count(*) FILTER (WHERE status = 'online') AS online,
               count(*) FILTER (WHERE status = 'offline') AS offline,
               count(*) FILTER (WHERE status = 'maintenance') AS maintenance,
               count(*) FILTER (WHERE status = 'unknown' OR status IS NULL) AS unknown,
               count(*) FILTER (WHERE {NOT_REPORTING}) AS not_reporting
        FROM cctv_sites WHERE {w}
    """,
        p | {"silent_since": _silent_since(store, at, silent_hours)},
    ).iloc[0]
    out: dict[str, float | None] = {k: int(v) for k, v in row.items()}
    known = int(row["cameras"]) - int(row["unknown"])
    out["online_pct"] = 100.0 * int(row["online"]) / known if known else None
    return out


@query(tables=("cctv_sites",))
def sites(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    """Every camera (no personal data in this table)."""
    w, p = in_districts(kecamatan)
    return store.query(
        f"""
        SELECT camera_id, name, lat, lon, kecamatan, kind, status, last_seen_at, agency, view_radius_m
        FROM cctv_sites WHERE {w} ORDER BY camera_id
    """,
        p,
    )


@query(tables=("cctv_sites",))
def by_kecamatan(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    """Cameras and the share online (of those whose status is known) per district, worst first."""
    w, p = in_districts(kecamatan)
    return store.query(
        f"""
        SELECT kecamatan, count(*) AS cameras, count(*) FILTER (WHERE status = 'online') AS online,
               100.0 * count(*) FILTER (WHERE status = 'online')
                 / nullif(count(*) FILTER (WHERE status IS NOT NULL AND status <> 'unknown'), 0) AS online_pct
        FROM cctv_sites WHERE {w} GROUP BY kecamatan ORDER BY online_pct NULLS LAST, cameras DESC, kecamatan
    """,
        p,
    )


@query(tables=("cctv_sites",))
def by_kind(store: Store, kecamatan: tuple[str, ...] = ()) -> pd.DataFrame:
    """Cameras per (kind, status)."""
    w, p = in_districts(kecamatan)
    return store.query(
        f"""
        SELECT kind, status, count(*) AS cameras FROM cctv_sites WHERE {w}
        GROUP BY kind, status ORDER BY kind, status
    """,
        p,
    )


@query(tables=("cctv_sites",))
def not_reporting(
    store: Store, at: datetime, silent_hours: float, kecamatan: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Cameras not reporting (offline, or unseen for longer than silent_hours), longest silent first; hours
    since seen are empty when the list gives no last-seen time."""
    w, p = in_districts(kecamatan)
    return store.query(
        f"""
        SELECT camera_id, name, kecamatan, kind, status, last_seen_at,
               date_diff('second', last_seen_at, $now) / 3600.0 AS hours_since_seen
        FROM cctv_sites WHERE {NOT_REPORTING} AND {w}
        ORDER BY hours_since_seen DESC NULLS LAST, camera_id
    """,
        p | {"now": at, "silent_since": _silent_since(store, at, silent_hours)},
    )


@query(tables=("complaints", "cctv_sites"))
def in_view_counts(store: Store, f: Filters, at: datetime) -> pd.DataFrame:
    """Complaints with coordinates, and those inside some camera's view radius (a camera could verify
    them), per district x category: what `complaints_in_view` shares are made of (one spatial join
    for both of the CCTV page's charts; data.spatial.in_camera_view_sql).

    From the summaries when they answer `at`: each complaint's place in view was found when they were
    written (their key names the cameras' places and views), so no join is made here."""
    s = store.summaries(at)
    if s is not None:
        w, p = where(f)
        return store.query(
            f"""
            SELECT kecamatan, category, CAST(sum(located) AS BIGINT) AS complaints,
                   CAST(sum(seen) AS BIGINT) AS in_view
            FROM (SELECT created_at, created_month, {", ".join(DIMENSIONS)}, located, seen
                  FROM {s.created} WHERE located > 0
                  UNION ALL
                  SELECT created_at, created_month, {", ".join(DIMENSIONS)}, 1,
                         CASE WHEN in_view THEN 1 ELSE 0 END
                  FROM {s.tail} WHERE in_view IS NOT NULL) AS c
            WHERE created_at <= $now AND {w}
            GROUP BY kecamatan, category ORDER BY kecamatan, category
        """,
            p | {"now": at},
        )
    w, p = where(f, "c")
    p["now"] = at
    return store.query(
        f"""
        WITH c AS (SELECT complaint_id, kecamatan, category, lat, lon FROM complaints c
                   WHERE c.created_at <= $now AND c.lat IS NOT NULL AND {w}),
        {in_camera_view_sql("c", ("complaint_id", "kecamatan", "category"))},
        totals AS (SELECT kecamatan, category, count(*) AS complaints FROM c GROUP BY kecamatan, category),
        hits AS (SELECT kecamatan, category, count(*) AS in_view FROM seen
                 GROUP BY kecamatan, category)
        SELECT t.kecamatan, t.category, t.complaints, coalesce(h.in_view, 0) AS in_view
        FROM totals t LEFT JOIN hits h ON h.kecamatan IS NOT DISTINCT FROM t.kecamatan
          AND h.category IS NOT DISTINCT FROM t.category
        ORDER BY t.kecamatan, t.category
    """,
        p,
    )


def in_view_shares(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """`in_view_counts` per `by` (kecamatan or category): value, complaints, in_view, in_view_pct;
    highest share first."""
    if by not in ("kecamatan", "category"):
        raise ValueError(f"not a dimension of the counts: {by!r}")
    df = (
        counts.groupby(by, dropna=False, sort=False)[["complaints", "in_view"]]
        .sum()
        .reset_index()
        .rename(columns={by: "value"})
    )
    df["in_view_pct"] = 100.0 * df.in_view / df.complaints
    order = df.sort_values(["in_view_pct", "value"], ascending=[False, True], na_position="last")
    return order.reset_index(drop=True)


@query(tables=("complaints", "cctv_sites"))
def complaints_in_view(
    store: Store, f: Filters, at: datetime, by: str = "kecamatan"
) -> pd.DataFrame:
    """Share of complaints inside some camera's view radius, per `by` (docs/data.md, Cameras)."""
    return in_view_shares(in_view_counts(store, f, at), by)
