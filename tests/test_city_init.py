"""`python -m ccdash city init NAME --from SAMPLE.csv`: a profile and mapping proposed from a sample, that
pass their schemas and ingest the sample; and district names kept in one spelling across extracts."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd

from ccdash.data.dataset import read_stored
from ccdash.data.ingest import Mapping, ingest
from ccdash.data.profile import load_profile
from tests.apptest import desk_app
from tests.paths import REPO_ROOT, wall_times
from tests.test_real_files import needs_shared

CLI = [sys.executable, "-m", "ccdash", "city", "init"]


def us_export(path, n=400, seed=3):
    """A 311-like export with a US city's traits: MM/DD/YYYY 12-hour times, statuses and channels in their
    own words, borough names in capitals, some rows without a point."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(0, 40 * 86400, n), unit="s")
    closed = created + pd.to_timedelta(rng.integers(3600, 9 * 86400, n), unit="s")
    status = rng.choice(["Open", "Closed", "In Progress", "Assigned"], n)
    lat, lon = rng.uniform(41.65, 42.0, n).round(6), rng.uniform(-87.9, -87.55, n).round(6)
    df = pd.DataFrame(
        {
            "Service Request ID": [f"SR-{i:05d}" for i in range(n)],
            "Created Date": created.strftime("%m/%d/%Y %I:%M:%S %p"),
            "Closed Date": np.where(
                status == "Closed", closed.strftime("%m/%d/%Y %I:%M:%S %p"), ""
            ),
            "Status": status,
            "Complaint Type": rng.choice(["Pothole", "Graffiti", "Rodents", "Street Light Out"], n),
            "Agency": rng.choice(["CDOT", "DSS"], n),
            "Method Received": rng.choice(["PHONE", "ONLINE", "MOBILE"], n),
            "Ward": rng.choice(["NORTH SIDE", "SOUTH SIDE", "WEST SIDE"], n),
            "Latitude": lat,
            "Longitude": lon,
        }
    )
    df.loc[rng.random(n) < 0.1, ["Latitude", "Longitude"]] = np.nan
    df.to_csv(path, index=False)
    return df


def test_init_proposes_files_that_ingest_the_sample(tmp_path, monkeypatch):
    src = tmp_path / "requests.csv"
    raw = us_export(src)
    out = tmp_path / "lakeside"
    r = subprocess.run(
        [*CLI, "Lakeside", "--from", str(src), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert r.returncode == 0, r.stderr
    assert "dates: %m/%d/%Y %I:%M:%S %p (reads 100.0% of the sample)" in r.stdout
    assert f"trial ingest of the sample: {len(raw):,} accepted, 0 rejected" in r.stdout
    assert "district polygons: a GeoJSON, named by [map] districts_file" in r.stdout

    profile, mapping = load_profile(out / "city.toml"), Mapping.load(out / "mapping.toml")
    assert mapping.columns == {
        "complaint_id": "Service Request ID",
        "created_at": "Created Date",
        "closed_at": "Closed Date",
        "status": "Status",
        "category": "Complaint Type",
        "agency": "Agency",
        "channel": "Method Received",
        "kecamatan": "Ward",
        "lat": "Latitude",
        "lon": "Longitude",
    }
    assert mapping.values["status"] == {
        "Open": "new",
        "Closed": "resolved",
        "In Progress": "in_progress",
        "Assigned": "dispatched",
    }
    assert set(profile.channels) == {"phone", "online", "mobile", "other"}
    x0, y0, x1, y1 = profile.bbox
    assert (
        x0 < raw.Longitude.min()
        and raw.Longitude.max() < x1
        and y0 < raw.Latitude.min()
        and raw.Latitude.max() < y1
    )

    report = ingest(src, "complaints", out, profile, mapping)
    stored = wall_times(read_stored(out, "complaints").to_pandas(), profile.timezone).set_index(
        "complaint_id"
    )
    assert report.accepted == len(raw)
    first = raw.iloc[0]
    assert stored.loc[first["Service Request ID"], "created_at"] == pd.to_datetime(
        first["Created Date"], format="%m/%d/%Y %I:%M:%S %p"
    )
    assert stored.loc[first["Service Request ID"], "channel"] == first["Method Received"].lower()

    monkeypatch.setenv("CCDASH_DATA_DIR", str(out))
    at = desk_app(60)
    at.run()
    assert not at.exception and not at.error
    assert any(c.value.startswith("Lakeside · ") for c in at.caption)


def test_init_does_not_overwrite_without_force(tmp_path):
    src = tmp_path / "requests.csv"
    us_export(src, n=50)
    out = tmp_path / "city"
    out.mkdir()
    (out / "city.toml").write_text("# mine\n")
    r = subprocess.run(
        [*CLI, "X", "--from", str(src), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert r.returncode == 2 and "already exist" in r.stderr and "--force" in r.stderr
    assert (out / "city.toml").read_text() == "# mine\n"


def test_init_on_the_real_nyc_311_sample(tmp_path):
    src = needs_shared("nyc-311-sample", "311_Service_Requests.csv")
    r = subprocess.run(
        [*CLI, "New York", "--from", str(src), "--out", str(tmp_path / "nyc")],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("trial ingest of the sample"))
    accepted, rejected = (
        int(x.replace(",", ""))
        for x in __import__("re").findall(r"([\d,]+) (?:accepted|rejected)", line)
    )
    assert accepted >= 0.99 * (accepted + rejected)


def test_a_district_spelled_in_another_case_takes_the_stored_spelling(tmp_path):
    src = tmp_path / "requests.csv"
    us_export(src, n=60)
    out = tmp_path / "city"
    subprocess.run(
        [*CLI, "Lakeside", "--from", str(src), "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=REPO_ROOT,
    )
    profile = load_profile(out / "city.toml")
    ingest(src, "complaints", out, profile, Mapping.load(out / "mapping.toml"))
    wifi = tmp_path / "hotspots.csv"
    wifi.write_text(
        "ap_id,site_name,site_type,lat,lon,kecamatan,status,coverage_radius_m\n"
        "H-1,Library,library,41.8,-87.7,North Side,active,50\n"
        "H-2,Park,park,41.8,-87.7,  west  side ,active,50\n"
        "H-3,Pier,park,41.8,-87.7,Lakefront,active,50\n"
    )
    report = ingest(wifi, "wifi", out, profile)
    assert report.notes == {
        "kecamatan spelled as the stored extracts spell it (e.g. 'North Side' as 'NORTH SIDE')": 2
    }
    got = (
        wall_times(read_stored(out, "wifi_points").to_pandas(), profile.timezone)
        .set_index("ap_id")
        .kecamatan.to_dict()
    )
    assert got == {"H-1": "NORTH SIDE", "H-2": "WEST SIDE", "H-3": "Lakefront"}
