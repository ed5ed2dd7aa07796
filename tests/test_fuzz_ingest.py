"""Fuzzing ingest: Hypothesis builds CSV (any separator, a BOM, gzip, stray bytes, a cut last row),
JSON, JSON lines and Parquet files of hostile values, and every one must end in one of two ways:
rows stored that obey the schema, or IngestError with one line and the stored data byte-identical.
Anything else raised is a failure.

`make test` runs a fixed, derandomised set (the same examples every run, so a landing is never
blocked by a new random draw); CCDASH_FUZZ_EXAMPLES=2000 explores further with fresh draws."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccdash.data.dataset import read_stored
from ccdash.data.ingest import IngestError, ingest
from ccdash.data.profile import load_profile
from tests.test_ingest import NOW, snapshot

EXPLORE = int(os.environ.get("CCDASH_FUZZ_EXAMPLES", "0"))

COLUMNS = [
    "complaint_id",
    "created_at",
    "closed_at",
    "status",
    "category",
    "channel",
    "kecamatan",
    "lat",
    "lon",
    "description",
]
HOSTILE = [
    "",
    " ",
    "9" * 25,
    "1e19",
    "-1e400",
    "NaN",
    "inf",
    "0x1F",
    "2026-11-01 08:00:00",
    "2026-11-01T01:00:00Z",
    "2026-11-01T01:00:00+14:00",
    "31/12/2026 25:61",
    "2026-02-30",
    "1900-01-01",
    "9999-12-31 23:59:59",
    '=HYPERLINK("http://x")',
    "'; DROP TABLE complaints; --",
    "<script>alert(1)</script>",
    "\ufeff",
    "a\r\nb",
    '"',
    "Coblong",
    "COBLONG ",
    "-6.8848",
    "107.6154",
    "waste",
    "new",
    "resolved",
    "lapor",
    "\x1b[31mred",
    "\u202eevil",
]

values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)


@st.composite
def tables(draw) -> tuple[list[str], list[list[str]]]:
    names = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=10, unique=True))
    if draw(st.booleans()):
        names.append(draw(st.sampled_from(["extra", " lat", "Keterangan", "x" * 300])))
    ids = st.sampled_from([f"F-{i}" for i in range(8)] + ["", "T-1"])
    rows = draw(
        st.lists(
            st.lists(values, min_size=len(names), max_size=len(names)), min_size=0, max_size=12
        )
    )
    if "complaint_id" in names:
        at = names.index("complaint_id")
        for row in rows:
            row[at] = draw(ids)
    return names, rows


@st.composite
def files(draw) -> tuple[str, bytes]:
    names, rows = draw(tables())
    form = draw(st.sampled_from(["csv", "csv.gz", "json", "jsonl", "parquet"]))
    if form == "parquet":
        columns = {n: pa.array([r[i] for r in rows], pa.string()) for i, n in enumerate(names)}
        if len(set(names)) == len(names):
            out = io.BytesIO()
            pq.write_table(pa.table(columns), out)
            return "f.parquet", _damaged(draw, out.getvalue())
        form = "csv"
    if form.startswith("json"):
        records = [dict(zip(names, r, strict=True)) for r in rows]
        if form == "json":
            text = json.dumps(records, ensure_ascii=draw(st.booleans()))
        else:
            text = "".join(json.dumps(r) + "\n" for r in records)
        return f"f.{form}", _damaged(draw, text.encode())
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    out_text = io.StringIO()
    csv.writer(
        out_text, delimiter=sep, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    ).writerows([names, *rows])
    text = out_text.getvalue()
    if draw(st.booleans()):
        text = text.rstrip("\r\n")  # a cut last row: must be refused
    data = (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode(
        draw(st.sampled_from(["utf-8", "utf-8", "cp1252"])), errors="replace"
    )
    data = _damaged(draw, data)
    return ("f.csv.gz", gzip.compress(data)) if form == "csv.gz" else ("f.csv", data)


def _damaged(draw, data: bytes) -> bytes:
    """Now and then a stray or flipped byte somewhere in the file."""
    if not data or draw(st.integers(0, 3)) != 0:
        return data
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]


def check_stored(city, profile) -> None:
    """What the schema promises of every stored complaint."""
    df = read_stored(city, "complaints").to_pandas()
    assert df.complaint_id.notna().all() and df.complaint_id.is_unique
    assert df.created_at.notna().all()
    assert (df.closed_at.isna() | (df.closed_at >= df.created_at)).all()
    lon0, lat0, lon1, lat1 = profile.bbox
    located = df.lat.notna()
    assert (df.lon[located].between(lon0, lon1) & df.lat[located].between(lat0, lat1)).all()


@settings(
    max_examples=EXPLORE or 60,
    derandomize=not EXPLORE,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(file=files())
def test_any_file_is_stored_whole_or_refused_in_one_line(writable_city, file):
    """One city across the examples: each starts from what the ones before it stored."""
    name, data = file
    profile = load_profile(writable_city / "city.toml")
    src = writable_city.parent / name
    src.write_bytes(data)
    before = snapshot(writable_city)
    stored_before = read_stored(writable_city, "complaints").num_rows
    try:
        report = ingest(src, "complaints", writable_city, profile, now=NOW)
    except IngestError as e:
        message = str(e)
        assert message and "\n" not in message and "Traceback" not in message
        assert snapshot(writable_city) == before
        return
    assert report.accepted + report.rejected == report.rows_read
    assert report.accepted >= 1
    stored_now = read_stored(writable_city, "complaints").num_rows
    assert stored_now == stored_before + report.accepted - report.replaced
    check_stored(writable_city, profile)
