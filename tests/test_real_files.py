"""Real public extracts from ../shared ingest through the shipped mappings (skipped without ../shared)."""

from __future__ import annotations

import json

import pandas as pd

from ccdash.data.dataset import read_stored
from ccdash.data.ingest import Mapping, ingest
from ccdash.data.profile import load_profile
from tests.paths import DEMO_DIR, MAPPINGS_DIR, PROFILES_DIR, wall_times

from .conftest import needs_shared


def test_nyc_311_through_its_mapping(tmp_path):
    src = needs_shared("nyc-311-sample", "311_Service_Requests.csv")
    profile = load_profile(PROFILES_DIR / "nyc.toml")
    report = ingest(
        src, "complaints", tmp_path, profile, Mapping.load(MAPPINGS_DIR / "nyc311.toml")
    )
    raw = pd.read_csv(src, dtype=str)
    # Independent expectation: the only unusable row is the one with neither borough nor coordinates.
    unusable = (raw.borough == "Unspecified") & raw.latitude.isna()
    assert report.rows_read == len(raw) == 1000
    assert report.rejected == unusable.sum() == 1
    assert report.reasons == {"no kecamatan and no coordinates": 1}
    rejects = pd.read_csv(report.rejects_file, dtype=str)
    assert rejects.unique_key.tolist() == raw.unique_key[unusable].tolist()
    got = wall_times(read_stored(tmp_path, "complaints").to_pandas(), profile.timezone).set_index(
        "complaint_id"
    )
    assert len(got) == 999
    expected_status = raw.set_index("unique_key").status.map(
        {
            "Open": "new",
            "Assigned": "dispatched",
            "In Progress": "in_progress",
            "Closed": "resolved",
        }
    )
    assert (got.status == expected_status.reindex(got.index)).all()
    assert (
        got.channel.value_counts().to_dict()
        == raw[~unusable]
        .open_data_channel_type.map(
            {"ONLINE": "online", "PHONE": "phone_311", "MOBILE": "mobile", "UNKNOWN": "other"}
        )
        .value_counts()
        .to_dict()
    )
    first = raw.iloc[0]
    assert got.loc[first.unique_key, "created_at"] == pd.Timestamp(first.created_date)
    # No due date in the source: the profile's default SLA (5 days) applies.
    assert got.loc[first.unique_key, "due_at"] == pd.Timestamp(first.created_date) + pd.Timedelta(
        days=5
    )


def test_bandung_cctv_list_with_real_boundaries(tmp_path):
    src = needs_shared("bandung-cctv", "cctvs.json")
    osm = needs_shared("bandung-kecamatan-osm", "kecamatan_bandung.geojson")
    # A profile that names the real OpenStreetMap boundaries instead of the demo's approximate cells.
    city = tmp_path / "city"
    city.mkdir()
    text = (DEMO_DIR / "city.toml").read_text()
    text = text.replace('districts_file = "districts.geojson"', f'districts_file = "{osm}"')
    text = text.replace('districts_name_property = "kecamatan"', 'districts_name_property = "name"')
    text = text.replace(
        'facts_file = "kecamatan.csv"', f'facts_file = "{DEMO_DIR / "kecamatan.csv"}"'
    )
    text = text.replace(
        'captions_file = "tour.toml"', f'captions_file = "{DEMO_DIR / "tour.toml"}"'
    )
    (city / "city.toml").write_text(text)
    profile = load_profile(city / "city.toml")
    report = ingest(
        src,
        "cctv",
        city,
        profile,
        Mapping.load(MAPPINGS_DIR / "bandung_cctv.toml"),
        replace=True,
    )
    raw = pd.DataFrame(json.loads(src.read_text()))
    got = wall_times(read_stored(city, "cctv_sites").to_pandas(), profile.timezone)
    assert report.rows_read == len(raw) == 528
    assert report.accepted + report.rejected == 528
    # SOURCE.md: 451 Kota Bandung cameras, 448 of them inside the OSM polygons, 3 outside.
    in_city = got.camera_id.isin(raw.id[raw.region == "Kota Bandung"])
    assert in_city.sum() == 448
    counts = got[in_city].kecamatan.value_counts()
    assert counts.nunique() > 1 and counts["Coblong"] == 48 and counts["Regol"] == 47
    assert set(got.kind) <= {"traffic_atcs", "public_safety"}
    assert (got.status == "unknown").all() and (got.view_radius_m == 100).all()
    assert set(report.reasons) <= {
        "outside the city's bounding box",
        "no kecamatan, and the point is in no district",
    }


def test_nyc_311_metrics_match_an_independent_computation(tmp_path):
    """The KPI definitions on a real city's export, against pandas working from the raw CSV."""
    from ccdash.data.store import Store
    from ccdash.metrics import complaints
    from ccdash.metrics.filters import Filters

    from .test_queries import assert_kpis_match, expected_kpis

    src = needs_shared("nyc-311-sample", "311_Service_Requests.csv")
    profile = load_profile(PROFILES_DIR / "nyc.toml")
    ingest(src, "complaints", tmp_path, profile, Mapping.load(MAPPINGS_DIR / "nyc311.toml"))
    raw = pd.read_csv(src, dtype=str)
    raw = raw[~((raw.borough == "Unspecified") & raw.latitude.isna())]
    created = pd.to_datetime(raw.created_date)
    frame = pd.DataFrame(
        {
            "created_at": created,
            # The mapping's [closing] rule: a Closed request without closed_date closes at its
            # resolution's update time.
            "closed_at": pd.to_datetime(raw.closed_date).fillna(
                pd.to_datetime(raw.resolution_action_updated_date).where(raw.status == "Closed")
            ),
            "due_at": pd.to_datetime(raw.due_date).fillna(created + pd.Timedelta(days=5)),
            "status": raw.status.map(
                {
                    "Open": "new",
                    "Assigned": "dispatched",
                    "In Progress": "in_progress",
                    "Started": "in_progress",
                    "Pending": "in_progress",
                    "Closed": "resolved",
                    "Unspecified": "new",
                }
            ),
            "kecamatan": raw.borough,
            "category": raw.complaint_type,
            "agency": raw.agency,
            "channel": raw.open_data_channel_type,
        }
    )
    store = Store(tmp_path, None, timezone=profile.timezone)
    at = complaints.latest_complaint(store)
    for f in (
        Filters(),
        Filters(start=(at - pd.Timedelta(days=1)).date(), end=at.date()),
        Filters(kecamatan=("BROOKLYN",), agency=("NYPD",)),
    ):
        got = complaints.kpis(store, f, at)
        expected = expected_kpis(frame, f, pd.Timestamp(at))
        assert got["resolved"] > 0 or f.kecamatan
        assert_kpis_match(got, expected)
    store.close()
