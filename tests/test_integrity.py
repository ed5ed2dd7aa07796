"""A Parquet extract damaged inside (footer intact) is caught before it is served, like a missing one."""

from __future__ import annotations

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
