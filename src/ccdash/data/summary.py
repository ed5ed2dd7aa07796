"""Complaint summaries: what the tiles, trends and scorecards need, kept beside the data so that a page
reads a small table instead of every complaint of all time.

The complaints are split at a cutoff C, a midnight `CUTOFF_DAYS` before the newest complaint's day:

- *settled* rows were created and closed before C. Nothing about them changes at any `now` >= C, so
  they are counted once, by day: `complaints_created` (per created day x district x category x agency x
  channel x status) and `complaints_closed` (per closed day x the same x on time x a resolution-time
  bucket) and `complaints_durations` (every settled resolved complaint's resolution time in seconds
  with its closed day and dimensions, ordered by bucket, district and day: the median's lookup,
  whose row groups' bounds let it read one bucket's complaints of the window, and of a district
  its own, and no other row) and
  `complaints_hex` (per created day x H3 cell of the hexagon map x the dimensions) and
  `complaints_resolved_months` (how many of the durations per closed month x district) and
  `complaints_cells` (the same at the coverage page's finer resolution);
- the *tail* is every other row (the open backlog, and whatever was created or closed since C), kept
  as rows in `complaints_tail` and read with the same SQL as the raw table;
- the *recent* complaints (created since C, and each district's newest thousand) are kept whole,
  with every column the complaint list shows, in `complaints_recent`, ordered by district and
  time: the list's newest rows, when it has enough of them, are read there (a district's are a
  run of rows) instead of from every file of the month (whose row groups each hold the month's
  times).

A figure for any `now` at least `CUTOFF_DAYS - 1` days after C is then the settled counts plus the
tail's raw figure: exactly the raw figure (metrics.complaints implements docs/data.md on both, and
tests compare them). For an earlier `now` (a clock set in the past) the queries read the raw rows.

The tables are in one DuckDB database file, DATA_DIR/_summaries/<key>/summary.duckdb, the key naming
the complaints' files, the time zone and the DuckDB version: written once per version of the data (by
the server, in the background), attached read-only by every process and replica, and found again
after a restart. DuckDB's own format, not Parquet: they are ccdash's cache, not data for other
engines, and a district's tail is read two to three times faster from it (docs/benchmarks.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from .schema import displayable
from .spatial import in_camera_view_sql

FOLDER = "_summaries"
FORMAT = 10  # raised when the tables' shape changes: older folders are then rebuilt
# A server writes them for this many complaints or more; fewer are read as rows in well under a
# second (docs/benchmarks.md: 100k rows, every page's p95 under 0.25 s).
SUMMARIZE_FROM_ROWS = 200_000
CUTOFF_DAYS = 16  # C lies this many days before the newest complaint's day
# The tail answers every figure dated after C: new today (since midnight), the last 7 and the previous
# 7 days (336 hours back). A `now` this many days after C keeps them all in the tail.
USABLE_AFTER_DAYS = CUTOFF_DAYS - 1
DIMENSIONS = ("kecamatan", "category", "agency", "channel", "status")
# The complaint list's length (metrics.complaints.complaint_rows): each district's newest this many
# are kept whole with the recent complaints, from no further back than this many days before C.
RECENT_PER_DISTRICT = 1000
RECENT_LOOKBACK_DAYS = 365
HEX_RES = 8  # the hexagon map's H3 resolution, counted in the summaries
CELLS_RES = 9  # the coverage page's complaint cells, counted too (other resolutions read the rows)
# Resolution-time buckets (seconds, lower bounds): the median is found in its bucket from the
# settled counts, then read exactly from that bucket's durations alone (and the tail's rows).
HOUR, DAY = 3600, 86400
BUCKET_STARTS = [0, HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR] + [
    d * DAY for d in (1, 2, 3, 4, 5, 7, 10, 14, 21, 30, 45, 60, 90, 180, 365)
]
# The whole seconds from creation to closing: the second boundaries crossed (what date_diff('second')
# counts), as the difference of the instants' whole epoch seconds. On zoned times ICU's date_diff
# took 570 ms for 2.6M complaints and this 128 ms; sqlglot writes it as Spark's UNIX_TIMESTAMP and
# Trino's TO_UNIXTIME. tests/test_summary.py checks it against date_diff: mid-second, backwards,
# before 1970 and across a change of clocks.
SECONDS_TO_CLOSE = "CAST(floor(epoch(closed_at)) - floor(epoch(created_at)) AS BIGINT)"


def bucket_sql(seconds: str = SECONDS_TO_CLOSE) -> str:
    """The bucket of a resolution time in seconds (0 also holds negative times)."""
    whens = " ".join(f"WHEN {seconds} < {hi} THEN {i}" for i, hi in enumerate(BUCKET_STARTS[1:]))
    return f"(CASE {whens} ELSE {len(BUCKET_STARTS) - 1} END)"


def bucket_bounds(bucket: int) -> tuple[int | None, int | None]:
    """A bucket's [lo, hi) in seconds (None: open-ended)."""
    lo = BUCKET_STARTS[bucket] if bucket > 0 else None
    hi = BUCKET_STARTS[bucket + 1] if bucket + 1 < len(BUCKET_STARTS) else None
    return lo, hi


# The tables a summary folder's key names: the complaints' version, and the cameras' places and views
# (a query answered from the summaries still declares the cameras when its rows' SQL reads them).
KEYED_ON = ("complaints", "cctv_sites")
# The views a store puts over a summary folder, and the table each is made from (a query that reads
# them reads that table: its cache key is that table's version).
DERIVED_FROM = {
    "complaints_created": "complaints",
    "complaints_closed": "complaints",
    "complaints_durations": "complaints",
    "complaints_hex": "complaints",
    "complaints_cells": "complaints",
    "complaints_tail": "complaints",
    "complaints_recent": "complaints",
    "complaints_resolved_months": "complaints",
}


DATABASE = "summary.duckdb"
# The summary tables in the database file, and the view a store puts over each.
VIEWS = {
    "created": "complaints_created",
    "closed": "complaints_closed",
    "durations": "complaints_durations",
    "hex": "complaints_hex",
    "cells": "complaints_cells",
    "tail": "complaints_tail",
    "recent": "complaints_recent",
    "resolved_months": "complaints_resolved_months",
}


@dataclass(frozen=True)
class Summaries:
    """Where a store's summary tables are, and the cutoff (the city's wall time) they were cut at."""

    cutoff: datetime
    created: str = "complaints_created"
    closed: str = "complaints_closed"
    durations: str = "complaints_durations"
    hex: str = "complaints_hex"
    cells: str = "complaints_cells"
    tail: str = "complaints_tail"
    recent: str = "complaints_recent"
    resolved_months: str = "complaints_resolved_months"

    def answers(self, at: datetime) -> bool:
        """Whether figures as of `at` (a wall time) can be read from these tables."""
        return at >= self.cutoff + timedelta(days=USABLE_AFTER_DAYS)


def summary_key(
    complaints_version: tuple, timezone: str, camera_views: str = "", engine: str = ""
) -> str:
    """The folder of one version of the complaints, in one zone, seen by cameras in these places with
    these views (`camera_views`, the cameras' fingerprint: a camera's status does not change it),
    written by this `engine` (DuckDB's version: its database files are its own)."""
    # The tables' names too: a folder without a table this code reads (written by code that added it
    # without raising FORMAT) would fail to attach and leave the rows serving, never written again.
    tables = sorted(VIEWS)
    raw = json.dumps(
        [FORMAT, tables, timezone, list(map(str, complaints_version)), camera_views, engine]
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def folder(directory: Path, key: str) -> Path:
    return directory / FOLDER / key


def read_cutoff(path: Path) -> datetime | None:
    """The cutoff of a finished summary folder (None: not there, or not finished)."""
    try:
        meta = json.loads((path / "summary.json").read_text())
        return datetime.fromisoformat(meta["cutoff"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cutoff_for(newest_day: date) -> datetime:
    return datetime.combine(newest_day - timedelta(days=CUTOFF_DAYS), datetime.min.time())


SETTLED = "(created_at < $cutoff AND closed_at IS NOT NULL AND closed_at < $cutoff)"


# The complaints in some camera's view, found once while the summaries are written (a temporary table
# of the writing cursor).
IN_VIEW = "_summary_in_view"


def in_view_sql() -> str:
    located = "located AS (SELECT complaint_id, lat, lon FROM complaints WHERE lat IS NOT NULL)"
    seen = in_camera_view_sql("located", ("complaint_id",))
    return (
        f"CREATE OR REPLACE TEMP TABLE {IN_VIEW} AS WITH {located}, {seen} "
        "SELECT complaint_id FROM seen"
    )


CAMERA_VIEWS_SQL = (
    "SELECT coalesce(md5(string_agg(concat_ws(',', lat, lon, view_radius_m), ';' "
    "ORDER BY lat, lon, view_radius_m)), '') FROM cctv_sites "
    "WHERE lat IS NOT NULL AND lon IS NOT NULL"
)


def durations_sql() -> str:
    """The resolution times themselves, for the median's middle bucket: ordered so that a bucket's,
    a district's in it, and a window's are each a run of row groups (their bounds skip the rest)."""
    return (
        f"SELECT {bucket_sql()} AS dur_bucket, kecamatan, date_trunc('day', closed_at) AS closed_at, "
        f"category, agency, channel, status, {SECONDS_TO_CLOSE} AS secs "
        f"FROM complaints WHERE {SETTLED} AND status = 'resolved' "
        "ORDER BY dur_bucket, kecamatan, closed_at"
    )


# Each district's day from which on it has its newest RECENT_PER_DISTRICT, within RECENT_LOOKBACK_DAYS
# (a temporary table of the writing cursor; a district with fewer has none).
FLOORS = "_summary_floors"


def floors_sql(per_district: int | None = None) -> str:
    n = int(RECENT_PER_DISTRICT if per_district is None else per_district)
    return (
        f"CREATE OR REPLACE TEMP TABLE {FLOORS} AS "
        "WITH per_day AS (SELECT kecamatan, date_trunc('day', created_at) AS day, count(*) AS n "
        "FROM complaints WHERE created_at >= $recent_from GROUP BY ALL) "
        "SELECT kecamatan, max(day) AS since FROM (SELECT kecamatan, day, "
        "sum(n) OVER (PARTITION BY kecamatan ORDER BY day DESC) AS upto FROM per_day) "
        f"WHERE upto >= {n} GROUP BY kecamatan"
    )


def recent_sql() -> str:
    """The complaint list's rows kept whole (its columns and the filters' created_month): every
    complaint created since C, and each district's (the unknown district's too) from the day it has
    its newest RECENT_PER_DISTRICT on (FLOORS), none before $lowest: the earliest of those days and
    C. A district with fewer in the lookback keeps its rows from $lowest on. So a district's rows
    there are all of its rows from its earliest one there on: metrics.complaints.complaint_rows
    relies on that. $lowest bounds what is read: in a busy city's data, C's 16 days."""
    cols = ", ".join(f"c.{c}" for c in listed_columns())
    return (
        f"SELECT {cols}, c.created_month FROM complaints AS c "
        f"LEFT JOIN {FLOORS} AS f ON c.kecamatan IS NOT DISTINCT FROM f.kecamatan "
        "WHERE c.created_at >= $lowest "
        "AND (c.created_at >= $cutoff OR c.created_at >= coalesce(f.since, $lowest)) "
        "ORDER BY c.kecamatan, c.created_at"
    )


def listed_columns() -> list[str]:
    """The columns of the complaint list (metrics.complaints.complaint_rows): never personal data,
    and no H3 cell."""
    return [c for c in displayable("complaints") if not c.startswith("h3_")]


def statements(database: str) -> list[str]:
    """The statements (over the `complaints` view; parameter $cutoff) writing the summary tables
    into the attached `database` (an identifier). Each is written in its ORDER BY's order, which
    DuckDB keeps as the table's: the row groups' bounds then skip what a district or window lacks."""
    dims = ", ".join(DIMENSIONS)

    def table(select: str, name: str) -> str:
        return f"CREATE TABLE {database}.{name} AS {select}"

    # n, and of them those with coordinates and those in some camera's view (IN_VIEW).
    created = (
        f"SELECT date_trunc('day', created_at) AS created_at, created_month, {dims}, "
        "count(*) AS n, count(*) FILTER (WHERE lat IS NOT NULL) AS located, "
        "count(*) FILTER (WHERE seen) AS seen "
        f"FROM (SELECT *, lat IS NOT NULL AND complaint_id IN (SELECT complaint_id FROM {IN_VIEW}) "
        f"AS seen FROM complaints WHERE {SETTLED}) "
        f"GROUP BY date_trunc('day', created_at), created_month, {dims} ORDER BY created_at"
    )
    closed = (
        f"SELECT date_trunc('day', closed_at) AS closed_at, {dims}, "
        "coalesce(closed_at <= due_at, false) AS on_time, "
        f"{bucket_sql()} AS dur_bucket, count(*) AS n "
        f"FROM complaints WHERE {SETTLED} GROUP BY ALL ORDER BY closed_at"
    )
    durations = durations_sql()

    def per_cell(res: int) -> str:  # complaints per created day x H3 cell x dimension
        return (
            f"SELECT date_trunc('day', created_at) AS created_at, created_month, h3_r{res}, {dims}, "
            f"count(*) AS n FROM complaints WHERE {SETTLED} AND h3_r{res} IS NOT NULL "
            f"AND h3_r{res} <> 0 GROUP BY ALL ORDER BY created_at"
        )

    tail = (
        f"SELECT created_at, created_month, closed_at, due_at, h3_r{HEX_RES}, h3_r{CELLS_RES}, "
        f"{dims}, "
        f"CASE WHEN lat IS NOT NULL THEN complaint_id IN (SELECT complaint_id FROM {IN_VIEW}) END "
        "AS in_view "
        f"FROM complaints WHERE NOT coalesce({SETTLED}, false) ORDER BY kecamatan, created_at"
    )
    recent = recent_sql()
    # How many resolution times the durations hold per closed month x district: how many a median
    # over a window and districts would read (metrics.complaints picks its way by it).
    resolved_months = (
        "SELECT date_trunc('month', closed_at) AS closed_month, kecamatan, count(*) AS n "
        f"FROM complaints WHERE {SETTLED} AND status = 'resolved' GROUP BY ALL "
        "ORDER BY closed_month, kecamatan"
    )
    return [
        table(recent, "recent"),
        table(created, "created"),
        table(closed, "closed"),
        table(durations, "durations"),
        table(per_cell(HEX_RES), "hex"),
        table(per_cell(CELLS_RES), "cells"),
        table(tail, "tail"),
        table(resolved_months, "resolved_months"),
    ]


def write(con, directory: Path, key: str, cutoff_instant: datetime, cutoff: datetime) -> Path:
    """Write the summaries of the `complaints` view on `con` (a DuckDB cursor) to their folder: into a
    scratch folder first, renamed when whole, so a reader never meets half a summary."""
    final = folder(directory, key)
    token = uuid.uuid4().hex
    scratch = directory / FOLDER / f".tmp-{token}"
    scratch.mkdir(parents=True)
    database = f"_summary_write_{token}"
    try:
        path = str(scratch / DATABASE).replace("'", "''")
        con.execute(f"ATTACH '{path}' AS {database}")
        try:
            con.execute(in_view_sql())
            lookback = cutoff_instant - timedelta(days=RECENT_LOOKBACK_DAYS)
            con.execute(floors_sql(), {"recent_from": lookback})
            (lowest,) = con.execute(
                f"SELECT least(coalesce(min(since), $cutoff), $cutoff) FROM {FLOORS}",
                {"cutoff": cutoff_instant},
            ).fetchone()
            for sql in statements(database):
                params = {"cutoff": cutoff_instant}
                if "$lowest" in sql:
                    params["lowest"] = lowest
                con.execute(sql, params)
            con.execute(f"DROP TABLE IF EXISTS {IN_VIEW}")
            con.execute(f"DROP TABLE IF EXISTS {FLOORS}")
        finally:
            con.execute(f"DETACH DATABASE IF EXISTS {database}")  # checkpointed and closed
        (scratch / "summary.json").write_text(
            json.dumps({"format": FORMAT, "cutoff": cutoff.isoformat()})
        )
        try:
            scratch.rename(final)
        except OSError:  # another process finished the same summary first
            if read_cutoff(final) is None:
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    prune(directory, keep=key)
    return final


def prune(directory: Path, keep: str, grace_s: float = 600) -> None:
    """Remove the summaries of earlier versions, and scratch folders left by a crash, once they are
    `grace_s` old (a replica still on the previous version may be reading them)."""
    root = directory / FOLDER
    now = time.time()
    for p in root.iterdir() if root.is_dir() else []:
        try:
            old = now - p.stat().st_mtime > grace_s
        except OSError:
            continue
        if p.name != keep and p.is_dir() and old:
            shutil.rmtree(p, ignore_errors=True)
