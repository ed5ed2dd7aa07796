"""Tables stored as Delta tables: an append writes what it adds, a known id replaces its row, a killed
writer leaves the old or the new version, a date filter reads only its months, compact merges, a
damaged log or file is refused and named, old folders convert, a version can be restored."""

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
    """Each file of the table's current version, with the hash of its bytes."""
    root = city / ROOT
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in dataset.files(root)
    }


def new_rows(tmp_path: Path, name: str, ids: list[str], day: str = "2026-11-10") -> Path:
    rows = [
        f"{i},{day} 08:00:00,,new,waste,whatsapp,Coblong,-6.8848,107.6154,Sampah,X" for i in ids
    ]
    return write(tmp_path, name, csv_text([HEADER, *rows]))


def appends(city: Path, profile, tmp_path: Path, prefix: str, files: int, rows: int) -> None:
    """`files` appends of `rows` new complaints each, ids <prefix><file>-<row>."""
    for i in range(files):
        ids = [f"{prefix}{i}-{j}" for j in range(rows)]
        ingest(new_rows(tmp_path, f"{prefix}{i}.csv", ids), ROOT, city, profile, now=NOW)


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


def test_a_rewrite_read_in_many_batches_keeps_every_other_row(
    converted, profile, tmp_path, monkeypatch
):
    """A rewritten file is read a batch at a time; the batches without a replaced id are copied
    whole, the others without it: every other row of the file is kept as it was."""
    monkeypatch.setattr(dataset, "ROW_GROUP", 7)  # the demo's month files: many batches each
    stored = wall_times(read_stored(converted, ROOT).to_pandas())
    month = stored[stored.created_at.dt.strftime("%Y-%m") == "2026-10"]
    assert len(month) > 3 * 7, len(month)
    ids = list(month.complaint_id.iloc[[0, 15]])  # in two different batches of the month's file
    report = ingest(new_rows(tmp_path, "upd.csv", ids), ROOT, converted, profile, now=NOW)
    assert report.replaced == 2 and report.stored_rows == len(stored)
    now = wall_times(read_stored(converted, ROOT).to_pandas())
    kept = now[~now.complaint_id.isin(ids)].sort_values("complaint_id", ignore_index=True)
    pd.testing.assert_frame_equal(
        kept, stored[~stored.complaint_id.isin(ids)].sort_values("complaint_id", ignore_index=True)
    )
    assert sorted(now[now.complaint_id.isin(ids)].status) == ["new", "new"]


def test_a_date_filter_reads_only_the_months_it_needs(converted, profile):
    store = Store(converted, expected=(ROOT,))
    months = [{"partition": p.parent.name} for p in dataset.files(converted / ROOT)]
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
    appends(converted, profile, tmp_path, "C", files=4, rows=20)
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
    nov = [p for p in dataset.files(converted / ROOT) if p.parent.name.endswith("2026-11")]
    assert len(nov) == 1
    assert dataset.history(converted / ROOT, 1)[0]["operation"] == "compact"


def test_files_a_commit_removes_stay_for_readers_then_vacuum_deletes_them(
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
    monkeypatch.setattr(dataset, "RETENTION_HOURS", 0)
    ingest(new_rows(tmp_path, "next.csv", ["G-1"]), ROOT, converted, profile, now=NOW)
    assert not any((converted / ROOT / g).exists() for g in gone)
    assert all((converted / ROOT / k).exists() for k in listed(converted))


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
    ("files written", "old"),  # every new file complete, the commit not yet written
    ("published", "new"),  # the commit in the log, the removed files not yet vacuumed
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
    root = converted / ROOT
    versions = dataset.history(root, 1000)
    ever_listed = {p for v in versions for p in dataset.files_at(root, v["version"])}
    leftovers = [p for p in root.rglob("*.parquet") if p not in ever_listed]
    dataset.Writer(root, TABLES[ROOT]).close()  # the next writer sweeps first
    assert not any(p.exists() for p in leftovers)
    assert not [p for p in root.rglob("*") if p.name.endswith(".tmp")]
    assert all(p.exists() for p in dataset.files(root))


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


def _flip_in_data_page(path: Path, column: str) -> None:
    """Flip one byte in the middle of `column`'s first data page (past its page header)."""
    meta = pq.ParquetFile(path).metadata
    col = next(
        meta.row_group(0).column(i)
        for i in range(meta.num_columns)
        if meta.row_group(0).column(i).path_in_schema == column
    )
    at = col.data_page_offset + col.total_compressed_size // 2
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))


def _state(root: Path) -> dict[str, str]:
    """Every file under a table folder (the log included), with the hash of its bytes."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_every_reader_sees_the_rows_the_dashboard_counts(converted):
    """deltalake (as Spark, Trino and Polars would: through the log), the store and the log's
    statistics agree, and only the current version's files count."""
    from deltalake import DeltaTable

    root = converted / ROOT
    by_delta = DeltaTable(str(root)).to_pyarrow_table()
    store = Store(converted, expected=(ROOT,))
    try:
        assert store.scalar("SELECT count(*) FROM complaints") == by_delta.num_rows
        assert by_delta.num_rows == dataset.rows(root) == len(read_stored(converted, ROOT))
        months = store.query(
            "SELECT created_month, count(*) AS n FROM complaints GROUP BY 1 ORDER BY 1"
        )
    finally:
        store.close()
    theirs = by_delta.group_by("created_month").aggregate([("complaint_id", "count")]).to_pandas()
    theirs = theirs.sort_values("created_month", ignore_index=True)
    assert months.n.tolist() == theirs.complaint_id_count.tolist()
    assert months.created_month.tolist() == theirs.created_month.tolist()


@pytest.mark.parametrize("damage", ["log removed", "commit truncated", "commit edited"])
def test_a_missing_or_damaged_log_is_refused_and_nothing_is_lost(
    converted, profile, tmp_path, damage
):
    """Never swept, never rebuilt from the files, never replaced by a stale CSV beside it."""
    import gzip
    import shutil

    from ccdash.data.ingest import IngestError

    root = converted / ROOT
    ingest(new_rows(tmp_path, "d.csv", ["L-1", "L-2"]), ROOT, converted, profile, now=NOW)
    log = root / "_delta_log"
    last = sorted(log.glob("*.json"))[-1]
    if damage == "log removed":
        shutil.rmtree(log)
        why = r"the Delta log \(_delta_log\) is missing"
    elif damage == "commit truncated":
        last.write_bytes(last.read_bytes()[: len(last.read_bytes()) // 2])
        why = r"the Delta log cannot be read"
    else:  # an add action that lost its path
        lines = last.read_text().splitlines()
        edited = [ln.replace('"path":', '"pth":', 1) if '"add"' in ln else ln for ln in lines]
        last.write_text("\n".join(edited) + "\n")
        why = r"the Delta log cannot be read"
    (converted / "complaints.csv.gz").write_bytes(gzip.compress(b"complaint_id\nSTALE-1\n"))
    before = _state(root)
    with pytest.raises(IngestError, match=rf"^x.csv: .*{ROOT}: {why}.*; nothing was written$"):
        ingest(new_rows(tmp_path, "x.csv", ["M-1"]), ROOT, converted, profile, now=NOW)
    assert _state(root) == before
    assert main(["compact", "--data-dir", str(converted), "--table", ROOT]) == 2
    assert _state(root) == before
    store = Store(converted, expected=(ROOT,))
    try:
        store.refresh()
        assert re.search(why, store.problems[ROOT])
        assert store.scalar("SELECT count(*) FROM complaints WHERE complaint_id = 'STALE-1'") == 0
    finally:
        store.close()


@pytest.mark.parametrize("rewrite", ["compact", "replace by id"])
def test_no_rewrite_copies_a_damaged_file(converted, profile, tmp_path, rewrite):
    """A flipped bit in a data page stops compaction and replace-by-id, naming the file; the table
    is unchanged and the store still reports the damage."""
    from ccdash.data.ingest import IngestError

    root = converted / ROOT
    appends(converted, profile, tmp_path, "S", files=2, rows=30)
    victim = next(
        p
        for p in dataset.files(root)
        if "S1-0" in pq.read_table(p, columns=["complaint_id"]).column(0).to_pylist()
    )
    _flip_in_data_page(victim, "kecamatan")
    before = _state(root)
    name = re.escape(f"{ROOT}/{victim.relative_to(root).as_posix()}")
    if rewrite == "compact":
        assert main(["compact", "--data-dir", str(converted), "--table", ROOT]) == 2
    else:
        with pytest.raises(IngestError, match=rf"^u.csv: {name} is damaged .*restore"):
            ingest(new_rows(tmp_path, "u.csv", ["S1-0"]), ROOT, converted, profile, now=NOW)
    assert _state(root) == before
    store = Store(converted, expected=(ROOT,))
    try:
        store.refresh()
        assert "damaged" in store.problems[ROOT]
    finally:
        store.close()


def test_compact_names_the_damaged_file(converted, profile, tmp_path, capsys):
    root = converted / ROOT
    for i in range(2):
        ingest(new_rows(tmp_path, f"c{i}.csv", [f"K{i}"]), ROOT, converted, profile, now=NOW)
    victim = next(
        p
        for p in dataset.files(root)
        if "K1" in pq.read_table(p, columns=["complaint_id"]).column(0).to_pylist()
    )
    _flip_in_data_page(victim, "kecamatan")
    assert main(["compact", "--data-dir", str(converted), "--table", ROOT]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {ROOT}: {ROOT}/{victim.relative_to(root).as_posix()} is damaged")
    assert err.rstrip().endswith("nothing was changed")


def test_an_ingest_is_undone_by_restoring_the_version_before_it(
    converted, profile, tmp_path, capsys
):
    root = converted / ROOT
    first = sorted(read_stored(converted, ROOT).column("complaint_id").to_pylist())
    version = dataset.history(root, 1)[0]["version"]
    old = first[0]
    ingest(new_rows(tmp_path, "bad.csv", ["B-1", old]), ROOT, converted, profile, now=NOW)
    assert len(read_stored(converted, ROOT)) == len(first) + 1
    assert main(["history", "--data-dir", str(converted), "--table", ROOT]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert re.match(
        rf"^\s*{version + 1}  \S+ \S+Z  ingest\s+\+1 rows, 1 replaced, {len(first) + 1:,} stored  bad.csv$",
        shown[0],
    ), shown[0]
    assert (
        main(["restore", "--data-dir", str(converted), "--table", ROOT, "--version", str(version)])
        == 0
    )
    assert (
        capsys.readouterr().out.strip()
        == f"{ROOT}: version {version} restored as version {version + 2}"
    )
    assert sorted(read_stored(converted, ROOT).column("complaint_id").to_pylist()) == first
    assert dataset.history(root, 1)[0]["operation"] == "restore"
    store = Store(converted, expected=(ROOT,))
    try:
        assert store.scalar("SELECT count(*) FROM complaints") == len(first)
    finally:
        store.close()


def test_a_version_whose_files_were_vacuumed_is_not_restored(
    converted, profile, tmp_path, monkeypatch, capsys
):
    root = converted / ROOT
    version = dataset.history(root, 1)[0]["version"]
    old = read_stored(converted, ROOT).column("complaint_id")[0].as_py()
    monkeypatch.setattr(dataset, "RETENTION_HOURS", 0)
    ingest(new_rows(tmp_path, "r.csv", [old]), ROOT, converted, profile, now=NOW)  # removes a file
    before = _state(root)
    assert (
        main(["restore", "--data-dir", str(converted), "--table", ROOT, "--version", str(version)])
        == 2
    )
    assert re.match(
        rf"^error: {ROOT} cannot go back to version {version}: 1 of its files were deleted",
        capsys.readouterr().err,
    )
    assert _state(root) == before


def _legacy_folder(city: Path) -> tuple[Path, int]:
    """The demo's complaints as a folder in the format ccdash wrote before Delta tables: a manifest,
    files with H3 cells as uint64, id-hash sidecars, and a killed writer's unlisted file."""
    import json

    import pyarrow as pa
    import pyarrow.compute as pc

    t = pq.read_table(city / "complaints.parquet")
    for i, f in enumerate(t.schema):  # as the old writer stored H3 cells
        if f.name.startswith("h3_"):
            t = t.set_column(i, f.name, t.column(i).cast(pa.uint64()))
    root = city / ROOT
    months = pc.strftime(t.column("created_at"), "%Y-%m")
    entries = []
    for i, m in enumerate(sorted(set(months.to_pylist()))[:3]):
        part = t.filter(pc.equal(months, m))
        rel = f"created_month={m}/part-000003-0badcafe-{i}.parquet"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(part, root / rel, write_page_checksum=True)
        (root / rel.replace(".parquet", ".keys.npy")).write_bytes(b"\x93NUMPY")
        entries.append({"path": rel, "rows": part.num_rows, "partition": f"created_month={m}"})
    stray = root / entries[0]["path"].replace("-0.parquet", "-9.parquet")
    pq.write_table(t.slice(0, 10), stray)
    manifest = {"format": "ccdash-dataset/1", "version": 3, "files": entries, "retired": []}
    (root / "_manifest.json").write_text(json.dumps(manifest))
    (city / "complaints.parquet").unlink()
    assert t.schema.field("h3_r9").type == pa.uint64()
    return root, sum(e["rows"] for e in entries)


def test_a_folder_in_the_old_format_is_served_then_converted_losing_nothing(writable_city, capsys):
    from deltalake import DeltaTable

    root, n = _legacy_folder(writable_city)
    listed_ids = sorted(read_stored(writable_city, ROOT).column("complaint_id").to_pylist())
    assert len(listed_ids) == n  # served from its manifest: the unlisted file is not
    store = Store(writable_city, expected=(ROOT,))
    try:
        assert store.scalar("SELECT count(*) FROM complaints") == n and not store.problems
    finally:
        store.close()
    assert main(["migrate", "--data-dir", str(writable_city), "--table", ROOT]) == 0
    assert capsys.readouterr().out.strip() == f"{ROOT}: {n:,} rows converted"
    assert not (root / "_manifest.json").exists() and not list(root.rglob("*.keys.npy"))
    assert sorted(p for p in root.rglob("*.parquet")) == sorted(dataset.files(root))
    assert sorted(read_stored(writable_city, ROOT).column("complaint_id").to_pylist()) == listed_ids
    assert DeltaTable(str(root)).to_pyarrow_table().num_rows == n
    assert dataset.history(root, 1)[0]["operation"] == "migrate"
    assert main(["migrate", "--data-dir", str(writable_city), "--table", ROOT]) == 0
    assert capsys.readouterr().out.strip() == f"{ROOT}: already a Delta table"


def test_an_ingest_into_a_folder_in_the_old_format_converts_it_first(
    writable_city, profile, tmp_path
):
    root, n = _legacy_folder(writable_city)
    ingest(new_rows(tmp_path, "n.csv", ["N-1"]), ROOT, writable_city, profile, now=NOW)
    assert dataset.rows(root) == n + 1 and not (root / "_manifest.json").exists()
    assert [h["operation"] for h in dataset.history(root, 2)] == ["ingest", "migrate"]


def test_a_damaged_file_in_an_old_folder_stops_its_conversion(writable_city, capsys):
    root, _ = _legacy_folder(writable_city)
    victim = root / sorted(p.relative_to(root).as_posix() for p in root.rglob("*-1.parquet"))[0]
    _flip_in_data_page(victim, "kecamatan")
    before = _state(root)
    assert main(["migrate", "--data-dir", str(writable_city), "--table", ROOT]) == 2
    assert "is damaged" in capsys.readouterr().err
    assert _state(root) == before


def test_the_data_page_lists_a_tables_versions(converted, profile, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.paths import DASHBOARD

    stored = read_stored(converted, ROOT).column("complaint_id")
    ingest(
        new_rows(tmp_path, "day.csv", ["V-1", stored[0].as_py()]), ROOT, converted, profile, now=NOW
    )
    monkeypatch.setenv("CCDASH_DATA_DIR", str(converted))
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    at.switch_page("app_pages/data.py").run()
    at.session_state[f"dt_ver_{ROOT}"] = True
    at.run()
    assert not at.exception
    versions = next(d.value for d in at.dataframe if "Version" in d.value.columns)
    top = versions.iloc[0]
    assert (top["Operation"], top["Source"], top["New rows"], top["Rows replaced"]) == (
        "ingest",
        "day.csv",
        "1",
        "1",
    )
    assert top["Rows after"] == f"{len(stored) + 1:,}"
    assert versions.iloc[1]["Source"] == "first.csv"  # the conversion of the single file


def test_a_page_over_a_table_without_its_log_says_so_in_one_line(converted, monkeypatch):
    import shutil

    from streamlit.testing.v1 import AppTest

    from tests.paths import DASHBOARD

    shutil.rmtree(converted / ROOT / "_delta_log")
    monkeypatch.setenv("CCDASH_DATA_DIR", str(converted))
    for page in (None, "app_pages/data.py"):
        at = AppTest.from_file(str(DASHBOARD), default_timeout=60)
        at.query_params["lang"] = "en"
        at.run()
        if page:
            at.switch_page(page).run()
        assert not at.exception
        shown = " ".join(str(e.value) for e in [*at.error, *at.warning])
        assert "the Delta log (_delta_log) is missing" in shown, shown


def test_read_ahead_keeps_order_errors_and_reads_one_past_an_early_stop():
    read: list[int] = []

    def source(n: int, fail_at: int | None = None):
        for i in range(n):
            if i == fail_at:
                raise dataset.DatasetError(f"item {i} is damaged")
            read.append(i)
            yield i

    assert list(dataset.read_ahead(source(5))) == [0, 1, 2, 3, 4]
    got: list[int] = []
    with pytest.raises(dataset.DatasetError, match="item 3 is damaged"):
        for item in dataset.read_ahead(source(6, fail_at=3)):
            got.append(item)
    assert got == [0, 1, 2]  # everything before the damage, then the error where it was
    read.clear()
    ahead = dataset.read_ahead(source(100))
    assert next(ahead) == 0
    ahead.close()  # the caller stops: at most the one read under way, nothing after it
    assert read in ([0], [0, 1])
