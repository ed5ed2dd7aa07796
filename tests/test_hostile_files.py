"""Files built to hurt: compression bombs, huge values, stray bytes, a cut-off last row. Each is
refused after a bounded read with one line naming the cause, or read with the change counted; the
stored data is unchanged by a refusal."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ccdash.data.ingest import IngestError, ingest
from ccdash.data.ingest import read as reading
from tests.paths import REPO_ROOT
from tests.test_ingest import GOOD_ROWS, HEADER, NOW, csv_text, snapshot, stored, write

ROW = "T-{i},2026-11-01 08:00:00,,new,waste,lapor,Coblong,-6.8848,107.6154,Sampah,\n"


def repeated_gzip(head: bytes, block: bytes, times: int) -> bytes:
    """A gzip file of `head` then `block` `times` over: gzip members concatenated, so a bomb of
    gigabytes costs the test one small compression."""
    return gzip.compress(head) + gzip.compress(block, compresslevel=9) * times


def refused(writable_city, profile, src) -> str:
    """The one-line message of a refused ingest, after checking that nothing stored changed."""
    before = snapshot(writable_city)
    with pytest.raises(IngestError) as e:
        ingest(src, "complaints", writable_city, profile, now=NOW)
    assert snapshot(writable_city) == before
    message = str(e.value)
    assert "\n" not in message
    return message


def inflated_mb(message: str) -> float:
    return float(re.search(r"more than ([\d,]+) MB", message).group(1).replace(",", ""))


def test_a_gzip_bomb_is_refused_after_a_bounded_read(writable_city, profile, tmp_path):
    """1 GB of identical rows from 4 MB of gzip (270 times): refused once 64 MB have come out at
    over 200 times the bytes read, not after inflating the gigabyte."""
    block = "".join(ROW.format(i=7) for _ in range(10_000)).encode()  # ~0.7 MB
    src = write(tmp_path, "bomb.csv.gz", repeated_gzip((HEADER + "\n").encode(), block, 1500))
    assert src.stat().st_size < 4 << 20
    message = refused(writable_city, profile, src)
    assert message.startswith("bomb.csv.gz: decompresses to more than ")
    assert "refused as a compression bomb; nothing was read" in message
    assert 64 < inflated_mb(message) < 100  # stopped soon after the first judgement


def test_a_json_bomb_is_refused_before_it_is_parsed(writable_city, profile, tmp_path):
    record = json.dumps({"complaint_id": "J", "created_at": "2026-11-01 08:00:00"}) + ","
    block = (record * 20_000).encode()
    src = write(tmp_path, "bomb.json.gz", repeated_gzip(b"[", block, 500))  # ~1 GB of JSON
    message = refused(writable_city, profile, src)
    assert message.startswith("bomb.json.gz: ")
    assert "JSON document over 64 MB" in message or "compression bomb" in message, message


def test_a_json_document_over_the_limit_is_refused_with_the_way_out(
    writable_city, profile, tmp_path, monkeypatch
):
    monkeypatch.setattr(reading, "MAX_JSON_BYTES", 1 << 20)
    rows = [
        {"complaint_id": f"J-{i}", "created_at": "2026-11-01 08:00:00", "category": "waste"}
        for i in range(20_000)
    ]
    src = write(tmp_path, "big.json", json.dumps(rows))
    assert src.stat().st_size > 1 << 20
    assert refused(writable_city, profile, src) == (
        "big.json: a JSON document over 1 MB (the limit for one read whole); give it as JSON "
        "lines (one object a line), CSV or Parquet"
    )


def test_json_lines_are_read_a_line_at_a_time_and_nested_values_kept_as_json(
    writable_city, profile, tmp_path
):
    """JSON lines have no size limit of their own (read a batch at a time); a nested object, as
    Socrata exports put a location, is kept as its JSON text rather than refused."""
    base = {"created_at": "2026-11-01 08:00:00", "status": "new", "category": "waste"}
    base |= {"channel": "lapor", "kecamatan": "Coblong", "lat": -6.8848, "lon": 107.6154}
    lines = [
        json.dumps(base | {"complaint_id": "L-1", "description": "Sampah"}),
        json.dumps(base | {"complaint_id": "L-2", "description": {"text": "Jalan", "n": 2}}),
    ]
    src = write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    report = ingest(src, "complaints", writable_city, profile, now=NOW)
    assert (report.rows_read, report.accepted) == (2, 2), report.reasons
    got = stored(writable_city).set_index("complaint_id").description
    assert got["L-1"] == "Sampah"
    assert json.loads(got["L-2"]) == {"text": "Jalan", "n": 2}


def test_a_line_in_json_lines_that_is_not_an_object_is_named(writable_city, profile, tmp_path):
    src = write(tmp_path, "feed.jsonl", '{"complaint_id": "A"}\n{"complaint_id": "B"}\n[1, 2]\n')
    assert refused(writable_city, profile, src) == "feed.jsonl: line 3 is not a JSON object"


@pytest.mark.parametrize("form", ["one line", "many lines"])
def test_a_value_over_the_limit_is_refused_by_row(writable_city, profile, tmp_path, form):
    """17 MB in one value, on one line (refused by the line limit before it is held) or quoted over
    many short lines (which no line limit sees: the csv module's value limit does)."""
    long = "x" * (17 << 20) if form == "one line" else "\n".join(["kata " * 20] * 170_000)
    rows = [GOOD_ROWS[0], f'T-9,2026-11-01 08:00:00,,new,waste,lapor,Coblong,,,"{long}",']
    src = write(tmp_path, "long.csv", "\n".join([HEADER, *rows]) + "\n")
    assert refused(writable_city, profile, src) == (
        "long.csv: line 3 is longer than 16 MB (the limit for one line: a damaged file, or not a "
        "table)"
        if form == "one line"
        else "long.csv: a value in row 2 is longer than 16 MB (the limit for one value); nothing "
        "was written"
    )


def test_a_json_value_over_the_limit_is_refused_by_row(
    writable_city, profile, tmp_path, monkeypatch
):
    monkeypatch.setattr(reading, "MAX_CELL_BYTES", 1 << 20)
    rows = [{"complaint_id": "J-1"}, {"complaint_id": "J-2", "description": "x" * (2 << 20)}]
    src = write(tmp_path, "long.json", json.dumps(rows))
    assert refused(writable_city, profile, src) == (
        "long.json: the value of description in row 2 is longer than 1 MB (the limit for one "
        "value); nothing was written"
    )


def test_a_line_over_the_line_limit_is_refused_before_it_is_held(writable_city, profile, tmp_path):
    """512 MB in one unquoted cell of a gzip file (the finding peaked at 3.9 GB): the read stops
    at the line limit, long before the value is held."""
    head = (HEADER + "\n" + GOOD_ROWS[0] + "\nT-9,2026-11-01 08:00:00,,new,waste,lapor,").encode()
    src = write(tmp_path, "cell.csv.gz", repeated_gzip(head, b"x" * (1 << 20), 512))
    message = refused(writable_city, profile, src)
    assert message.startswith("cell.csv.gz: ")
    assert "longer than 16 MB (the limit for one line" in message or "compression bomb" in message


def test_a_parquet_column_that_expands_past_the_bound_is_refused_from_its_footer(
    writable_city, profile, tmp_path
):
    src = tmp_path / "bomb.parquet"
    pq.write_table(
        pa.table({"complaint_id": ["P-1"], "description": ["x" * (80 << 20)]}),
        src,
        compression="zstd",
        use_dictionary=False,
    )
    message = refused(writable_city, profile, src)
    assert message.startswith("bomb.parquet: column description expands to 80 MB from ")
    assert message.endswith("refused as a compression bomb; nothing was read")


def test_a_stray_byte_in_utf8_text_is_replaced_and_counted_not_redecoded(
    writable_city, profile, tmp_path
):
    """One bad byte used to make the whole file cp1252: every accent became mojibake (Ã©)."""
    rows = [
        "U-1,2026-11-01 08:00:00,,new,waste,lapor,Coblong,,,Jalan Ciumbuléuit rusak 🚧,",
        "U-2,2026-11-01 09:00:00,,new,waste,lapor,Coblong,,,Sampah di Cipaganti,",
        "U-3,2026-11-01 10:00:00,,new,waste,lapor,Coblong,,,Café ditutup,",
    ]
    text = ("\n".join([HEADER, *rows]) + "\n").encode()
    text = text.replace(b"Cipaganti", b"Cipa\xffganti")
    src = write(tmp_path, "stray.csv", text)
    report = ingest(src, "complaints", writable_city, profile, now=NOW)
    assert report.accepted == 3
    assert report.notes == {"bytes that are not UTF-8 replaced by \ufffd": 1}
    assert "accepted with a change: 1 rows, bytes that are not UTF-8 replaced by \ufffd" in (
        report.lines()
    )
    got = stored(writable_city).set_index("complaint_id").description
    assert got["U-1"] == "Jalan Ciumbuléuit rusak 🚧"
    assert got["U-2"] == "Sampah di Cipa\ufffdganti"
    assert got["U-3"] == "Café ditutup"


def test_a_windows_1252_file_is_still_read_as_windows_1252(writable_city, profile, tmp_path):
    rows = ["W-1,2026-11-01 08:00:00,,new,waste,lapor,Coblong,,,Café – ditutup,"]
    src = write(tmp_path, "ansi.csv", "\n".join([HEADER, *rows]) + "\n", encoding="cp1252")
    report = ingest(src, "complaints", writable_city, profile, now=NOW)
    assert report.accepted == 1 and report.notes == {}
    assert stored(writable_city).set_index("complaint_id").description["W-1"] == "Café – ditutup"


@pytest.mark.parametrize("name", ["cut.csv", "cut.csv.gz", "cut.jsonl"])
def test_a_file_without_a_final_line_break_is_not_taken_as_complete(
    writable_city, profile, tmp_path, name
):
    """A file still being written ends mid-row: `row 1804 of H` would be stored as `row 1804`."""
    if name.endswith(".jsonl"):
        text = '{"complaint_id": "A", "description": "row 1"}\n{"complaint_id": "B", "de'
    else:
        text = "\n".join([HEADER, *GOOD_ROWS[:2], GOOD_ROWS[0].replace("T-1,", "T-4,")])
    data = gzip.compress(text.encode()) if name.endswith(".gz") else text.encode()
    assert refused(writable_city, profile, write(tmp_path, name, data)) == (
        f"{name}: the file does not end with a line break, so its last row may be cut off (still "
        f"being written?); if it is complete, end it with a line break"
    )


def test_the_command_line_refuses_a_bomb_in_one_line(writable_city, tmp_path):
    block = "".join(ROW.format(i=7) for _ in range(10_000)).encode()
    src = write(tmp_path, "bomb.csv.gz", repeated_gzip((HEADER + "\n").encode(), block, 200))
    before = snapshot(writable_city)
    out = subprocess.run(
        [sys.executable, "-m", "ccdash", "ingest", "--kind", "complaints", str(src)]
        + ["--data-dir", str(writable_city)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.startswith("error: bomb.csv.gz: decompresses to more than ")
    assert len(out.stderr.strip().splitlines()) == 1
    assert snapshot(writable_city) == before


def test_an_upload_is_ingested_in_a_process_of_its_own(writable_city, profile, tmp_path):
    """The Data page's path: the same report as the command line, and a child that dies (here
    killed at a named point, as an out-of-memory kill would) ends in one line with the stored
    data unchanged."""
    from ccdash.data.files import CRASH_ENV
    from ccdash.data.ingest.isolated import ingest_in_child

    data = csv_text([HEADER, *GOOD_ROWS]).encode()
    before = stored(writable_city)
    os.environ[CRASH_ENV] = "files written"
    try:
        with pytest.raises(IngestError) as e:
            ingest_in_child(data, "mine.csv", "complaints", writable_city, profile.path)
    finally:
        del os.environ[CRASH_ENV]
    assert str(e.value) == (
        "mine.csv: the ingest process was stopped (SIGKILL: out of memory?); nothing was written"
    )
    assert stored(writable_city).equals(before)  # the old table, whole
    rows = len(before)
    report = ingest_in_child(data, "mine.csv", "complaints", writable_city, profile.path)
    assert (report.source, report.rows_read, report.accepted) == ("mine.csv", 3, 3)
    assert len(stored(writable_city)) == rows + 3
    assert not list((writable_city / "_uploads").iterdir())  # the private copy is gone
    with pytest.raises(IngestError) as e:
        ingest_in_child(b"", "empty.csv", "complaints", writable_city, profile.path)
    assert str(e.value) == "empty.csv: empty file"
