"""`city init` on files with the traits of real exports it has never seen: CamelCase headers, a status
equal to ccdash's in another case, a repeated placeholder point, Spanish headers, headers that say
nothing (found by values), a camera list, a nested camera JSON. Each proposal ingests its sample."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ccdash.data.dataset import read_stored
from ccdash.data.ingest import Mapping, ingest
from ccdash.data.profile import load_profile
from tests.paths import REPO_ROOT

CLI = [sys.executable, "-m", "ccdash", "city", "init"]


def init(tmp_path, src, name="Rivertown"):
    out = tmp_path / "proposal"
    r = subprocess.run(
        [*CLI, name, "--from", str(src), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert r.returncode == 0, r.stderr
    return out, r.stdout


def trial(out, src, kind):
    """The proposal as written, ingested into a fresh folder: (report, stored rows)."""
    profile, mapping = load_profile(out / "city.toml"), Mapping.load(out / "mapping.toml")
    data = out / "data"
    report = ingest(src, kind, data, profile, mapping)
    table = {"complaints": "complaints", "cctv": "cctv_sites", "wifi": "wifi_points"}[kind]
    stored = read_stored(data, table)
    return report, stored.to_pandas() if hasattr(stored, "to_pandas") else stored


def camelcase_export(path, n=500, seed=5):
    """A US city's export: CamelCase headers, 'New' as a status, 9% of the rows at one placeholder
    point (the city hall a form defaults to)."""
    rng = np.random.default_rng(seed)
    created = pd.Timestamp("2026-09-01") + pd.to_timedelta(rng.integers(0, 50 * 86400, n), unit="s")
    lat, lon = rng.uniform(32.70, 32.90, n).round(6), rng.uniform(-97.40, -97.20, n).round(6)
    placeholder = rng.random(n) < 0.09
    lat[placeholder], lon[placeholder] = 32.7555, -97.3308
    df = pd.DataFrame(
        {
            "ServiceRequestNum": [f"{2600000 + i}" for i in range(n)],
            "DateCreated": created.strftime("%Y-%m-%d %H:%M:%S"),
            "DueDate": (created + pd.Timedelta(days=7)).strftime("%Y-%m-%d %H:%M:%S"),
            "LastUpdated": (created + pd.Timedelta(days=2)).strftime("%Y-%m-%d %H:%M:%S"),
            "StatusDescription": rng.choice(["New", "Closed", "In Progress"], n),
            "ProblemType": rng.choice(["Pothole", "Trash", "Streetlight"], n),
            "DepartmentName": rng.choice(["TPW", "Code"], n),
            "MethodReceived": rng.choice(["Phone", "App", "Web"], n),
            "CouncilDistrict": rng.choice(["1", "2", "10", "11"], n),
            "Latitude": lat,
            "Longitude": lon,
        }
    )
    df.to_csv(path, index=False)
    return df, int(placeholder.sum())


def test_camelcase_headers_a_status_in_another_case_and_a_placeholder_point(tmp_path):
    src = tmp_path / "SR_export.csv"
    raw, held = camelcase_export(src)
    out, stdout = init(tmp_path, src)
    mapping = Mapping.load(out / "mapping.toml")
    assert mapping.columns["complaint_id"] == "ServiceRequestNum"
    assert mapping.columns["due_at"] == "DueDate"
    assert mapping.columns["channel"] == "MethodReceived"
    assert mapping.columns["created_at"] == "DateCreated"
    assert mapping.values["status"]["New"] == "new"
    assert mapping.placeholder_points == [(32.7555, -97.3308)]
    # No closing date column: a closed request closes at its last update, as the proposal says.
    closed = int((raw.StatusDescription == "Closed").sum())
    assert mapping.closed_from == "LastUpdated"
    assert (
        f"{closed:,} closed rows have no closing time: mapping.toml takes it from LastUpdated"
        in stdout
    )
    assert f"{held:,} rows" in stdout and "share the point 32.7555, -97.3308" in stdout
    profile = load_profile(out / "city.toml")
    assert profile.timezone == "America/Chicago"  # proposed from the coordinates
    x0, y0, x1, y1 = profile.bbox
    assert x0 < -97.39 and x1 > -97.21 and y0 < 32.71 and y1 > 32.89
    report, stored = trial(out, src, "complaints")
    assert (report.accepted, report.rejected) == (len(raw), 0)
    assert stored.status.value_counts()["new"] == (raw.StatusDescription == "New").sum()
    assert stored.lat.isna().sum() == held  # the placeholder rows kept, off the maps
    assert report.notes == {"closed_at taken from LastUpdated (closed, no closing time)": closed}
    by_id = stored.set_index("complaint_id")
    closed_ids = raw.ServiceRequestNum[raw.StatusDescription == "Closed"]
    assert by_id.loc[closed_ids, "closed_at"].notna().all()


def test_spanish_headers(tmp_path):
    rng = np.random.default_rng(8)
    n = 300
    created = pd.Timestamp("2026-08-01") + pd.to_timedelta(rng.integers(0, 60 * 86400, n), unit="s")
    raw = pd.DataFrame(
        {
            "Folio": [f"F{i:06d}" for i in range(n)],
            "Fecha de creación": created.strftime("%d/%m/%Y %H:%M"),
            "Estado": rng.choice(["Abierta", "Cerrada", "En trámite", "Rechazada"], n),
            "Categoría": rng.choice(["Alumbrado", "Baches", "Basura"], n),
            "Dependencia": rng.choice(["Obras", "Aseo"], n),
            "Canal": rng.choice(["Teléfono", "Web"], n),
            "Comuna": rng.choice(["Comuna 1", "Comuna 2", "Comuna 10"], n),
            "Descripción": ["Hueco en la vía"] * n,
            "Latitud": rng.uniform(6.20, 6.30, n).round(6),
            "Longitud": rng.uniform(-75.62, -75.54, n).round(6),
        }
    )
    src = tmp_path / "pqrs.csv"
    raw.to_csv(src, index=False)
    out, _ = init(tmp_path, src, "Medellín")
    mapping = Mapping.load(out / "mapping.toml")
    assert mapping.columns == {
        "complaint_id": "Folio",
        "created_at": "Fecha de creación",
        "status": "Estado",
        "category": "Categoría",
        "agency": "Dependencia",
        "channel": "Canal",
        "kecamatan": "Comuna",
        "lat": "Latitud",
        "lon": "Longitud",
        "description": "Descripción",
    }
    assert mapping.values["status"] == {
        "Abierta": "new",
        "Cerrada": "resolved",
        "En trámite": "in_progress",
        "Rechazada": "rejected",
    }
    assert load_profile(out / "city.toml").timezone == "America/Bogota"
    report, _ = trial(out, src, "complaints")
    # Closed and rejected rows carry no closing time and nothing to take it from: rejected, each
    # case counted by its reason (never stored as open).
    closed = raw.Estado.isin(["Cerrada", "Rechazada"])
    assert (report.accepted, report.rejected) == (int((~closed).sum()), int(closed.sum()))
    assert report.reasons == {
        "closed_at is empty for a complaint with status 'resolved'": int(
            (raw.Estado == "Cerrada").sum()
        ),
        "closed_at is empty for a complaint with status 'rejected'": int(
            (raw.Estado == "Rechazada").sum()
        ),
    }


def test_columns_found_by_their_values_when_the_headers_say_nothing(tmp_path):
    rng = np.random.default_rng(9)
    n = 200
    created = pd.Timestamp("2026-07-01") + pd.to_timedelta(rng.integers(0, 30 * 86400, n), unit="s")
    raw = pd.DataFrame(
        {
            "c1": rng.permutation(np.arange(5000, 5000 + n)).astype(str),
            "c2": created.strftime("%d.%m.%Y %H:%M"),
            "c3": rng.uniform(-6.95, -6.85, n).round(6),
            "c4": rng.uniform(107.55, 107.70, n).round(6),
            "category": rng.choice(["a", "b"], n),
        }
    )
    src = tmp_path / "export.csv"
    raw.to_csv(src, index=False)
    out, stdout = init(tmp_path, src)
    mapping = Mapping.load(out / "mapping.toml")
    assert mapping.columns["complaint_id"] == "c1"
    assert mapping.columns["created_at"] == "c2"
    assert (mapping.columns["lat"], mapping.columns["lon"]) == ("c3", "c4")
    text = (out / "mapping.toml").read_text()
    assert 'complaint_id = "c1"  # found by its values (every value different)' in text
    assert "ISO 8601 (reads 0.0%)" not in stdout


def test_a_camera_list_gets_a_camera_mapping_and_a_camera_only_profile(tmp_path):
    rng = np.random.default_rng(4)
    n = 60
    raw = pd.DataFrame(
        {
            "kode_kamera": [f"CAM-{i:03d}" for i in range(n)],
            "nama_lokasi": [f"Simpang {i}" for i in range(n)],
            "latitude": rng.uniform(-2.25, -2.15, n).round(6),
            "longitude": rng.uniform(113.85, 113.95, n).round(6),
            "kondisi": rng.choice(["Aktif", "Mati", "Perbaikan"], n),
        }
    )
    src = tmp_path / "daftar_cctv.csv"
    raw.to_csv(src, index=False)
    out, stdout = init(tmp_path, src, "Palangka Raya")
    assert "read as: cctv_sites" in stdout
    profile = load_profile(out / "city.toml")
    assert profile.layers == {"complaints": False, "cctv": True, "wifi": False}
    assert profile.timezone == "Asia/Jakarta" or profile.timezone == "Asia/Pontianak"
    mapping = Mapping.load(out / "mapping.toml")
    assert (
        mapping.columns["camera_id"] == "kode_kamera" and mapping.columns["name"] == "nama_lokasi"
    )
    assert mapping.values["status"] == {
        "Aktif": "online",
        "Mati": "offline",
        "Perbaikan": "maintenance",
    }
    # The one edit the proposal asks for: the district polygons (the list names no district).
    assert "no district column: rows are placed by their point" in stdout
    square = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Pahandut"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[113.8, -2.3], [114.0, -2.3], [114.0, -2.1], [113.8, -2.1], [113.8, -2.3]]
                    ],
                },
            }
        ],
    }
    (out / "districts.geojson").write_text(json.dumps(square))
    toml = out / "city.toml"
    toml.write_text(
        toml.read_text()
        .replace('# districts_file = "districts.geojson"', 'districts_file = "districts.geojson"')
        .replace('# districts_name_property = "name"', 'districts_name_property = "name"')
    )
    report, stored = trial(out, src, "cctv")
    assert (report.accepted, report.rejected) == (n, 0)
    assert set(stored.kecamatan) == {"Pahandut"}
    got = dict(zip(stored.camera_id, stored.status))
    want = {"Aktif": "online", "Mati": "offline", "Perbaikan": "maintenance"}
    assert got == {c: want[k] for c, k in zip(raw.kode_kamera, raw.kondisi)}


@pytest.mark.parametrize("gz", [False, True])
def test_a_nested_camera_json_gets_a_select_for_its_records(tmp_path, gz):
    rng = np.random.default_rng(6)
    doc = {
        "districts": [
            {
                "name": f"Quận {d}",
                "cameras": [
                    {
                        "id": f"HCM-{d}-{i}",
                        "title": f"Ngã tư {d}.{i}",
                        "location": {
                            "coordinates": {
                                "lat": float(rng.uniform(10.7, 10.85)),
                                "lng": float(rng.uniform(106.6, 106.75)),
                            }
                        },
                        "status": {"label": str(rng.choice(["online", "offline"]))},
                    }
                    for i in range(5)
                ],
            }
            for d in range(1, 5)
        ]
    }
    src = tmp_path / ("camera_api.json.gz" if gz else "camera_api.json")
    data = json.dumps(doc).encode()
    src.write_bytes(gzip.compress(data) if gz else data)
    out, stdout = init(tmp_path, src, "Hồ Chí Minh")
    assert "records found inside the JSON" in stdout
    text = (out / "mapping.toml").read_text()
    assert "unnest(source.districts) AS t(p)" in text and "unnest(p.cameras) AS u(r)" in text
    assert load_profile(out / "city.toml").timezone == "Asia/Ho_Chi_Minh"
    report, stored = trial(out, src, "cctv")
    assert (report.accepted, report.rejected) == (20, 0)
    cams = [c for d in doc["districts"] for c in d["cameras"]]
    by_id = stored.set_index("camera_id")
    for c in cams:
        assert by_id.loc[c["id"], "name"] == c["title"]
        assert by_id.loc[c["id"], "lat"] == pytest.approx(c["location"]["coordinates"]["lat"])
        assert by_id.loc[c["id"], "lon"] == pytest.approx(c["location"]["coordinates"]["lng"])
