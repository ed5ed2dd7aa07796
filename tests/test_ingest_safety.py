"""Ingest under stress: concurrent writers lose nothing, a killed writer leaves whole files, damaged input
is named for what it is."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from ccdash.data.dataset import read_stored
from ccdash.data.files import CRASH_ENV
from ccdash.data.ingest import IngestError, ingest
from ccdash.data.profile import load_profile
from tests.paths import REPO_ROOT
from tests.test_ingest import GOOD_ROWS, HEADER, NOW, csv_text, snapshot, stored, write

CLI = [sys.executable, "-m", "ccdash", "ingest", "--kind", "complaints"]


def batch(city: Path, prefix: str, n: int, tmp_path: Path) -> Path:
    """n complaints drawn from the city with new ids: a CSV as a source system would export it."""
    src = (
        read_stored(city, "complaints")
        .to_pandas()
        .sample(n, replace=True, random_state=len(prefix) + n)
    )
    src = src.drop(columns=[c for c in src.columns if c.startswith("h3_")])
    src["complaint_id"] = [f"{prefix}-{i}" for i in range(n)]
    path = tmp_path / f"{prefix}.csv"
    src.to_csv(path, index=False)
    return path


def ingest_at_once(city: Path, files: list[Path]) -> None:
    """The command line's ingest of each file, all started together in their own processes; all succeed."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")}
    procs = [
        subprocess.Popen(
            [*CLI, str(f), "--data-dir", str(city)],
            env=env,
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for f in files
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0] * len(files), outs


def test_two_cli_ingests_at_once_lose_no_rows(writable_city, tmp_path):
    before = len(stored(writable_city))
    ingest_at_once(writable_city, [batch(writable_city, p, 40_000, tmp_path) for p in ("A", "B")])
    after = stored(writable_city)
    assert len(after) == before + 80_000
    assert after.complaint_id.str.startswith("A-").sum() == 40_000
    assert after.complaint_id.str.startswith("B-").sum() == 40_000


def test_two_uploads_at_once_lose_no_rows(writable_city, profile, tmp_path):
    """The Data page's path (bytes in memory, several sessions on threads of one server)."""
    before = len(stored(writable_city))
    data = {p: batch(writable_city, p, 20_000, tmp_path).read_bytes() for p in ("U1", "U2")}
    errors = []

    def upload(prefix):
        try:
            ingest(
                f"{prefix}.csv",
                "complaints",
                writable_city,
                profile,
                data=data[prefix],
                source_name=f"{prefix}.csv",
            )
        except Exception as e:
            errors.append(e)

    threads = [threading.Thread(target=upload, args=(p,)) for p in data]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert len(stored(writable_city)) == before + 40_000


@pytest.mark.parametrize(
    ("point", "outcome"),
    [
        ("batch written", "old"),
        ("files written", "old"),
        ("published", "new"),
        ("data published", "new"),
    ],
)
def test_a_killed_ingest_leaves_the_old_or_the_new_data_and_nothing_stale(
    writable_city, tmp_path, point, outcome
):
    """Killed at a named point of the first append (which also turns the single file into a dataset):
    each outcome on purpose, no delay guessed."""
    before_rows = len(stored(writable_city))
    src = batch(writable_city, "K", 60_000, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT / "src"), CRASH_ENV: point}
    proc = subprocess.run(
        [*CLI, str(src), "--data-dir", str(writable_city)], env=env, capture_output=True
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    rows = len(stored(writable_city))  # whole and readable
    assert rows == (before_rows if outcome == "old" else before_rows + 60_000)
    log = writable_city / "_ingest" / "complaints.json"
    if rows == before_rows:  # nothing stored: no rejects file or log may claim otherwise
        assert not log.exists() or "K.csv" not in log.read_text()
    # The next ingest clears what the killed one left half-written.
    ingest(
        write(tmp_path, "next.csv", csv_text([HEADER, *GOOD_ROWS])),
        "complaints",
        writable_city,
        load_profile(writable_city / "city.toml"),
        now=NOW,
    )
    assert not [p for p in writable_city.rglob("*.tmp")]


def test_gzip_input_is_read_and_a_damaged_one_named(writable_city, profile, tmp_path):
    text = csv_text([HEADER, *GOOD_ROWS]).encode()
    report = ingest(
        write(tmp_path, "ok.csv.gz", gzip.compress(text)),
        "complaints",
        writable_city,
        profile,
        now=NOW,
    )
    assert report.accepted == 3
    before = snapshot(writable_city)
    with pytest.raises(IngestError) as e:
        ingest(
            write(tmp_path, "cut.csv.gz", gzip.compress(text)[:-20]),
            "complaints",
            writable_city,
            profile,
            now=NOW,
        )
    assert str(e.value).startswith("cut.csv.gz: a damaged or truncated gzip file")
    assert snapshot(writable_city) == before


def test_a_ragged_row_is_rejected_for_its_field_count(writable_city, profile, tmp_path):
    short = "T-9,2026-11-05 08:00:00,,new,waste"  # 5 fields under an 11-column header
    src = write(tmp_path, "ragged.csv", csv_text([HEADER, short, *GOOD_ROWS]))
    report = ingest(src, "complaints", writable_city, profile, now=NOW)
    assert report.accepted == 3
    assert report.reasons == {"the row has 5 fields; the header has 11": 1}


def test_implausible_values_are_rejected_or_capped_with_a_reason(writable_city, profile, tmp_path):
    huge = "x" * 5_000_000
    rows = [
        "P-1,0001-01-01 08:00:00,,new,waste,lapor,Coblong,-6.8848,107.6154,old,",
        f"P-2,2026-11-01 08:00:00,,new,waste,lapor,Coblong,-6.8848,107.6154,{huge},",
        "P-3,2026-11-01 08:00:00,,new,waste,lapor,  cOBLONG ,-6.8848,107.6154,case and spaces,",
        "P-4,2026-11-01 08:00:00,,new,waste,lapor,Atlantis,,,not a district,",
        "P-"
        + "9" * 300
        + ",2026-11-01 08:00:00,,new,waste,lapor,Coblong,-6.8848,107.6154,long id,",
    ]
    report = ingest(
        write(tmp_path, "odd.csv", csv_text([HEADER, *rows])),
        "complaints",
        writable_city,
        profile,
        now=NOW,
    )
    assert report.reasons == {
        "created_at is before 2000-01-01 (the profile's [ingest] earliest)": 1,
        "kecamatan is not one of the city's districts 'Atlantis'": 1,
        "complaint_id is longer than 200 characters": 1,
    }
    assert report.notes == {"description cut to 2,000 characters": 1}
    got = stored(writable_city).set_index("complaint_id")
    assert len(got.loc["P-2", "description"]) == 2_000 and got.loc["P-2", "description"].endswith(
        "…"
    )
    assert got.loc["P-3", "kecamatan"] == "Coblong"


def test_negative_bandwidth_and_radius_are_rejected(writable_city, profile, tmp_path):
    header = "ap_id,site_name,site_type,lat,lon,kecamatan,bandwidth_mbps,status,coverage_radius_m"
    rows = [
        "W-1,Taman A,park,-6.8848,107.6154,Coblong,-100,active,50",
        "W-2,Taman B,park,-6.8848,107.6154,Coblong,100,active,-5",
        "W-3,Taman C,park,-6.8848,107.6154,Coblong,100,active,60",
    ]
    report = ingest(
        write(tmp_path, "w.csv", csv_text([header, *rows])),
        "wifi",
        writable_city,
        profile,
        now=NOW,
    )
    assert report.reasons == {
        "bandwidth_mbps must be above zero": 1,
        "coverage_radius_m must be above zero": 1,
    }
    assert report.accepted == 1


def test_a_column_mixing_local_and_zoned_times_keeps_local_and_converts_the_rest(
    writable_city, profile, tmp_path
):
    """The city is on WIB (UTC+7): a naive 08:00 is 08:00 local; 08:00Z is 15:00 local; 08:00-05:00 is 20:00."""
    rows = [
        "Z-1,2026-11-01 08:00:00,,new,waste,lapor,Coblong,-6.8848,107.6154,naive,",
        "Z-2,2026-11-01T08:00:00Z,,new,waste,lapor,Coblong,-6.8848,107.6154,utc,",
        "Z-3,2026-11-01T08:00:00-05:00,,new,waste,lapor,Coblong,-6.8848,107.6154,new york,",
        "Z-4,2026-11-01T08:00:00+07:00,,new,waste,lapor,Coblong,-6.8848,107.6154,wib,",
    ]
    report = ingest(
        write(tmp_path, "mixed.csv", csv_text([HEADER, *rows])),
        "complaints",
        writable_city,
        profile,
        now=NOW,
    )
    assert report.accepted == 4
    got = stored(writable_city).set_index("complaint_id").created_at
    assert [str(got[k]) for k in ("Z-1", "Z-2", "Z-3", "Z-4")] == [
        "2026-11-01 08:00:00",
        "2026-11-01 15:00:00",
        "2026-11-01 20:00:00",
        "2026-11-01 08:00:00",
    ]


def test_mappings_handle_blanks_and_null_placeholders(writable_city, profile, tmp_path):
    """A city writes "39,-77" for unknown places, leaves cells blank, and says N/A: the rows are kept."""
    src = write(
        tmp_path,
        "src.csv",
        csv_text(
            [
                "id,created,state,kind,src,district,y,x,done",
                "M-1,2026-11-01 08:00:00,Closed,Pothole,PHONE,coblong,-6.8848,107.6154,2026-11-02 08:00:00",
                "M-2,2026-11-01 09:00:00,,Pothole,,REGOL,39,-77,",  # blank status and channel, placeholder point
                "M-3,2026-11-01 10:00:00,Open,,PHONE,Regol,N/A,N/A,",  # blank kind, 'N/A' coordinates
            ]
        ),
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        csv_text(
            [
                "[columns]",
                'complaint_id = "id"',
                'created_at = "created"',
                'closed_at = "done"',
                'status = "state"',
                'category = "kind"',
                'channel = "src"',
                'kecamatan = "district"',
                'lat = "y"',
                'lon = "x"',
                "[values.status]",
                'Closed = "resolved"',
                'Open = "new"',
                "[patterns.category]",
                '"(?i)pothole" = "road_damage"',
                "[values.channel]",
                'PHONE = "call_center_112"',
                "[constants]",
                'agency = "DSDABM"',
                "[nulls]",
                'lat = ["N/A"]',
                'lon = ["N/A"]',
                "[placeholders]",
                "points = [[39, -77]]",
            ]
        )
    )
    from ccdash.data.ingest import Mapping

    report = ingest(src, "complaints", writable_city, profile, Mapping.load(mapping), now=NOW)
    assert report.reasons == {"status is empty": 1, "category is empty": 1}
    report = ingest(
        write(
            tmp_path,
            "ok.csv",
            csv_text(
                [
                    "id,created,state,kind,src,district,y,x",
                    "M-4,2026-11-01 09:00:00,Open,Pothole,PHONE,REGOL,39,-77",
                    "M-5,2026-11-01 10:00:00,Open,Pothole,PHONE,Regol,N/A,N/A",
                ]
            ),
        ),
        "complaints",
        writable_city,
        profile,
        Mapping.load(mapping),
        now=NOW,
    )
    assert report.accepted == 2
    got = stored(writable_city).set_index("complaint_id")
    assert got.loc["M-1", "kecamatan"] == "Coblong"
    assert got.loc["M-4", "kecamatan"] == "Regol" and pd.isna(
        got.loc["M-4", "lat"]
    )  # kept, off the maps only
    assert pd.isna(got.loc["M-5", "lon"])


def test_a_bad_regular_expression_in_a_mapping_is_named(tmp_path):
    from ccdash.data.ingest import Mapping

    bad = tmp_path / "bad.toml"
    bad.write_text('[patterns.category]\n"(unclosed" = "x"\n')
    with pytest.raises(
        IngestError,
        match=r"bad\.toml: \[patterns\] category: '\(unclosed' is not a valid regular expression \(missing \)",
    ):
        Mapping.load(bad)


def _dated(rows):
    return csv_text(
        [
            "complaint_id,created_at,status,category,channel,kecamatan",
            *[f"D-{i},{d},new,waste,lapor,Coblong" for i, d in enumerate(rows)],
        ]
    )


def test_us_dates_are_read_month_first_when_the_column_says_so(writable_city, profile, tmp_path):
    src = write(
        tmp_path,
        "us.csv",
        _dated(["03/11/2026 08:15 AM", "11/13/2026 02:30 PM", "11/02/2026 11:00 PM"]),
    )
    report = ingest(src, "complaints", writable_city, profile, now=NOW)
    assert report.accepted == 3
    got = stored(writable_city).set_index("complaint_id").created_at
    assert [str(got[f"D-{i}"]) for i in range(3)] == [
        "2026-03-11 08:15:00",
        "2026-11-13 14:30:00",
        "2026-11-02 23:00:00",
    ]


def test_day_first_dates_stay_day_first(writable_city, profile, tmp_path):
    src = write(tmp_path, "id.csv", _dated(["03/11/2026 08:15", "13/11/2026 14:30"]))
    ingest(src, "complaints", writable_city, profile, now=NOW)
    got = stored(writable_city).set_index("complaint_id").created_at
    assert [str(got["D-0"]), str(got["D-1"])] == ["2026-11-03 08:15:00", "2026-11-13 14:30:00"]


def test_an_ambiguous_date_column_is_refused_with_both_readings(writable_city, profile, tmp_path):
    before = snapshot(writable_city)
    with pytest.raises(IngestError) as e:
        ingest(
            write(tmp_path, "amb.csv", _dated(["03/11/2026 08:15", "04/10/2026 09:00"])),
            "complaints",
            writable_city,
            profile,
            now=NOW,
        )
    assert str(e.value).startswith(
        "created_at is ambiguous: '03/11/2026 08:15' reads as 3 November (day first) or "
        "March 11 (month first)"
    )
    assert "[dates] format" in str(e.value)
    assert snapshot(writable_city) == before


def test_a_mapping_builds_fields_from_several_columns_scaled_and_padded(
    writable_city, profile, tmp_path
):
    from ccdash.data.ingest import Mapping

    src = write(
        tmp_path,
        "split.csv",
        csv_text(
            [
                "No,Tanggal,Jam,Status,Kategori,Kanal,Kec,Jalan,Nomor,LatE6,LonE6",
                "7,05/11/2026,08:15,new,waste,lapor,Coblong,Jl. Dago,12,-6884800,107615400",
                "42,13/11/2026,,new,waste,lapor,Regol,Jl. Asia Afrika,,-6940100,107612600",
                "x9,14/11/2026,23:59,new,waste,lapor,Regol,,,,",
            ]
        ),
    )
    m = tmp_path / "m.toml"
    m.write_text(
        '[columns]\nstatus = "Status"\ncategory = "Kategori"\nchannel = "Kanal"\nkecamatan = "Kec"\n'
        'complaint_id = "No"\nlat = "LatE6"\nlon = "LonE6"\n'
        '[templates]\ncreated_at = "{Tanggal} {Jam}"\ndescription = "{Jalan} no. {Nomor}"\n'
        "[scale]\nlat = 0.000001\nlon = 0.000001\n[pad]\ncomplaint_id = 6\n"
    )
    # No [dates] format: a date with or without its time, day first as 13/11 shows
    report = ingest(src, "complaints", writable_city, profile, Mapping.load(m), now=NOW)
    assert (report.accepted, report.rejected) == (3, 0), report.reasons
    got = stored(writable_city).set_index("complaint_id").loc[["000007", "000042", "x9"]]
    assert [str(t) for t in got.created_at] == [
        "2026-11-05 08:15:00",
        "2026-11-13 00:00:00",
        "2026-11-14 23:59:00",
    ]
    assert got.description.tolist()[:2] == ["Jl. Dago no. 12", "Jl. Asia Afrika no."]
    assert pd.isna(
        got.description.tolist()[2]
    )  # every referenced column blank: blank, not the bare "no."
    assert got.lat.tolist()[:2] == [-6.8848, -6.9401] and got.lon.tolist()[:2] == [
        107.6154,
        107.6126,
    ]


def test_a_template_naming_a_column_the_file_lacks_is_named(writable_city, profile, tmp_path):
    from ccdash.data.ingest import Mapping

    m = tmp_path / "m.toml"
    m.write_text('[templates]\ncreated_at = "{Tanggal} {Jam}"\n')
    before = snapshot(writable_city)
    with pytest.raises(
        IngestError, match=r"^\[templates\] names column\(s\) the file does not have: Tanggal, Jam$"
    ):
        ingest(
            write(tmp_path, "x.csv", csv_text([HEADER, *GOOD_ROWS])),
            "complaints",
            writable_city,
            profile,
            Mapping.load(m),
            now=NOW,
        )
    assert snapshot(writable_city) == before


def test_a_missing_radius_names_the_profile_key_that_fills_it(writable_city, tmp_path):
    toml = (writable_city / "city.toml").read_text().replace("\nlibrary = 50\n", "\n")
    (writable_city / "city.toml").write_text(toml)
    header = "ap_id,site_name,site_type,lat,lon,kecamatan,status"
    rows = [
        "W-1,Perpus,library,-6.8848,107.6154,Coblong,active",
        "W-2,Taman,park,-6.8848,107.6154,Coblong,active",
    ]
    report = ingest(
        write(tmp_path, "w.csv", csv_text([header, *rows])),
        "wifi",
        writable_city,
        load_profile(writable_city / "city.toml"),
        now=NOW,
    )
    assert report.accepted == 1
    assert report.reasons == {
        "coverage_radius_m is empty, and the profile has no [wifi.default_radius_m] library = METRES": 1
    }


@pytest.mark.parametrize("problem", ["unreadable", "duplicate column in parquet"])
def test_the_command_line_ends_any_failure_in_one_line_and_exit_2(writable_city, tmp_path, problem):
    """An unreadable file (a raw PermissionError traceback, exit 1) and a damaged Parquet file (an
    AttributeError traceback): one line, exit 2, stored data unchanged."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if problem == "unreadable":
        src = write(tmp_path, "locked.csv", csv_text([HEADER, *GOOD_ROWS]))
        src.chmod(0)
        if os.access(src, os.R_OK):  # root reads anything: make it a folder instead
            src.unlink()
            src.mkdir()
    else:
        src = tmp_path / "dup.parquet"
        pq.write_table(
            pa.Table.from_arrays([pa.array(["a"]), pa.array(["b"])], names=["x", "x"]), src
        )
    before = snapshot(writable_city)
    out = subprocess.run(
        [*CLI, str(src), "--data-dir", str(writable_city)],
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {src.name}"), out.stderr
    assert "Traceback" not in out.stderr
    assert snapshot(writable_city) == before


def test_a_header_line_longer_than_the_head_is_named_as_such(writable_city, profile, tmp_path):
    """A 70 KB header used to be read cut at 64 KB and refused as 'names a column twice'."""
    names = ",".join(f"column_{i:05d}" for i in range(6000))  # about 76 KB, every name distinct
    src = write(tmp_path, "wide.csv", names + "\n" + ",".join("1" for _ in range(6000)) + "\n")
    before = snapshot(writable_city)
    with pytest.raises(IngestError) as e:
        ingest(src, "complaints", writable_city, profile, now=NOW)
    assert str(e.value) == (
        "wide.csv: the header line is longer than 64 KB "
        "(not a table, or a header of thousands of columns)"
    )
    assert snapshot(writable_city) == before
