"""The complaint summaries (data.summary) give exactly the figures the rows give: every summary-read
query against the same query on the rows, on random filter sets, clocks and windows, in a city of
the demo's zone and in one with daylight saving; then their life: written once, found again after a
restart, left when the data changes, and not used for a clock before they answer."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
import time
from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from ccdash.data import summary
from ccdash.data.ingest import ingest
from ccdash.data.profile import load_profile
from ccdash.data.store import SUMMARY_DATABASE, Store, SummaryVersionChanged
from ccdash.metrics import cctv
from ccdash.metrics import complaints as q
from ccdash.metrics.filters import DIMENSIONS, Filters

NEW_YORK = "America/New_York"
PER_DISTRICT = 40


def _city(city_dir, tmp_path_factory, timezone: str | None = None):
    """A copy of the fixture city (in another zone), a rows-only store and one with summaries."""
    d = tmp_path_factory.mktemp("summarised") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    if timezone:
        toml = (d / "city.toml").read_text(encoding="utf-8")
        toml = toml.replace('timezone = "Asia/Jakarta"', f'timezone = "{timezone}"')
        assert f'timezone = "{timezone}"' in toml
        (d / "city.toml").write_text(toml, encoding="utf-8")
    profile = load_profile(d / "city.toml")
    rows = Store(d, profile.facts_file, summaries="off")
    summed = Store(d, profile.facts_file)
    # Each district's newest PER_DISTRICT kept whole (of its ~130): some lists read them, others the rows.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(summary, "RECENT_PER_DISTRICT", PER_DISTRICT)
        assert summed.build_summaries() is not None
    return rows, summed


@pytest.fixture(scope="module")
def cities(city_dir, tmp_path_factory):
    """The fixture city in its own zone and moved to New York's (rows-only store, summarised store)."""
    out = {
        "Asia/Jakarta": _city(city_dir, tmp_path_factory),
        NEW_YORK: _city(city_dir, tmp_path_factory, NEW_YORK),
    }
    yield out
    for pair in out.values():
        for s in pair:
            s.close()


@pytest.fixture(params=["Asia/Jakarta", NEW_YORK])
def stores(request, cities):
    return cities[request.param]


def random_filters(rng: random.Random, options: dict, lo: date, hi: date) -> Filters:
    values: dict = {}
    if rng.random() < 0.8:  # a date range (the rest: all time)
        a = lo + timedelta(days=rng.randrange((hi - lo).days + 1))
        b = lo + timedelta(days=rng.randrange((hi - lo).days + 1))
        values["start"], values["end"] = min(a, b), max(a, b)
        if rng.random() < 0.3:  # a window that reaches the tail only
            values["start"] = hi - timedelta(days=rng.randrange(12))
            values["end"] = hi
    for dim in DIMENSIONS:
        if rng.random() < 0.35:
            values[dim] = tuple(rng.sample(options[dim], rng.randint(1, min(3, len(options[dim])))))
    return Filters(**values)


def equal_frames(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True
    )


def _sent(store, call, *args) -> tuple[object, list[str]]:
    """What `call(store, *args)` returns, and the SQL it sent."""
    sent: list[str] = []
    query = store.query

    def recording(sql, params=None):
        sent.append(sql)
        return query(sql, params)

    store.query = recording  # type: ignore[method-assign]
    try:
        return call(store, *args), sent
    finally:
        del store.query


def _reads_rows(store, call, *args) -> tuple[object, bool]:
    """What `call(store, *args)` returns, and whether it sent SQL over the raw complaints."""
    out, sent = _sent(store, call, *args)
    return out, any(re.search(r"\bcomplaints\b(?!_)", sql) for sql in sent)


def test_every_figure_equals_the_rows_figure_on_random_filters(stores, monkeypatch):
    rows, summed = stores
    options = q.filter_options(rows)
    newest = q.latest_complaint(rows)
    cut = summed.summaries(newest).cutoff
    # Both parts hold complaints, so a sum of the two is what is being checked.
    assert (
        0
        < summed.scalar("SELECT count(*) FROM complaints_tail")
        < rows.scalar("SELECT count(*) FROM complaints")
    )
    assert summed.scalar("SELECT sum(n) FROM complaints_created") > 0
    rng = random.Random(20261206)
    used = from_recent = 0
    direct = q.DIRECT_MEDIAN_ROWS
    for case in range(40):
        f = random_filters(rng, options, options["date_min"], options["date_max"])
        # The data's clock, a later system clock, and the earliest clock the summaries answer.
        at = rng.choice(
            [newest, newest + timedelta(days=3, hours=5), cut + timedelta(days=15, minutes=1)]
        )
        assert summed.summaries(at) is not None
        used += 1
        # Medians over every resolution time, or through the buckets (as over DIRECT_MEDIAN_ROWS).
        monkeypatch.setattr(q, "DIRECT_MEDIAN_ROWS", rng.choice([-1, direct]))
        got, want = q.kpis(summed, f, at), q.kpis(rows, f, at)
        assert got == want, (case, f, at, {k: (got[k], want[k]) for k in want if got[k] != want[k]})
        equal_frames(q.agency_scorecard(summed, f, at), q.agency_scorecard(rows, f, at))
        equal_frames(q.daily_trend(summed, f, at), q.daily_trend(rows, f, at))
        equal_frames(q.by_kecamatan(summed, f, at), q.by_kecamatan(rows, f, at))
        equal_frames(q.category_by_kecamatan(summed, f, at), q.category_by_kecamatan(rows, f, at))
        dim = rng.choice(DIMENSIONS)
        equal_frames(q.count_by(summed, f, dim, at), q.count_by(rows, f, dim, at))
        equal_frames(cctv.in_view_counts(summed, f, at), cctv.in_view_counts(rows, f, at))
        least = rng.choice([1, 2, 5])
        equal_frames(
            q.hex_density(summed, f, at, res=summary.HEX_RES, min_count=least),
            q.hex_density(rows, f, at, res=summary.HEX_RES, min_count=least),
        )
        equal_frames(
            q.complaint_cells(summed, f, at, res=summary.CELLS_RES),
            q.complaint_cells(rows, f, at, res=summary.CELLS_RES),
        )
        # The list: from the recent complaints when they hold enough, else from the rows.
        limit = rng.choice([1, 7, 100, 1000])
        listed, read_rows = _reads_rows(summed, q.complaint_rows, f, at, limit)
        equal_frames(listed, q.complaint_rows(rows, f, at, limit))
        from_recent += not read_rows
    assert 5 <= from_recent <= 35, from_recent  # both ways were taken
    assert used == 40
    assert summed.scalar("SELECT sum(n) FROM complaints_hex") > 0
    assert summed.scalar("SELECT sum(n) FROM complaints_cells") > 0


def test_each_districts_newest_are_kept_whole_and_its_list_reads_them(stores):
    """The recent complaints hold, per district, every row from the district's earliest one there on
    (counted again from the rows), at least its newest PER_DISTRICT: a one-district list that long
    reads them alone; a longer one, or one reaching past them, reads the rows, with the same result."""
    rows, summed = stores
    at = q.latest_complaint(rows)
    kept = summed.query(
        "SELECT kecamatan, min(created_at) AS earliest, count(*) AS n FROM complaints_recent "
        "GROUP BY kecamatan"
    )
    every = rows.query("SELECT kecamatan, created_at FROM complaints")
    assert len(kept) == every.kecamatan.nunique(dropna=False)
    for district, earliest, n in zip(kept.kecamatan, kept.earliest, kept.n):
        mine = every[every.kecamatan == district] if district is not None else every[0:0]
        assert n == (mine.created_at >= earliest).sum() >= min(PER_DISTRICT, len(mine))
    assert kept.n.sum() < len(every)  # not every row: the older ones are read from the files

    busy, quiet = kept.sort_values("n").kecamatan.iloc[[-1, 0]]
    cases = [
        (Filters(kecamatan=(quiet,)), PER_DISTRICT, False),
        (Filters(kecamatan=(busy, quiet)), PER_DISTRICT, False),
        # Past the quiet district's kept rows: the rows are read.
        (Filters(kecamatan=(quiet,)), int(kept.n.min()) + 5, True),
        (Filters(kecamatan=(busy, quiet)), int(kept.n.max() + kept.n.min()) + 1, True),
        (Filters(kecamatan=(quiet,), category=(q.filter_options(rows)["category"][0],)), 30, True),
    ]
    for f, limit, from_rows in cases:
        listed, read_rows = _reads_rows(summed, q.complaint_rows, f, at, limit)
        assert read_rows == from_rows, (f, limit)
        equal_frames(listed, q.complaint_rows(rows, f, at, limit))


def test_the_filter_options_come_from_the_summaries_and_equal_the_rows_options(stores):
    """Which values occur and which days are spanned do not depend on the clock: the settled day
    counts and the tail hold every complaint, so the options read them, never the rows."""
    rows, summed = stores
    got, sent = _sent(summed, q.filter_options)
    want = q.filter_options(rows)
    assert got == want
    assert want["date_min"] < pd.Timestamp(summed.summaries(None).cutoff) < want["date_max"]
    assert len(sent) == 6 and all("complaints_tail" in sql for sql in sent)
    assert not any(re.search(r"\bcomplaints\b(?!_)", sql) for sql in sent), sent


@pytest.mark.parametrize("over", ["every time", "the middle buckets"])
def test_medians_of_even_and_odd_counts_and_across_buckets(stores, over, monkeypatch):
    """The median alone, over every single agency and district: small groups, where the two middle
    values often fall in different resolution-time buckets; read over every resolution time in the
    window, and through the buckets (what more than DIRECT_MEDIAN_ROWS take)."""
    rows, summed = stores
    if over == "the middle buckets":
        monkeypatch.setattr(q, "DIRECT_MEDIAN_ROWS", -1)
    at = q.latest_complaint(rows)
    options = q.filter_options(rows)
    seen_even = seen_odd = 0
    for dim in ("agency", "kecamatan"):
        for value in options[dim]:
            # All time (one median over the rows), and a start date (the durations of the middle bucket)
            for start in (None, at.date() - timedelta(days=75)):
                f = Filters(start=start, **{dim: (value,)})
                got = q.kpis(summed, f, at)["median_days_to_resolve"]
                assert got == q.kpis(rows, f, at)["median_days_to_resolve"], (dim, value, start)
                n = q.kpis(rows, f, at)["resolved"]
                seen_even += n % 2 == 0 and n > 0
                seen_odd += n % 2 == 1
        f = Filters(start=at.date() - timedelta(days=75))
        got = q.agency_scorecard(summed, f, at)
        assert got.median_days.tolist() == q.agency_scorecard(rows, f, at).median_days.tolist()
    assert seen_even and seen_odd


def test_the_daylight_saving_city_has_its_change_inside_the_summaries(cities):
    rows, summed = cities[NEW_YORK]
    assert rows.timezone == summed.timezone == NEW_YORK
    # The fall-back day (1 Nov 2026, 25 hours) is a settled day: its count comes from the summary.
    cut = summed.summaries(q.latest_complaint(rows)).cutoff
    assert cut > datetime(2026, 11, 2)
    f = Filters(start=date(2026, 11, 1), end=date(2026, 11, 1))
    at = q.latest_complaint(rows)
    assert q.kpis(summed, f, at)["received"] == q.kpis(rows, f, at)["received"] > 0


def test_a_clock_before_the_summaries_answer_reads_the_rows(stores):
    rows, summed = stores
    cut = summed.summaries(q.latest_complaint(rows)).cutoff
    early = cut + timedelta(days=14)
    assert summed.summaries(early) is None
    f = Filters(start=date(2026, 9, 1), end=early.date())
    assert q.kpis(summed, f, early) == q.kpis(rows, f, early)


def test_summaries_are_found_again_after_a_restart_and_left_when_the_data_changes(
    city_dir, tmp_path_factory, profile
):
    rows, summed = _city(city_dir, tmp_path_factory)
    d = summed.directory
    at = q.latest_complaint(rows)
    first = summed.summaries(at)
    written = sorted((d / summary.FOLDER).iterdir())
    assert len(written) == 1 and json.loads((written[0] / "summary.json").read_text())["format"]
    # A second process on the same folder reads them without writing anything.
    again = Store(d, profile.facts_file)
    assert again.summaries(at) == first
    assert sorted((d / summary.FOLDER).iterdir()) == written
    # New complaints: the old summaries no longer answer, so the rows do, until new ones are written.
    src = tmp_path_factory.mktemp("more") / "more.csv"
    src.write_text(
        "complaint_id,created_at,status,category,channel,kecamatan,agency\n"
        "NEW-1,2026-11-20T20:00:00,new,waste,lapor,Coblong,DLH\n",
        encoding="utf-8",
    )
    report = ingest(src, "complaints", d, profile, now=datetime(2026, 11, 21))
    assert report.rejected == 0, report.reasons
    later = datetime(2026, 11, 21)
    assert again.summaries(later) is None
    before = q.kpis(rows, Filters(), later)
    assert q.kpis(again, Filters(), later) == before
    assert again.build_summaries() is not None
    assert again.summaries(later) is not None
    assert q.kpis(again, Filters(), later) == before
    # The earlier version's database was detached: one is attached, the new one.
    attached = again.query(
        "SELECT database_name AS name FROM duckdb_databases() "
        "WHERE starts_with(database_name, 'summary_')"
    ).name.tolist()
    assert attached == [SUMMARY_DATABASE + again.build_summaries().name]
    assert before["new_today"] == 0 and before["open_backlog"] >= 1
    for s in (rows, summed, again):
        s.close()


def test_a_data_folder_moved_or_mounted_elsewhere_keeps_its_summaries(
    city_dir, tmp_path_factory, profile
):
    """The summaries' key names the files relative to the data folder: a folder renamed, or the same
    folder reached through another path (a container's mount, a link), reads what was written."""
    rows, summed = _city(city_dir, tmp_path_factory)
    at = q.latest_complaint(rows)
    first = summed.summaries(at)
    assert first is not None
    written = sorted((summed.directory / summary.FOLDER).iterdir())
    for s in (rows, summed):
        s.close()
    moved = summed.directory.with_name("moved")
    summed.directory.rename(moved)
    link = moved.with_name("linked")
    link.symlink_to(moved, target_is_directory=True)
    for d in (moved, link):
        again = Store(d, profile.facts_file, summaries="build")
        assert again.summaries(at) == first
        assert sorted(p.name for p in (d / summary.FOLDER).iterdir()) == [p.name for p in written]
        again.close()


def test_a_camera_moved_or_widened_makes_new_summaries_and_its_status_does_not(
    city_dir, tmp_path_factory, profile
):
    """Which complaints a camera sees is counted when the summaries are written, so their key names
    the cameras' places and views: a status update (the camera API's every few minutes) keeps them,
    a moved or widened camera retires them, and the rows answer until new ones are written."""
    rows, summed = _city(city_dir, tmp_path_factory)
    d = summed.directory
    at = q.latest_complaint(rows)
    f = Filters(start=at.date() - timedelta(days=60))
    assert summed.summaries(at) is not None
    cams = pd.read_parquet(d / "cctv_sites.parquet")
    narrow = cctv.in_view_counts(rows, f, at)

    def rewrite(frame: pd.DataFrame) -> None:
        frame.to_parquet(d / "cctv_sites.parquet", index=False)
        shutil.rmtree(d / "_integrity", ignore_errors=True)
        for s in (rows, summed):
            s.refresh()

    rewrite(cams.assign(status="offline"))
    assert summed.summaries(at) is not None
    wider = cams.assign(view_radius_m=cams.view_radius_m * 3)
    rewrite(wider)
    assert summed.summaries(at) is None
    before = cctv.in_view_counts(rows, f, at)
    assert before.in_view.sum() > narrow.in_view.sum()  # wider views see more
    equal_frames(cctv.in_view_counts(summed, f, at), before)
    assert summed.build_summaries() is not None
    assert summed.summaries(at) is not None
    equal_frames(cctv.in_view_counts(summed, f, at), before)
    for s in (rows, summed):
        s.close()


def assert_tiles_are_the_rows(store: Store, at: datetime) -> None:
    """The store's tiles, from whatever it reads, equal the same folder's read as rows."""
    rows = Store(store.directory, store.facts_file, summaries="off")
    try:
        assert q.kpis(store, Filters(), at) == q.kpis(rows, Filters(), at)
    finally:
        rows.close()


# The writer a server starts, saying which process it ran in first.
WRITER_SAYING_ITS_PID = """
import os, sys
from pathlib import Path
Path(sys.argv[1]).write_text(str(os.getpid()))
from ccdash.data.summary_writer import main
sys.exit(main(sys.argv[2:]))
"""


def test_the_app_store_writes_them_in_the_background_in_a_process_of_its_own(
    city_dir, tmp_path_factory, profile
):
    import os

    d = tmp_path_factory.mktemp("background") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    store = Store(d, profile.facts_file, summaries="build", summarize_from_rows=0)
    said = d.parent / "writer.pid"
    store.summary_command = [sys.executable, "-c", WRITER_SAYING_ITS_PID, str(said)]
    at = q.latest_complaint(store)
    deadline = time.monotonic() + 300  # a loaded machine: poll, never assume a duration
    while store.summaries(at) is None and time.monotonic() < deadline:
        assert store.summary_problem is None
        time.sleep(0.2)
    assert store.summaries(at) is not None, store.summary_problem
    assert int(said.read_text()) != os.getpid()  # written apart
    assert_tiles_are_the_rows(store, at)
    store.close()


def test_a_writer_that_fails_says_why_and_the_rows_still_serve(city_dir, tmp_path_factory, profile):
    d = tmp_path_factory.mktemp("failing") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    store = Store(d, profile.facts_file)
    store.summary_command = [
        sys.executable,
        "-c",
        "import sys; sys.exit('No space left on device')",
    ]
    with pytest.raises(
        RuntimeError, match="the summaries' writer stopped: No space left on device"
    ):
        store.build_summaries(apart=True)
    at = q.latest_complaint(store)
    assert store.summaries(at) is None
    assert not any((d / summary.FOLDER).glob("[!.]*"))
    assert_tiles_are_the_rows(store, at)
    store.close()


def test_a_writer_refuses_a_version_the_data_has_left(city_dir, tmp_path_factory, profile):
    d = tmp_path_factory.mktemp("moved") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    store = Store(d, profile.facts_file)
    with pytest.raises(SummaryVersionChanged, match="the complaints changed since"):
        store.write_summaries("a-version-asked-for-earlier")
    assert not any((d / summary.FOLDER).glob("[!.]*"))
    store.close()


def test_a_small_city_is_read_as_rows_and_nothing_is_written(city_dir, tmp_path_factory, profile):
    d = tmp_path_factory.mktemp("small") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    store = Store(d, profile.facts_file, summaries="build")  # 4,000 complaints: under the floor
    assert store.scalar("SELECT count(*) FROM complaints") < summary.SUMMARIZE_FROM_ROWS
    store._summarizer.join(300)
    assert store.summary_problem is None
    assert not (d / summary.FOLDER).exists()
    assert store.summaries(q.latest_complaint(store)) is None
    store.close()


def test_a_folder_that_cannot_be_written_leaves_the_rows_serving(
    city_dir, tmp_path_factory, profile
):
    d = tmp_path_factory.mktemp("blocked") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    (d / summary.FOLDER).write_text("not a folder")  # where the summaries would go
    store = Store(d, profile.facts_file)
    with pytest.raises(OSError):
        store.build_summaries()
    at = q.latest_complaint(store)
    assert store.summaries(at) is None
    assert q.kpis(store, Filters(), at) == q.kpis(
        Store(d, profile.facts_file, summaries="off"), Filters(), at
    )
    store.close()


def test_an_unknown_summaries_mode_is_refused(city_dir):
    with pytest.raises(ValueError, match="summaries is 'off', 'read' or 'build', not 'yes'"):
        Store(city_dir, summaries="yes")


EXIT_WHILE_WRITING = """
import atexit, os, sys, time
from ccdash.data.store import Store
stores, writers = [], []


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# Registered first, so it runs last of the exit handlers: what finalisation will meet.
atexit.register(lambda: print(
    "alive at finalisation:", stores[0]._summarizer.is_alive(), "writer gone:", gone(writers[0]),
    flush=True,
))
# The writer a server starts, with a first statement that would run for hours: the server exits
# while the writer's DuckDB is inside it.
SLOW_WRITER = (
    "import sys\\n"
    "from ccdash.data import summary\\n"
    "written = summary.statements\\n"
    "summary.statements = lambda target: [\\n"
    "    'SELECT sum(range) FROM range(1000000000000) WHERE $cutoff IS NOT NULL'\\n"
    "] + written(target)\\n"
    "from ccdash.data.summary_writer import main\\n"
    "sys.exit(main(sys.argv[1:]))\\n"
)
store = Store(sys.argv[1], summaries="build", summarize_from_rows=0)
store.summary_command = [sys.executable, "-c", SLOW_WRITER]
stores.append(store)
store.refresh()
deadline = time.monotonic() + 300
while store._writer is None and time.monotonic() < deadline:
    time.sleep(0.05)
writers.append(store._writer.pid if store._writer else -1)
print("writing" if store._writer else "never started", flush=True)
"""


def test_a_server_that_exits_while_they_are_written_stops_the_writer(city_dir, tmp_path_factory):
    """The server's thread waits for the writer; at exit the writer is stopped and waited for, not left
    running without its server (and the thread is not left inside anything at finalisation)."""
    d = tmp_path_factory.mktemp("exiting") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    out = subprocess.run(
        [sys.executable, "-c", EXIT_WHILE_WRITING, str(d)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    said = out.stdout.split("\n")
    assert said[:2] == ["writing", "alive at finalisation: False writer gone: True"], out.stderr
    assert out.returncode == 0, out.stderr
    assert "FATAL" not in out.stderr
    assert not any((d / summary.FOLDER).glob("[!.]*")), "no summary folder from a stopped write"


@pytest.mark.parametrize("page", [None, "app_pages/complaints.py"])
def test_the_pages_show_the_same_tiles_and_scorecard_from_the_summaries(
    monkeypatch, city_dir, tmp_path_factory, profile, page
):
    import streamlit as st

    from tests.test_views import start

    d = tmp_path_factory.mktemp("app") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    Store(d, profile.facts_file).build_summaries()
    shown, medians = {}, []
    counted = q._median_days
    monkeypatch.setattr(q, "_median_days", lambda *a, **k: medians.append(1) or counted(*a, **k))
    for mode in ("off", "read"):
        monkeypatch.setenv("CCDASH_SUMMARIES", mode)
        st.cache_data.clear()  # neither the figures nor the store of the other mode
        st.cache_resource.clear()
        at = start(monkeypatch, d, page=page)
        assert not at.exception
        tables = [t.value.to_csv() for t in at.dataframe]
        shown[mode] = ({m.label: m.value for m in at.metric}, tables)
        assert bool(medians) == (mode == "read")  # the summaries were read, and only then
    assert len(shown["read"][0]) >= 4
    assert shown["read"] == shown["off"]


def test_a_young_city_with_nothing_settled_is_summarised_too(tmp_path):
    """A two-day export: nothing was created and resolved before the cutoff, so no resolution time is
    settled. The summaries still attach (an empty durations table) and give the rows' figures."""
    from ccdash.data import demo

    demo.generate(tmp_path, seed=11, complaints=600, end=datetime(2026, 8, 23, 18), days=2)
    profile = load_profile(tmp_path / "city.toml")
    rows = Store(tmp_path, profile.facts_file, summaries="off")
    summed = Store(tmp_path, profile.facts_file)
    try:
        path = summed.build_summaries()
        assert path is not None
        at = q.latest_complaint(rows) + timedelta(days=summary.CUTOFF_DAYS)
        found = summed.summaries(at)
        assert found is not None
        assert summed.scalar(f"SELECT count(*) FROM {found.durations}") == 0
        f = Filters(start=(at - timedelta(days=30)).date(), end=at.date())
        got, want = q.kpis(summed, f, at), q.kpis(rows, f, at)
        assert got["resolved"] == want["resolved"] > 0
        assert got["median_days_to_resolve"] == want["median_days_to_resolve"] is not None
    finally:
        rows.close()
        summed.close()


def test_the_seconds_to_close_are_date_diffs_seconds():
    """Resolution times are counted as whole epoch seconds' differences (SECONDS_TO_CLOSE, quicker);
    DuckDB's date_diff('second'), the second boundaries crossed, is the definition it must equal:
    mid-second, backwards, before 1970, and across New York's change of clocks."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET TimeZone = '{NEW_YORK}'")
    pairs = [
        ("2026-01-01 10:00:00.9+07", "2026-01-01 10:00:01.1+07"),
        ("2026-01-01 10:00:01.1+07", "2026-01-01 10:00:00.9+07"),
        ("1969-12-31 23:59:59.5+00", "1970-01-01 00:00:00.5+00"),
        ("1900-01-01 00:00:00.7+00", "1900-01-01 00:00:02.2+00"),
        ("2026-03-08 01:59:59.999999-05", "2026-03-08 03:00:00-04"),
        ("2026-11-01 01:30:00-04", "2026-11-01 01:30:00-05"),
        ("2024-02-28 12:00:00+00", "2025-03-01 12:00:00.000001+00"),
    ]
    rows = con.execute(
        "SELECT date_diff('second', created_at, closed_at), " + summary.SECONDS_TO_CLOSE + " FROM "
        "(SELECT CAST(a AS TIMESTAMPTZ) AS created_at, CAST(b AS TIMESTAMPTZ) AS closed_at "
        "FROM (VALUES " + ", ".join(f"('{a}', '{b}')" for a, b in pairs) + ") AS t(a, b))"
    ).fetchall()
    assert [r[0] for r in rows] == [1, -1, 1, 2, 1, 3600, 367 * 86400]
    assert [r[1] for r in rows] == [r[0] for r in rows]


def test_a_folder_written_with_other_tables_is_not_read_but_written_again(monkeypatch):
    """The folder's key names the tables: code that reads a table more (added without raising
    FORMAT) looks for a folder of its own and writes it, instead of failing to attach the older one
    and serving the rows for ever."""
    key = summary.summary_key(("complaints.parquet", 10, 1), "Asia/Jakarta", "cams", "1.0")
    assert summary.summary_key(("complaints.parquet", 10, 1), "Asia/Jakarta", "cams", "1.0") == key
    monkeypatch.setitem(summary.VIEWS, "extra", "complaints_extra")
    assert summary.summary_key(("complaints.parquet", 10, 1), "Asia/Jakarta", "cams", "1.0") != key
