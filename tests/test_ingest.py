"""Ingestion: good files in every accepted form, every bad case with its message, data unchanged."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from ccdash.data.dataset import read_stored
from ccdash.data.ingest import IngestError, Mapping, ingest
from tests.paths import REPO_ROOT, wall_times

NOW = datetime(2026, 11, 21, 12, 0)
HEADER = "complaint_id,created_at,closed_at,status,category,channel,kecamatan,lat,lon,description,reporter_name"
GOOD_ROWS = [
    "T-1,2026-11-01 08:00:00,2026-11-02 09:00:00,resolved,road_damage,lapor,Coblong,-6.8848,107.6154,Jalan rusak,Asep",
    "T-2,2026-11-03 10:30:00,,new,waste,whatsapp,,-6.9401,107.6126,Sampah menumpuk,Euis",
    'T-3,2026-11-04 11:00:00,,in_progress,flooding,instagram,Gedebage,,,"Banjir,\nair tinggi",',
]


def snapshot(d: Path) -> dict:
    """Every file in the data folder with its hash: what 'unchanged' means (the empty writers' lock files
    are not data)."""
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(d.rglob("*"))
        if p.is_file() and p.suffix != ".lock"
    }


def stored(d: Path) -> pd.DataFrame:
    return wall_times(read_stored(d, "complaints").to_pandas())


def csv_text(lines) -> str:
    """Lines as a file's text, each ended by a line break (a file that does not end with one is
    taken as still being written, and refused)."""
    return "".join(f"{line}\n" for line in lines)


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return p


@pytest.mark.parametrize(
    "name, text, encoding",
    [
        ("comma.csv", csv_text([HEADER, *GOOD_ROWS]), "utf-8"),
        (
            "semicolon.csv",
            csv_text(r.replace(",", ";") for r in [HEADER, *GOOD_ROWS[:2]])
            + GOOD_ROWS[2].replace(",", ";").replace('"Banjir;', '"Banjir,')
            + "\n",
            "utf-8",
        ),
        ("bom.csv", "\ufeff" + csv_text([HEADER, *GOOD_ROWS]), "utf-8"),
        (
            "latin1.csv",
            csv_text([HEADER, *GOOD_ROWS]).replace("Sampah menumpuk", "Sampah dekat café"),
            "latin-1",
        ),
    ],
)
def test_csv_forms_are_accepted(writable_city, profile, tmp_path, name, text, encoding):
    before = len(stored(writable_city))
    report = ingest(
        write(tmp_path, name, text, encoding), "complaints", writable_city, profile, now=NOW
    )
    assert (report.accepted, report.rejected) == (3, 0)
    after = stored(writable_city)
    assert len(after) == before + 3
    new = after[after.complaint_id.str.startswith("T-")].set_index("complaint_id")
    assert new.loc["T-3", "description"] == "Banjir,\nair tinggi"  # quoted newline kept
    assert new.loc["T-2", "kecamatan"] == "Regol"  # found by point-in-polygon
    assert new.loc["T-1", "agency"] == "DSDABM"  # from the profile's category table
    assert new.loc["T-1", "due_at"] == pd.Timestamp("2026-11-15 08:00:00")  # 14 SLA days
    assert new.loc["T-1", "h3_r8"] != 0 and new.loc["T-3", "h3_r8"] == 0
    if encoding == "latin-1":
        assert new.loc["T-2", "description"] == "Sampah dekat café"


def test_parquet_and_json_are_accepted(writable_city, profile, tmp_path):
    df = pd.read_csv(write(tmp_path, "x.csv", csv_text([HEADER, *GOOD_ROWS])), dtype=str)
    pq = tmp_path / "x.parquet"
    df.iloc[:2].to_parquet(pq)
    assert ingest(pq, "complaints", writable_city, profile, now=NOW).accepted == 2
    js = write(
        tmp_path,
        "x.json",
        json.dumps(df.iloc[2:].where(df.iloc[2:].notna(), None).to_dict("records")),
    )
    assert ingest(js, "complaints", writable_city, profile, now=NOW).accepted == 1
    assert stored(writable_city).complaint_id.isin(["T-1", "T-2", "T-3"]).sum() == 3


BAD_ROWS = {
    "B-1,2026-11-05 08:00:00,2026-11-04 08:00:00,resolved,waste,lapor,Coblong,-6.88,107.61,x,": "closed_at is before created_at",
    "B-2,2027-01-01 08:00:00,,new,waste,lapor,Coblong,-6.88,107.61,x,": "created_at is in the future",
    "B-3,2026-11-05 08:00:00,,new,waste,lapor,Coblong,0,0,x,": "placeholder coordinates 0,0",
    "B-4,2026-11-05 08:00:00,,new,waste,lapor,Coblong,40.7,-74.0,x,": "outside the city's bounding box",
    "B-5,yesterday-ish,,new,waste,lapor,Coblong,-6.88,107.61,x,": "created_at is not a date: 'yesterday-ish'",
    "T-1,2026-11-05 08:00:00,,new,waste,lapor,Coblong,-6.88,107.61,x,": "duplicate complaint_id in this file",
    "B-6,2026-11-05 08:00:00,,lost,waste,lapor,Coblong,-6.88,107.61,x,": "unknown status 'lost'",
    "B-7,2026-11-05 08:00:00,,new,waste,lapor,Coblong,abc,107.61,x,": "lat is not a number: 'abc'",
    "B-8,2026-11-05 08:00:00,,new,waste,lapor,,,,x,": "no kecamatan and no coordinates",
    "B-9,2026-11-05 08:00:00,,new,waste,lapor,Coblong,107.61,-6.88,x,": "outside the city's bounding box (lat and lon swapped?)",
}


def test_bad_rows_are_rejected_with_reasons_and_good_rows_kept(writable_city, profile, tmp_path):
    src = write(tmp_path, "mixed.csv", csv_text([HEADER, GOOD_ROWS[0], *BAD_ROWS]))
    report = ingest(src, "complaints", writable_city, profile, now=NOW)
    assert (report.accepted, report.rejected) == (1, len(BAD_ROWS))
    rejects = pd.read_csv(report.rejects_file, dtype=str)
    assert rejects.reason.tolist() == list(BAD_ROWS.values())
    assert rejects.row.astype(int).tolist() == list(range(2, 2 + len(BAD_ROWS)))
    log = json.loads((writable_city / "_ingest" / "complaints.json").read_text())
    assert (log["accepted"], log["rejected"]) == (1, len(BAD_ROWS))


def test_a_known_id_replaces_the_stored_row_on_append(writable_city, profile, tmp_path):
    before = stored(writable_city)
    existing = before.complaint_id.iloc[0]
    src = write(
        tmp_path,
        "again.csv",
        csv_text([HEADER, GOOD_ROWS[0].replace("T-1", existing), GOOD_ROWS[1]]),
    )
    report = ingest(src, "complaints", writable_city, profile, now=NOW)
    after = stored(writable_city)
    assert (report.accepted, report.rejected, report.replaced) == (2, 0, 1)
    assert len(after) == len(before) + 1 == report.stored_rows
    row = after[after.complaint_id == existing]
    assert len(row) == 1 and row.category.iloc[0] == GOOD_ROWS[0].split(",")[4], row
    # The rows no new row names are as they were.
    untouched = before[before.complaint_id != existing].set_index("complaint_id").sort_index()
    kept = after[after.complaint_id.isin(untouched.index)].set_index("complaint_id").sort_index()
    pd.testing.assert_frame_equal(kept[untouched.columns], untouched, check_dtype=False)


def test_replace_swaps_the_whole_extract(writable_city, profile, tmp_path):
    src = write(tmp_path, "new.csv", csv_text([HEADER, *GOOD_ROWS]))
    ingest(src, "complaints", writable_city, profile, now=NOW, replace=True)
    assert sorted(stored(writable_city).complaint_id) == ["T-1", "T-2", "T-3"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.csv", "", "empty.csv: empty file"),
        ("blank.csv", "\n\n  \n", "blank.csv: empty file"),
        (
            "prose.txt",
            "Dear admin,\nplease fix the road\n",
            "prose.txt: not a table (the header line has 1 empty column names of 2)",
        ),
        (
            "words.txt",
            "Hello\nworld\n",
            "words.txt: not a table (no comma, semicolon or tab in the header line)",
        ),
        ("header_only.csv", HEADER + "\n", "header_only.csv: no rows"),
        (
            "missing.csv",
            "complaint_id,created_at,status\nX,2026-11-01,new\n",
            "required column(s) missing: category, channel (the file has: complaint_id, created_at, status); map them with --mapping",
        ),
        (
            "utf16.csv",
            (csv_text([HEADER, GOOD_ROWS[0]])).encode("utf-16"),
            "utf16.csv: unreadable encoding (NUL bytes: UTF-16 or binary?); save it as UTF-8 text",
        ),
        (
            "object.json",
            '{"a": 1, "b": 2}',
            "object.json: not a table (JSON must be an array of objects)",
        ),
        (
            "broken.json",
            '[{"a": 1,',
            "broken.json: not valid JSON (Expecting property name enclosed in double quotes at line 1)",
        ),
        ("fake.parquet", b"PAR1 this is not parquet", "fake.parquet: not a readable Parquet file"),
        (
            "all_bad.csv",
            csv_text([HEADER, *list(BAD_ROWS)[:2]]),
            "all_bad.csv: no row is valid (2 rejected, mostly: closed_at is before created_at); nothing was written",
        ),
    ],
)
def test_unusable_input_fails_clearly_and_changes_nothing(
    writable_city, profile, tmp_path, name, content, message
):
    before = snapshot(writable_city)
    with pytest.raises(IngestError) as e:
        ingest(write(tmp_path, name, content), "complaints", writable_city, profile, now=NOW)
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)
    assert snapshot(writable_city) == before


def test_a_failed_write_leaves_the_stored_file_intact(
    writable_city, profile, tmp_path, monkeypatch
):
    import ccdash.data.files as ex

    before = snapshot(writable_city)
    real = ex.pq.ParquetWriter.write_table

    def crash(self, table, **kw):  # the disk fills up after a row group was written
        real(self, table.slice(0, 10), **kw)
        raise OSError("disk full")

    monkeypatch.setattr(ex.pq.ParquetWriter, "write_table", crash)
    with pytest.raises(OSError, match="disk full"):
        ingest(
            write(tmp_path, "ok.csv", csv_text([HEADER, *GOOD_ROWS])),
            "complaints",
            writable_city,
            profile,
            now=NOW,
        )
    after = snapshot(writable_city)
    # The rejects log may not exist (no rejects) and the Parquet is untouched; no temp files remain.
    assert {k: v for k, v in after.items() if k in before} == before
    assert not [k for k in after if k.endswith(".tmp")]


def test_mapping_renames_recodes_and_parses_foreign_dates(writable_city, profile, tmp_path):
    src = write(
        tmp_path,
        "foreign.csv",
        csv_text(
            [
                "id;tanggal;selesai;kondisi;jenis;sumber;kec;lintang;bujur",
                "F-1;03/11/2026 08:15;04/11/2026 10:00;Selesai;Jalan;SP4N;Coblong;-6.8848;107.6154",
                "F-2;05/11/2026 09:00;;Baru;Sampah;WA;Regol;-6.9401;107.6126",
            ]
        ),
    )
    mp = tmp_path / "m.toml"
    mp.write_text("""
[columns]
complaint_id = "id"
created_at = "tanggal"
closed_at = "selesai"
status = "kondisi"
category = "jenis"
channel = "sumber"
kecamatan = "kec"
lat = "lintang"
lon = "bujur"
[dates]
format = "%d/%m/%Y %H:%M"
[values.status]
Selesai = "resolved"
Baru = "new"
[values.category]
Jalan = "road_damage"
Sampah = "waste"
[values.channel]
SP4N = "lapor"
WA = "whatsapp"
""")
    report = ingest(src, "complaints", writable_city, profile, Mapping.load(mp), now=NOW)
    assert (report.accepted, report.rejected) == (2, 0)
    new = stored(writable_city).set_index("complaint_id").loc[["F-1", "F-2"]]
    assert new.created_at.tolist() == [
        pd.Timestamp("2026-11-03 08:15"),
        pd.Timestamp("2026-11-05 09:00"),
    ]
    assert new.status.tolist() == ["resolved", "new"] and new.channel.tolist() == [
        "lapor",
        "whatsapp",
    ]


def test_cli_reports_and_fails_with_one_line(writable_city, tmp_path):
    ok = write(tmp_path, "ok.csv", csv_text([HEADER, GOOD_ROWS[0], next(iter(BAD_ROWS))]))
    run = [
        sys.executable,
        "-m",
        "ccdash",
        "ingest",
        "--kind",
        "complaints",
        "--data-dir",
        str(writable_city),
    ]
    r = subprocess.run([*run, str(ok)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert r.returncode == 0, r.stderr
    assert (
        "2 rows read, 1 accepted, 1 rejected" in r.stdout
        and "closed_at is before created_at" in r.stdout
    )
    before = snapshot(writable_city)
    empty = write(tmp_path, "empty.csv", "")
    r = subprocess.run([*run, str(empty)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert r.returncode == 2
    assert r.stderr == "error: empty.csv: empty file\n"
    assert snapshot(writable_city) == before


def test_h3_parents_by_bit_arithmetic_match_h3():
    import numpy as np
    from h3.api import basic_int as h3i

    from ccdash.data import spatial as geo

    rng = np.random.default_rng(3)
    lat, lon = rng.uniform(-6.98, -6.83, 500), rng.uniform(107.53, 107.76, 500)
    cells = geo.h3_cells(lat, lon, 9)
    for r in (7, 8):
        assert geo.h3_parent(cells, r).tolist() == [h3i.cell_to_parent(int(c), r) for c in cells]
    assert geo.h3_parent(np.array([0], dtype=np.uint64), 7).tolist() == [0]


def test_one_rule_for_a_blank_agency_and_a_closed_complaint_without_its_time(
    writable_city, tmp_path
):
    """A blank agency comes from the category's entry in the profile, or the row is rejected (never
    stored as ""), whether the category is listed or not; a resolved or rejected complaint needs its
    closing time. The report counts each case; what was stored stays as it was for the rejects."""
    from ccdash.data.profile import load_profile

    toml = writable_city / "city.toml"
    toml.write_text(toml.read_text() + '\n[categories.stray]\nid = "Lain"\nen = "Stray"\n')
    profile = load_profile(toml)
    assert profile.categories["road_damage"].agency == "DSDABM"
    rows = [
        "A-1,2026-11-01 08:00:00,,new,road_damage,lapor,Coblong,,,x,",  # derived: DSDABM
        "A-2,2026-11-01 08:00:00,,new,stray,lapor,Coblong,,,x,",  # listed, no agency
        "A-3,2026-11-01 08:00:00,,new,unlisted,lapor,Coblong,,,x,",  # not listed
        "A-4,2026-11-01 08:00:00,,resolved,road_damage,lapor,Coblong,,,x,",  # closed, no time
        "A-5,2026-11-01 08:00:00,,rejected,road_damage,lapor,Coblong,,,x,",
        "A-6,2026-11-01 08:00:00,2026-11-02 08:00:00,rejected,road_damage,lapor,Coblong,,,x,",
    ]
    before = read_stored(writable_city, "complaints").num_rows
    src = write(tmp_path, "blanks.csv", csv_text([HEADER, *rows]))
    report = ingest(src, "complaints", writable_city, profile, now=NOW)
    assert (report.accepted, report.rejected) == (2, 4)
    assert report.reasons == {
        "agency is empty, and the profile has no agency for the category 'stray' ([categories])": 1,
        "agency is empty, and the profile has no agency for the category 'unlisted' ([categories])": 1,
        "closed_at is empty for a complaint with status 'resolved'": 1,
        "closed_at is empty for a complaint with status 'rejected'": 1,
    }
    stored = read_stored(writable_city, "complaints").to_pandas().set_index("complaint_id")
    assert len(stored) == before + 2
    assert stored.loc["A-1", "agency"] == "DSDABM"
    assert not (stored.agency == "").any()
