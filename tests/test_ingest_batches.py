"""Ingest reads, checks and writes a batch of rows at a time: with batches of a few rows, a file gives the
same stored rows, rejects and report as read whole, whatever batch a row, a duplicate, a ragged row or the
date that settles day/month order falls in. (Peak memory on a 5M-row file is measured by `make bench`.)"""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

import ccdash.data.ingest.read as read
from ccdash.data import dataset
from ccdash.data.ingest import IngestError, ingest
from tests.test_ingest import BAD_ROWS, GOOD_ROWS, HEADER, NOW, csv_text, snapshot, stored, write


def _ingest_both(
    tmp_path, writable_city, profile, text, monkeypatch, name="f.csv", batch=2, block=None
):
    """Ingest `text` into two copies of the city, read whole and in batches of `batch` rows (and Arrow
    blocks of `block` bytes)."""
    import shutil

    whole, parts = tmp_path / "whole", tmp_path / "parts"
    shutil.copytree(writable_city, whole)
    shutil.copytree(writable_city, parts)
    src = write(tmp_path, name, text)
    a = ingest(src, "complaints", whole, profile, now=NOW)
    monkeypatch.setattr(read, "BATCH_ROWS", batch)
    if block:
        monkeypatch.setattr(read, "BLOCK_BYTES", block)
    b = ingest(src, "complaints", parts, profile, now=NOW)
    monkeypatch.undo()
    return (a, stored(whole)), (b, stored(parts))


def test_batches_store_and_reject_exactly_what_a_whole_read_does(
    writable_city, profile, tmp_path, monkeypatch
):
    rows = [GOOD_ROWS[0], *BAD_ROWS, *GOOD_ROWS[1:], GOOD_ROWS[1].replace("T-2", "T-8")]
    (a, whole), (b, parts) = _ingest_both(
        tmp_path, writable_city, profile, csv_text([HEADER, *rows]), monkeypatch
    )
    assert (
        (b.rows_read, b.accepted, b.rejected)
        == (a.rows_read, a.accepted, a.rejected)
        == (len(rows), 4, len(BAD_ROWS))
    )
    assert b.reasons == a.reasons
    # "T-1" again, six batches after the first: still a duplicate in this file, and the row numbers run on.
    ra, rb = pd.read_csv(a.rejects_file, dtype=str), pd.read_csv(b.rejects_file, dtype=str)
    pd.testing.assert_frame_equal(ra, rb)
    assert rb.row.astype(int).tolist() == list(range(2, 2 + len(BAD_ROWS)))
    pd.testing.assert_frame_equal(
        whole.sort_values("complaint_id", ignore_index=True),
        parts.sort_values("complaint_id", ignore_index=True),
    )


def test_the_stored_file_keeps_whole_row_groups(writable_city, profile, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    from ccdash.data.files import ROW_GROUP

    n_before = len(stored(writable_city))
    monkeypatch.setattr(read, "BATCH_ROWS", 1)
    ingest(
        write(tmp_path, "f.csv", csv_text([HEADER, *GOOD_ROWS])),
        "complaints",
        writable_city,
        profile,
        now=NOW,
    )
    total = 0
    for f in dataset.files(writable_city / "complaints"):
        meta = pq.ParquetFile(f).metadata
        sizes = [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]
        assert all(s == ROW_GROUP for s in sizes[:-1]), (f, sizes)  # not one group per batch
        total += sum(sizes)
    assert total == n_before + 3


def test_a_ragged_row_in_a_later_batch_reads_the_file_again(
    writable_city, profile, tmp_path, monkeypatch
):
    short = "T-9,2026-11-05 08:00:00,,new,waste"
    text = csv_text(
        [HEADER, *GOOD_ROWS, short]
    )  # the ragged row is in Arrow's third block, the second batch
    calls = []
    real = read._python_csv
    monkeypatch.setattr(read, "_python_csv", lambda *a: calls.append(1) or real(*a))
    (a, whole), (b, parts) = _ingest_both(
        tmp_path, writable_city, profile, text, monkeypatch, block=256
    )
    assert len(calls) == 2  # once for the whole read, once again after Arrow's batches
    assert a.reasons == b.reasons == {"the row has 5 fields; the header has 11": 1}
    assert b.accepted == 3 and len(parts) == len(whole)


def test_day_month_order_settled_by_a_later_batch_applies_to_the_first(
    writable_city, profile, tmp_path, monkeypatch
):
    text = csv_text(
        [
            "complaint_id,created_at,status,category,channel,kecamatan",
            "D-0,03/11/2026 08:15,new,waste,lapor,Coblong",
            "D-1,04/10/2026 09:00,new,waste,lapor,Coblong",
            "D-2,05/11/2026 10:00,new,waste,lapor,Coblong",
            "D-3,13/11/2026 14:30,new,waste,lapor,Coblong",
        ]
    )
    (_a, whole), (_b, parts) = _ingest_both(tmp_path, writable_city, profile, text, monkeypatch)
    got = parts.set_index("complaint_id").created_at
    assert str(got["D-0"]) == "2026-11-03 08:15:00"  # day first, as D-3 (batch 2) says
    assert str(got["D-1"]) == "2026-10-04 09:00:00"
    pd.testing.assert_series_equal(
        got.sort_index(), whole.set_index("complaint_id").created_at.sort_index()
    )


@pytest.mark.parametrize(
    "dates, message",
    [
        # day first in the first batch, month first in the second: the column mixes both
        (
            ["13/10/2026 08:15", "04/10/2026 09:00", "10/14/2026 10:00"],
            r"^created_at mixes day-first and month-first dates; set \[dates\] format",
        ),
        # no value in any batch settles it: refused after the whole file was read
        (
            [f"0{i + 1}/11/2026 08:15" for i in range(5)],
            r"^created_at is ambiguous: '01/11/2026 08:15' reads as 1 November",
        ),
    ],
)
def test_day_month_order_unsettled_across_batches_is_refused(
    writable_city, profile, tmp_path, monkeypatch, dates, message
):
    text = csv_text(
        [
            "complaint_id,created_at,status,category,channel,kecamatan",
            *[f"D-{i},{d},new,waste,lapor,Coblong" for i, d in enumerate(dates)],
        ]
    )
    before = snapshot(writable_city)
    monkeypatch.setattr(read, "BATCH_ROWS", 2)
    with pytest.raises(IngestError, match=message):
        ingest(write(tmp_path, "dates.csv", text), "complaints", writable_city, profile, now=NOW)
    assert snapshot(writable_city) == before


def test_a_gzip_cut_after_the_first_batches_writes_nothing(
    writable_city, profile, tmp_path, monkeypatch
):
    rows = [GOOD_ROWS[0].replace("T-1", f"G-{i}") for i in range(5000)]
    data = gzip.compress(csv_text([HEADER, *rows]).encode())
    before = snapshot(writable_city)
    monkeypatch.setattr(read, "BATCH_ROWS", 100)
    with pytest.raises(IngestError, match=r"^cut\.csv\.gz: a damaged or truncated gzip file"):
        ingest(
            write(tmp_path, "cut.csv.gz", data[: len(data) * 2 // 3]),
            "complaints",
            writable_city,
            profile,
            now=NOW,
        )
    assert snapshot(writable_city) == before
    assert not list(writable_city.rglob("*.tmp"))


def test_every_batch_of_a_parquet_source_is_read(writable_city, profile, tmp_path, monkeypatch):
    df = pd.read_csv(write(tmp_path, "x.csv", csv_text([HEADER, *GOOD_ROWS])), dtype=str)
    df = pd.concat(
        [df.assign(complaint_id=df.complaint_id + f"-{i}") for i in range(4)], ignore_index=True
    )
    df.to_parquet(tmp_path / "x.parquet")
    monkeypatch.setattr(read, "BATCH_ROWS", 5)
    report = ingest(tmp_path / "x.parquet", "complaints", writable_city, profile, now=NOW)
    assert (report.rows_read, report.accepted) == (12, 12)


@pytest.mark.parametrize("collide", [False, True])
def test_the_id_set_is_exact_even_when_hashes_collide(monkeypatch, collide):
    import numpy as np

    import ccdash.data.ingest.keys as keys

    if collide:  # every id gets one of two hashes: only the ids themselves can tell them apart
        monkeypatch.setattr(
            keys,
            "hash_ids",
            lambda arr: np.array([len(v or "") % 2 for v in arr.to_pylist()], dtype=np.uint64),
        )
    s, added = keys.IdSet(), set()
    for i in range(7):  # runs of several sizes, merged as they grow
        batch = [f"id-{j}" for j in range(i * 10, i * 10 + 10 + i)]
        s.add(pd.Series(batch, dtype="string"))
        added.update(batch)
    probe = ["id-0", "id-69", "id-75", "id-76", "nope", None, "id-15", "id-21"]
    assert s.contains(pd.Series(probe, dtype="string")).tolist() == [p in added for p in probe]
    assert s.contains(pd.Series(probe, dtype="string")).tolist() == [
        True,
        True,
        True,
        False,
        False,
        False,
        True,
        True,
    ]
    assert len(s) == sum(10 + i for i in range(7))  # ids added, repeats included


def test_a_column_gets_a_dictionary_when_its_values_repeat(tmp_path):
    """Stored Parquet: dictionaries for the columns that repeat (at most one distinct value in two of the
    first 16,384 rows), plain values for ids, times and coordinates; the rows read back unchanged, and a
    file of a few rows keeps Parquet's default (a dictionary for every column)."""
    import pyarrow.parquet as pq

    from ccdash.data.files import DICTIONARY_SAMPLE, ParquetAppender
    from tests.paths import DEMO_DIR

    rows = pq.read_table(DEMO_DIR / "complaints.parquet")
    assert rows.num_rows > 1000, rows.num_rows
    encoded = {}
    for n in (rows.num_rows, 10):
        part = rows.slice(0, n)
        out = ParquetAppender(tmp_path / f"c{n}.parquet", "complaints")
        out.write(part)
        out.commit()
        stored = pq.ParquetFile(tmp_path / f"c{n}.parquet")
        schema = stored.schema_arrow  # the stored types (the demo file's cells are unsigned)
        assert stored.read().equals(part.select(schema.names).cast(schema))
        chunks = stored.metadata.row_group(0)
        encoded[n] = {
            chunks.column(i).path_in_schema: chunks.column(i).encodings
            for i in range(chunks.num_columns)
        }
        head = part.slice(0, DICTIONARY_SAMPLE[1]).to_pandas()
        for name, encodings in encoded[n].items():
            values = head[name].dropna()
            repeats = n == 10 or values.nunique() <= len(values) / 2
            assert ("RLE_DICTIONARY" in encodings) == repeats, (n, name, encodings)
    assert "RLE_DICTIONARY" not in encoded[rows.num_rows]["complaint_id"]
    assert "RLE_DICTIONARY" in encoded[rows.num_rows]["category"]
