"""Time that survives daylight saving: instants stored unambiguously, windows counted in real hours,
days in the city's calendar. New York's 2026 changes: clocks spring forward at 02:00 on 8 March
and fall back at 02:00 on 1 November (01:00-02:00 happens twice)."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from ccdash.data.dataset import read_stored
from ccdash.data.ingest import ingest
from ccdash.data.profile import load_profile
from ccdash.data.store import Store
from ccdash.metrics import alerts
from ccdash.metrics import complaints as complaints_q
from ccdash.metrics.filters import Filters

NY = "America/New_York"
HEADER = "complaint_id,created_at,closed_at,status,category,channel,kecamatan"


@pytest.fixture
def new_york(writable_city, tmp_path):
    """The small city moved to New York's clock, its complaints replaced by the rows a test writes."""
    toml = (writable_city / "city.toml").read_text(encoding="utf-8")
    toml = toml.replace('timezone = "Asia/Jakarta"', f'timezone = "{NY}"')
    assert f'timezone = "{NY}"' in toml
    (writable_city / "city.toml").write_text(toml, encoding="utf-8")
    profile = load_profile(writable_city / "city.toml")

    def load(rows: list[str]) -> Store:
        src = tmp_path / "rows.csv"
        src.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        report = ingest(
            src, "complaints", writable_city, profile, replace=True, now=datetime(2026, 12, 1)
        )
        assert report.rejected == 0, report.reasons
        return Store(writable_city, profile.facts_file, timezone=NY)

    return load


def row(cid: str, created: str, closed: str = "", status: str = "new") -> str:
    return f"{cid},{created},{closed},{status},waste,lapor,Coblong"


def test_the_repeated_fall_back_hour_keeps_two_distinct_instants(new_york, writable_city):
    """01:30 EDT and 01:30 EST are an hour apart; written with their offsets, both are kept exactly
    (stored as naive wall times they were one and the same)."""
    store = new_york(
        [
            row("A", "2026-11-01T01:30:00-04:00"),  # the first 01:30 (EDT)
            row("B", "2026-11-01T01:30:00-05:00"),  # the second 01:30 (EST), an hour later
        ]
    )
    stored = read_stored(writable_city, "complaints").to_pandas().set_index("complaint_id")
    a, b = stored.loc["A", "created_at"], stored.loc["B", "created_at"]
    assert (b - a) == pd.Timedelta(hours=1)
    assert str(a.tz_convert("UTC")) == "2026-11-01 05:30:00+00:00"
    # A window that starts between them, in real time: 01:45 EDT is 05:45 UTC.
    between = datetime(2026, 11, 1, 5, 45, tzinfo=pd.Timestamp(0, tz="UTC").tzinfo)
    got = store.query(
        "SELECT complaint_id FROM complaints WHERE created_at > $t ORDER BY 1", {"t": between}
    )
    assert got.complaint_id.tolist() == ["B"]
    # Both are on 1 November in the city's calendar, and read back as the wall time 01:30.
    trend = complaints_q.daily_trend(
        store, Filters(start=date(2026, 11, 1), end=date(2026, 11, 1)), datetime(2026, 11, 2)
    )
    assert trend.set_index("day").complaints.to_dict() == {pd.Timestamp("2026-11-01"): 2}
    shown = store.query("SELECT complaint_id, created_at FROM complaints ORDER BY created_at")
    assert [str(t) for t in shown.created_at] == ["2026-11-01 01:30:00"] * 2
    store.close()


def test_the_newest_rows_keep_both_halves_of_the_fall_back_hour(new_york):
    """The complaint list's cut (the limit-th newest time, read back as a wall time) falls in the
    repeated hour: the rows of its first pass are kept, as the whole list has them."""
    store = new_york(
        [
            row("A", "2026-11-01T01:10:00-04:00"),
            row("B", "2026-11-01T01:20:00-04:00"),  # the 3rd newest, read back as 01:20
            row("C", "2026-11-01T01:15:00-05:00"),  # later in real time than A and B
            row("D", "2026-11-01T01:40:00-05:00"),
        ]
    )
    at = datetime(2026, 11, 2)
    whole = complaints_q.complaint_rows(store, Filters(), at, limit=None)
    assert whole.complaint_id.tolist() == ["D", "C", "B", "A"]
    for n in (1, 2, 3, 4):
        got = complaints_q.complaint_rows(store, Filters(), at, limit=n)
        assert got.complaint_id.tolist() == whole.complaint_id.tolist()[:n], n
    store.close()


def test_the_last_168_hours_are_real_hours_across_the_fall_back(new_york):
    """At noon on 2 November (EST), 168 real hours back is 13:00 EDT on 26 October, not noon."""
    store = new_york(
        [
            row("out", "2026-10-26 12:30:00"),  # 168.5 real hours before: outside
            row("in", "2026-10-26 13:30:00"),  # 167.5 real hours before: inside
            row("now", "2026-11-02 11:00:00"),
        ]
    )
    kpis = complaints_q.kpis(store, Filters(), datetime(2026, 11, 2, 12, 0))
    assert kpis["last_7d"] == 2  # "in" and "now"; wall-clock arithmetic counted "out" as well
    store.close()


def test_the_last_24_hours_are_real_hours_across_the_spring_forward(new_york):
    """At 12:00 EDT on 8 March, 24 real hours back is 11:00 EST on 7 March (the day had 23 hours)."""
    store = new_york(
        [
            row("out", "2026-03-07 10:30:00"),  # 24.5 real hours before
            row("in", "2026-03-07 11:30:00"),  # 23.5 real hours before
        ]
    )
    at = datetime(2026, 3, 8, 12, 0)
    buckets = alerts.complaint_buckets(store, at, base_days=2)
    assert buckets.groupby("bucket").n.sum().to_dict() == {0: 1, 1: 1}
    store.close()


def test_days_to_resolve_count_the_extra_hour_of_the_fall_back(new_york):
    """Created at noon EDT on 31 October and closed at noon EST on 1 November: 25 real hours."""
    store = new_york(
        [row("R", "2026-10-31 12:00:00", "2026-11-01 12:00:00", "resolved")],
    )
    kpis = complaints_q.kpis(
        store, Filters(start=date(2026, 10, 1), end=date(2026, 11, 30)), datetime(2026, 11, 2)
    )
    assert kpis["median_days_to_resolve"] == pytest.approx(25 / 24)
    store.close()


def test_a_naive_time_in_the_repeated_hour_is_read_as_the_first(new_york, writable_city):
    """A wall time alone cannot say which 01:30 it was: the first (EDT) is taken, and said here."""
    new_york([row("N", "2026-11-01 01:30:00")]).close()
    stored = read_stored(writable_city, "complaints").to_pandas()
    assert str(stored.created_at.iloc[0].tz_convert("UTC")) == "2026-11-01 05:30:00+00:00"


def test_a_naive_time_that_never_happened_is_moved_past_the_gap(new_york, writable_city):
    """02:30 on 8 March does not exist in New York: it is stored as 03:00 EDT, the end of the gap."""
    new_york([row("G", "2026-03-08 02:30:00")]).close()
    stored = read_stored(writable_city, "complaints").to_pandas()
    assert str(stored.created_at.iloc[0].tz_convert(NY)) == "2026-03-08 03:00:00-04:00"


@pytest.mark.parametrize("zoned", [True, False], ids=["zoned", "wall time"])
@pytest.mark.parametrize("form", ["csv", "json", "jsonl", "parquet"])
def test_a_time_keeps_its_instant_in_every_format(writable_city, tmp_path, form, zoned):
    """01:00 UTC is 08:00 in Jakarta whatever carries it, and a wall time of 08:00 is 08:00 there;
    a zone-aware Parquet timestamp was once stored as if it were local (7 hours early)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    profile = load_profile(writable_city / "city.toml")  # Asia/Jakarta (UTC+7)
    moment = datetime(2026, 11, 10, 1, 0) if zoned else datetime(2026, 11, 10, 8, 0)
    text = "2026-11-10T01:00:00Z" if zoned else "2026-11-10 08:00:00"
    fields = {"complaint_id": "Z-1", "status": "new", "category": "waste"}
    fields |= {"channel": "lapor", "kecamatan": "Coblong"}
    src = tmp_path / f"zoned.{form}"
    if form == "csv":
        src.write_text(
            "complaint_id,created_at,status,category,channel,kecamatan\n"
            f"Z-1,{text},new,waste,lapor,Coblong\n"
        )
    elif form == "json":
        src.write_text(json.dumps([{**fields, "created_at": text.replace("Z", "+00:00")}]))
    elif form == "jsonl":
        src.write_text(
            json.dumps({**fields, "created_at": text})
            + "\n"
            + json.dumps({**fields, "complaint_id": "Z-2", "created_at": text})
            + "\n"
        )
    else:
        columns = {k: pa.array([v]) for k, v in fields.items()}
        kind = pa.timestamp("us", tz="UTC") if zoned else pa.timestamp("us")
        columns["created_at"] = pa.array([moment], kind)
        pq.write_table(pa.table(columns), src)
    report = ingest(src, "complaints", writable_city, profile, now=datetime(2026, 11, 20))
    assert report.rejected == 0, report.reasons
    stored = read_stored(writable_city, "complaints").to_pandas().set_index("complaint_id")
    assert str(stored.loc["Z-1", "created_at"].tz_convert("Asia/Jakarta")) == (
        "2026-11-10 08:00:00+07:00"
    )
