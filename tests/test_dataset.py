"""Extracts stored as append-only partitioned datasets: an append writes what it adds, a known id replaces its
row, a killed writer leaves the old or the new dataset, a date filter reads only its months, compact merges."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from ccdash.__main__ import main
from ccdash.data import dataset
from ccdash.data.dataset import read_stored
from ccdash.data.files import CRASH_ENV
from ccdash.data.ingest import ingest
from ccdash.data.schema import TABLES
from ccdash.data.store import Store
from ccdash.metrics.filters import Filters, where
from tests.paths import REPO_ROOT, wall_times
from tests.test_ingest import HEADER, NOW, csv_text, write
from tests.test_ingest_safety import CLI, batch, ingest_at_once

ROOT = "complaints"


def listed(city: Path) -> dict[str, str]:
    """Each file the manifest lists, with the hash of its bytes."""
    return {
        f["path"]: hashlib.sha256((city / ROOT / f["path"]).read_bytes()).hexdigest()
        for f in dataset.read_manifest(city / ROOT)["files"]
    }


def new_rows(tmp_path: Path, name: str, ids: list[str], day: str = "2026-11-10") -> Path:
    rows = [
        f"{i},{day} 08:00:00,,new,waste,whatsapp,Coblong,-6.8848,107.6154,Sampah,X" for i in ids
    ]
    return write(tmp_path, name, csv_text([HEADER, *rows]))


@pytest.fixture
def converted(writable_city, profile, tmp_path) -> Path:
    """The demo city after one append: its single complaints file became a dataset."""
    single = wall_times(read_stored(writable_city, ROOT).to_pandas())
    ingest(new_rows(tmp_path, "first.csv", ["D-0"]), ROOT, writable_city, profile, now=NOW)
    assert not (writable_city / "complaints.parquet").exists()
    assert dataset.is_dataset(writable_city / ROOT)
    after = wall_times(read_stored(writable_city, ROOT).to_pandas())
    # Conversion keeps every stored row as it was (and adds the new one).
    old = after[after.complaint_id != "D-0"].sort_values("complaint_id", ignore_index=True)
    pd.testing.assert_frame_equal(
        old, single.sort_values("complaint_id", ignore_index=True), check_dtype=False
    )
    return writable_city


def test_an_append_writes_new_files_only(converted, profile, tmp_path):
    before = listed(converted)
    report = ingest(
        new_rows(tmp_path, "day.csv", [f"N-{i}" for i in range(50)]),
        ROOT,
        converted,
        profile,
        now=NOW,
    )
    after = listed(converted)
    assert {k: after[k] for k in before} == before  # every stored file still listed, byte for byte
    added = [k for k in after if k not in before]
    assert len(added) == 1 and added[0].startswith("created_month=2026-11/")
    assert pq.ParquetFile(converted / ROOT / added[0]).metadata.num_rows == 50
    assert report.stored_rows == dataset.rows(converted / ROOT) == len(read_stored(converted, ROOT))


def test_a_known_id_rewrites_only_the_file_that_holds_it(converted, profile, tmp_path):
    stored = wall_times(read_stored(converted, ROOT).to_pandas())
    old = stored.sort_values("created_at").complaint_id.iloc[0]  # in the oldest month
    before = listed(converted)
    holder = next(
        k
        for k in before
        if old
        in pq.read_table(converted / ROOT / k, columns=["complaint_id"]).column(0).to_pylist()
    )
    report = ingest(new_rows(tmp_path, "upd.csv", [old]), ROOT, converted, profile, now=NOW)
    after = listed(converted)
    assert report.replaced == 1 and report.stored_rows == len(stored)
    assert holder not in after and {k: v for k, v in before.items() if k != holder} == {
        k: after[k] for k in before if k != holder
    }
    now = wall_times(read_stored(converted, ROOT).to_pandas())
    assert (now.complaint_id == old).sum() == 1
    assert (
        str(now[now.complaint_id == old].created_at.iloc[0]) == "2026-11-10 08:00:00"
    )  # moved to its new month


def test_a_date_filter_reads_only_the_months_it_needs(converted, profile):
    store = Store(converted, expected=(ROOT,))
    months = dataset.read_manifest(converted / ROOT)["files"]
    f = Filters(start=date(2026, 8, 23), end=date(2026, 11, 20))  # 90 days: four months
    w, p = where(f)
    plan = store.query(f"EXPLAIN ANALYZE SELECT count(*) FROM complaints WHERE {w}", p).iloc[0, 1]
    read = int(re.search(r"Total Files Read: (\d+)", plan).group(1))
    wanted = {
        m["partition"] for m in months if "2026-08" <= m["partition"].split("=")[1] <= "2026-11"
    }
    assert read == len(wanted) == 4 < len(months)
    plan = store.query("EXPLAIN ANALYZE SELECT count(*) FROM complaints").iloc[0, 1]
    assert int(re.search(r"Total Files Read: (\d+)", plan).group(1)) == len(months)
    # Same count as without the month bounds, computed independently in pandas.
    c = wall_times(read_stored(converted, ROOT).to_pandas())
    expected = ((c.created_at >= "2026-08-23") & (c.created_at < "2026-11-21")).sum()
    assert store.scalar(f"SELECT count(*) FROM complaints WHERE {w}", p) == expected


def test_compact_merges_small_files_and_keeps_every_row(converted, profile, tmp_path, capsys):
    for i in range(4):
        ingest(
            new_rows(tmp_path, f"d{i}.csv", [f"C{i}-{j}" for j in range(20)]),
            ROOT,
            converted,
            profile,
            now=NOW,
        )
    before = wall_times(read_stored(converted, ROOT).to_pandas()).sort_values(
        "complaint_id", ignore_index=True
    )
    n_files = len(dataset.files(converted / ROOT))
    assert main(["compact", "--data-dir", str(converted), "--table", ROOT]) == 0
    assert capsys.readouterr().out.strip() == f"complaints: {n_files} files -> {n_files - 4}"
    after = wall_times(read_stored(converted, ROOT).to_pandas()).sort_values(
        "complaint_id", ignore_index=True
    )
    pd.testing.assert_frame_equal(after, before)
    nov = [
        f
        for f in dataset.read_manifest(converted / ROOT)["files"]
        if f["partition"].endswith("2026-11")
    ]
    assert len(nov) == 1


def test_files_dropped_by_a_manifest_stay_for_readers_then_go(
    converted, profile, tmp_path, monkeypatch
):
    stored = wall_times(read_stored(converted, ROOT).to_pandas())
    old = stored.complaint_id.iloc[0]
    before = set(listed(converted))
    ingest(new_rows(tmp_path, "upd.csv", [old]), ROOT, converted, profile, now=NOW)
    gone = before - set(listed(converted))
    assert len(gone) == 1 and all(
        (converted / ROOT / g).exists() for g in gone
    )  # a running query may read it
    monkeypatch.setattr(dataset, "GRACE_S", -1.0)
    ingest(new_rows(tmp_path, "next.csv", ["G-1"]), ROOT, converted, profile, now=NOW)
    assert not any((converted / ROOT / g).exists() for g in gone)
    assert dataset.read_manifest(converted / ROOT)["retired"] == []


def test_two_processes_appending_to_a_dataset_lose_nothing(converted, tmp_path):
    before = len(read_stored(converted, ROOT))
    ingest_at_once(converted, [batch(converted, p, 20_000, tmp_path) for p in ("P", "Q")])
    after = wall_times(read_stored(converted, ROOT).to_pandas())
    assert len(after) == before + 40_000 == dataset.rows(converted / ROOT)
    assert (
        after.complaint_id.str.startswith("P-").sum()
        == after.complaint_id.str.startswith("Q-").sum()
        == 20_000
    )


# Every named crash point of an append that also replaces stored rows, in the order the writer meets
# them, with the table a reader must see after a kill there.
CRASH_POINTS = [
    ("batch written", "old"),  # new files half-written, unlisted
    ("stored rows replaced", "old"),  # files rewritten without the replaced ids, unlisted
    ("files written", "old"),  # every new file complete, the manifest not yet written
    ("before rename _manifest.json", "old"),  # the new manifest written beside the old one
    ("published", "new"),  # the new manifest in place, the old files not yet swept
    ("data published", "new"),  # before the ingest log
]


@pytest.fixture(scope="module")
def mixed_append(city_dir, tmp_path_factory) -> Path:
    """An append of 30,000 rows: 29,000 new ids and 1,000 ids the city already stores."""
    work = tmp_path_factory.mktemp("kill")
    stored = wall_times(read_stored(city_dir, ROOT).to_pandas())
    src = batch(city_dir, "K", 30_000, work)
    mixed = pd.read_csv(src)
    mixed.loc[:999, "complaint_id"] = stored.complaint_id.sample(1000, random_state=1).to_numpy()
    mixed.to_csv(src, index=False)
    return src


@pytest.mark.parametrize(("point", "outcome"), CRASH_POINTS)
def test_kill_9_at_each_crash_point_leaves_the_old_or_the_new_dataset(
    converted, mixed_append, point, outcome
):
    """Killed (SIGKILL, at a named point, so each outcome happens on purpose): the table is exactly the
    old or exactly the new one, queries see only listed files, and the next write removes what the
    killed one left."""
    src = mixed_append
    old_ids = set(read_stored(converted, ROOT).column("complaint_id").to_pylist())
    new_ids = old_ids | set(pd.read_csv(src).complaint_id)
    assert len(new_ids) == len(old_ids) + 29_000
    proc = subprocess.run(
        [*CLI, str(src), "--data-dir", str(converted)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "src"), CRASH_ENV: point},
        capture_output=True,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    ids = read_stored(converted, ROOT).column("complaint_id").to_pylist()
    assert len(ids) == len(set(ids))
    assert set(ids) == (new_ids if outcome == "new" else old_ids)
    store = Store(converted, expected=(ROOT,))
    try:
        assert store.scalar("SELECT count(*) FROM complaints") == len(ids)
    finally:
        store.close()
    manifest = dataset.read_manifest(converted / ROOT)
    listed_now = {f["path"] for f in manifest["files"]} | {r["path"] for r in manifest["retired"]}
    leftovers = [
        p
        for p in (converted / ROOT).rglob("*.parquet")
        if p.relative_to(converted / ROOT).as_posix() not in listed_now
    ]
    dataset.Writer(converted / ROOT, TABLES[ROOT]).close()  # the next writer sweeps first
    assert not any(p.exists() for p in leftovers)
    assert not [p for p in (converted / ROOT).rglob("*") if p.name.endswith(".tmp")]


def test_a_damaged_manifest_is_named_and_nothing_is_written(converted, profile, tmp_path):
    (converted / ROOT / "_manifest.json").write_text("{not json")
    before = sorted(p.name for p in (converted / ROOT).rglob("*"))
    from ccdash.data.ingest import IngestError

    with pytest.raises(
        IngestError, match=r"^x.csv: .*_manifest.json cannot be read.*; nothing was written$"
    ):
        ingest(new_rows(tmp_path, "x.csv", ["M-1"]), ROOT, converted, profile, now=NOW)
    assert sorted(p.name for p in (converted / ROOT).rglob("*")) == before
    store = Store(converted, expected=(ROOT,))
    store.refresh()
    assert "_manifest.json cannot be read" in store.problems[ROOT]


def test_the_pages_read_a_dataset_like_a_single_file(converted, city_dir):
    """The same figures from the converted dataset as from the demo's single file, minus the one new row."""
    from ccdash.metrics import complaints

    a, b = Store(city_dir), Store(converted)
    f = Filters(start=date(2026, 9, 1), end=date(2026, 10, 31))
    pd.testing.assert_frame_equal(
        complaints.count_by(a, f, "category", NOW), complaints.count_by(b, f, "category", NOW)
    )
    pd.testing.assert_frame_equal(
        complaints.daily_trend(a, f, NOW), complaints.daily_trend(b, f, NOW)
    )
    assert complaints.count_by(b, f, "category", NOW).complaints.sum() > 0
