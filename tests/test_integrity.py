"""A Parquet extract damaged inside (footer intact) is caught before it is served, like a missing one."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ccdash.data.integrity import check_parquet
from ccdash.data.store import Store
from tests.test_wall import run as run_wall


def damage(path, column: str, where: str) -> None:
    """Flip bytes of one column chunk of the first row group: in its first page header, or mid-chunk."""
    meta = pq.ParquetFile(path).metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    chunk = meta.row_group(0).column(names.index(column))
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    pos = start + 2 if where == "header" else start + chunk.total_compressed_size // 2
    raw = bytearray(path.read_bytes())
    for i in range(pos, pos + 6):
        raw[i] ^= 0xFF
    path.write_bytes(bytes(raw))


def test_sound_extracts_pass(city_dir):
    for t in ("complaints", "cctv_sites", "wifi_points", "wifi_usage"):
        assert check_parquet(city_dir / f"{t}.parquet") is None


@pytest.mark.parametrize("where", ["data", "header"])
def test_damaged_pages_are_caught(writable_city, where):
    path = writable_city / "complaints.parquet"
    damage(path, "closed_at" if where == "data" else "description", where)
    assert check_parquet(path).startswith("damaged (")


def test_implausible_values_are_caught_without_checksums(tmp_path):
    path = tmp_path / "old.parquet"
    bad = pa.table(
        {
            "created_at": pa.array([datetime(2026, 1, 1), None], pa.timestamp("us")),
            "closed_at": pa.array([-9_000_000_000_000_000_000 // 1000, 0], pa.timestamp("us")),
        }
    )
    pq.write_table(bad, path)  # no page checksums, as an older writer would leave it
    assert check_parquet(path).startswith("implausible values (closed_at holds")
    coords = tmp_path / "coords.parquet"
    pq.write_table(pa.table({"lat": [-6.9, 412.0], "lon": [107.6, 107.6]}), coords)
    assert "lat holds" in check_parquet(coords)


def test_the_store_serves_a_damaged_file_as_missing(writable_city, profile):
    damage(writable_city / "complaints.parquet", "closed_at", "data")
    store = Store(writable_city, profile.facts_file)
    assert store.problems == {} and store.scalar("SELECT count(*) FROM complaints") == 0
    assert store.problems["complaints"].startswith("complaints.parquet is damaged (")
    store.close()


def test_pages_show_a_banner_and_the_wall_its_last_good_numbers(monkeypatch, writable_city):
    from tests.test_views import start

    at = run_wall(monkeypatch, writable_city, {"mode": "wall", "lang": "en"})
    before = {m.label: m.value for m in at.metric}
    damage(writable_city / "complaints.parquet", "closed_at", "data")
    at.run()
    assert any("complaints.parquet is damaged" in e.value for e in at.error)
    assert {m.label: m.value for m in at.metric} == before
    desk = start(monkeypatch, writable_city, {"lang": "en"})
    assert any("complaints.parquet is damaged" in w.value for w in desk.warning)


def fresh_ledger(folder) -> None:
    """No record yet: a copy of the fixture city carries the ledger an earlier test's store wrote
    (a copy is the same file, rightly trusted), and these tests start before any record."""
    shutil.rmtree(folder / "_integrity", ignore_errors=True)


def counting(monkeypatch) -> list:
    """Every full read the store makes, by file name."""
    import ccdash.data.store as store_module

    reads: list = []
    real = store_module.check_parquet

    def check(path):
        reads.append(path.name)
        return real(path)

    monkeypatch.setattr(store_module, "check_parquet", check)
    return reads


def test_a_start_serves_verified_files_at_once_and_reads_them_later(
    monkeypatch, writable_city, profile
):
    """The first store reads every file in full and records it; the next start (a new store on the
    same folder) serves the recorded files without a read and verifies them afterwards."""
    fresh_ledger(writable_city)
    reads = counting(monkeypatch)
    first = Store(writable_city, profile.facts_file, verify_in_background=False)
    n = first.scalar("SELECT count(*) FROM complaints")
    parquet = sorted(p.name for p in writable_city.glob("*.parquet"))
    assert sorted(reads) == parquet  # each file read in full once, before it was served
    assert first.verify_pending() == [] and sorted(reads) == parquet  # nothing left to reread
    first.close()
    ledger = json.loads((writable_city / "_integrity" / "verified.json").read_text())
    assert sorted(ledger) == parquet

    reads.clear()
    second = Store(writable_city, profile.facts_file, verify_in_background=False)
    assert second.scalar("SELECT count(*) FROM complaints") == n and not second.problems
    assert reads == []  # served on the record: no full read before the first answer
    assert second.verify_pending() == []
    assert sorted(reads) == parquet  # then each read once, after
    second.close()


def test_a_page_damaged_after_it_was_verified_is_caught_by_the_later_read(
    monkeypatch, writable_city, profile
):
    """Bit rot inside a verified file (same size, same mtime, same tail): served at start, then the
    background read finds it, and the next refresh serves it as missing, with the banner's reason."""
    path = writable_city / "complaints.parquet"
    fresh_ledger(writable_city)
    recorder = Store(writable_city, profile.facts_file, verify_in_background=False)
    recorder.refresh()  # reads and records every file
    recorder.close()
    st = path.stat()
    damage(path, "closed_at", "data")  # mid-file: the footer and the last 64 KiB are untouched
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size
    store = Store(writable_city, profile.facts_file, verify_in_background=False)
    store.refresh()
    assert not store.problems  # trusted on its record
    before = store.version(("complaints",))
    found = store.verify_pending()
    assert found and found[0].startswith("complaints.parquet is damaged (")
    assert store.version(("complaints",)) != before  # every cached answer is stale now
    assert store.problems["complaints"].startswith("complaints.parquet is damaged (")
    assert store.scalar("SELECT count(*) FROM complaints") == 0
    ledger = json.loads((writable_city / "_integrity" / "verified.json").read_text())
    assert "complaints.parquet" not in ledger  # the next start reads it in full again
    store.close()


def test_a_rewritten_file_is_read_in_full_before_it_is_served(monkeypatch, writable_city, profile):
    fresh_ledger(writable_city)
    recorder = Store(writable_city, profile.facts_file, verify_in_background=False)
    recorder.refresh()  # reads and records every file
    recorder.close()
    reads = counting(monkeypatch)
    t = pq.read_table(writable_city / "cctv_sites.parquet")
    pq.write_table(t.slice(0, 10), writable_city / "cctv_sites.parquet", write_page_checksum=True)
    store = Store(writable_city, profile.facts_file, verify_in_background=False)
    assert store.scalar("SELECT count(*) FROM cctv_sites") == 10
    assert reads == ["cctv_sites.parquet"]  # the changed file, before serving; the others trusted
    store.close()


def test_a_read_only_folder_still_serves_and_verifies(monkeypatch, writable_city, profile):
    """Where the ledger cannot be written (a read-only install of the demo), every file is still read
    in full before it is served, and this process remembers it."""
    import ccdash.data.files as files

    def refuse(text, path):
        raise PermissionError(13, "Read-only file system", str(path))

    monkeypatch.setattr(files, "write_text_atomic", refuse)
    fresh_ledger(writable_city)
    reads = counting(monkeypatch)
    store = Store(writable_city, profile.facts_file, verify_in_background=False)
    assert store.scalar("SELECT count(*) FROM complaints") > 0 and not store.problems
    parquet = sorted(p.name for p in writable_city.glob("*.parquet"))
    assert sorted(reads) == parquet
    assert not (writable_city / "_integrity" / "verified.json").exists()
    store.close()


def rotted_after_record(folder, profile):
    """complaints.parquet recorded as verified, then damaged in place (same size, mtime and tail)."""
    path = folder / "complaints.parquet"
    fresh_ledger(folder)
    recorder = Store(folder, profile.facts_file, verify_in_background=False)
    recorder.refresh()
    recorder.close()
    st = path.stat()
    damage(path, "closed_at", "data")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def wait_for(condition, what: str, deadline_s: float = 300.0) -> None:
    import time

    end = time.monotonic() + deadline_s
    while not condition():
        assert time.monotonic() < end, f"still waiting for {what} after {deadline_s:.0f} s"
        time.sleep(0.05)


def damage_found(store) -> bool:
    store.refresh()
    return "complaints" in store.problems


def test_a_server_re_reads_in_a_process_of_its_own(monkeypatch, writable_city, profile):
    """The background re-read runs in the verifier process: no full read in the server's own, and
    the rot is still found, served as missing and removed from the record."""
    rotted_after_record(writable_city, profile)
    reads = counting(monkeypatch)
    store = Store(writable_city, profile.facts_file)  # verify_in_background, as a server
    assert store.scalar("SELECT count(*) FROM complaints") > 0  # served on its record
    wait_for(lambda: damage_found(store), "the background re-read to find the rot")
    assert store.problems["complaints"].startswith("complaints.parquet is damaged (")
    assert reads == [] and store.verify_problem is None  # every full read was the verifier's
    wait_for(lambda: store._reader is None, "the verifier to finish its list")
    ledger = json.loads((writable_city / "_integrity" / "verified.json").read_text())
    assert "complaints.parquet" not in ledger and "cctv_sites.parquet" in ledger
    store.close()


def test_a_verifier_that_stops_says_why_and_changes_nothing(writable_city, profile):
    import sys

    rotted_after_record(writable_city, profile)
    ledger_before = (writable_city / "_integrity" / "verified.json").read_text()
    store = Store(writable_city, profile.facts_file, verify_in_background=False)
    store.verify_command = [
        sys.executable,
        "-c",
        "import sys; sys.stdin.readline(); sys.exit('MemoryError: cannot allocate 4096 bytes')",
    ]
    n = store.scalar("SELECT count(*) FROM complaints")
    assert n > 0 and store.verify_pending(apart=True) == []
    assert store.verify_problem == (
        "the integrity re-read stopped: MemoryError: cannot allocate 4096 bytes"
    )
    store.refresh()
    assert not store.problems and store.scalar("SELECT count(*) FROM complaints") == n
    after = (writable_city / "_integrity" / "verified.json").read_text()
    assert after == ledger_before  # nothing recorded either way: the next start reads it again
    store.close()


def test_closing_a_store_stops_its_verifier(writable_city, profile):
    """A server that stops while a file is being re-read leaves no verifier behind (its reading
    is made endless here, so the stop is the only way out)."""
    import sys

    rotted_after_record(writable_city, profile)
    store = Store(writable_city, profile.facts_file, verify_in_background=False)
    store.verify_command = [
        sys.executable,
        "-c",
        "import sys, time; sys.stdin.readline(); time.sleep(3600)",
    ]
    store.refresh()
    import threading

    thread = threading.Thread(target=store.verify_pending, args=(True,), daemon=True)
    thread.start()
    wait_for(lambda: store._reader is not None, "the verifier to start")
    process = store._reader.process
    store.close()
    thread.join(60)
    assert process.poll() is not None, "the verifier is still running"
    assert not thread.is_alive()


def test_a_store_dropped_from_the_app_cache_stops_its_verifier(monkeypatch, writable_city, profile):
    """A cleared cache_resource releases the app's store: its re-read stops (else every cleared
    cache would leave one more process re-reading every file), and a run still holding it reads on."""
    import sys

    import streamlit as st

    import ccdash.data.store as store_module
    from ccdash.app import state
    from ccdash.data.verifier import Verifier

    class Endless(Verifier):
        def __init__(self, command):
            super().__init__(
                [sys.executable, "-c", "import sys, time; sys.stdin.readline(); time.sleep(3600)"]
            )

    rotted_after_record(writable_city, profile)
    monkeypatch.setattr(store_module, "Verifier", Endless)
    monkeypatch.setenv("CCDASH_DATA_DIR", str(writable_city))
    st.cache_resource.clear()
    store = state.get_store()
    n = store.scalar("SELECT count(*) FROM complaints")
    wait_for(lambda: store._reader is not None, "the verifier to start")
    process = store._reader.process
    st.cache_resource.clear()
    wait_for(lambda: process.poll() is not None, "the released store's verifier to stop", 60)
    assert store.scalar("SELECT count(*) FROM complaints") == n
    assert state.get_store() is not store
    st.cache_resource.clear()
    store.close()


def test_the_verifier_answers_as_check_parquet_at_the_lowest_priority(writable_city):
    """The process a server re-reads in: the same answers as check_parquet, one per path asked, and
    the machine's lowest CPU priority (the pages' queries come first)."""
    import sys

    from ccdash.data.verifier import NICENESS, Verifier

    damage(writable_city / "complaints.parquet", "closed_at", "data")
    verifier = Verifier([sys.executable, "-m", "ccdash.data.verifier"])
    try:
        assert verifier.check(writable_city / "cctv_sites.parquet") is None
        assert os.getpriority(os.PRIO_PROCESS, verifier.process.pid) == NICENESS
        found = verifier.check(writable_city / "complaints.parquet")
        assert found == check_parquet(writable_city / "complaints.parquet")
        assert found.startswith("damaged (")
    finally:
        verifier.close()
    assert verifier.process.returncode == 0  # it ends at the end of its input
