"""A mapping's select: exports that needed a program before (nested JSON, a "lon,lat" field, a list
in a cell, several agencies in one cell, a closing time derived from the status, two camera lists
of one city) read through a mapping alone, with the same validation, rejects and reports as any
file; and the select cannot read anything but the given files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ccdash.data.dataset import read_stored
from ccdash.data.ingest import IngestError, Mapping, ingest
from tests.test_ingest import snapshot

CAMERA_API = {
    "meta": {"count": 3},
    "districts": [
        {
            "name": "Coblong",
            "cameras": [
                {
                    "id": "api-1",
                    "title": "Simpang Dago",
                    "location": {"coordinates": {"lat": -6.885, "lng": 107.615}},
                    "status": {"label": "ONLINE"},
                    "attributes": {"camera_type": "traffic_atcs"},
                },
                {
                    "id": "api-2",
                    "title": "Taman <b>Cikapayang</b>",
                    "location": {"coordinates": {"lat": -6.889, "lng": 107.612}},
                    "status": {"label": "OFFLINE"},
                    "attributes": {"camera_type": "public_safety"},
                },
            ],
        },
        {"name": "Sukajadi", "cameras": []},
        {
            "name": "Cicendo",
            "cameras": [
                {
                    "id": "api-3",
                    "title": "Pasteur",
                    "location": {"coordinates": {"lat": -6.894, "lng": 107.59}},
                    "status": {"label": "MAINTENANCE"},
                    "attributes": {"camera_type": "traffic_atcs"},
                }
            ],
        },
    ],
}

CAMERA_SELECT = '''
select = """
SELECT c.id AS camera_id, c.title AS name, d.name AS kecamatan,
       c.location.coordinates.lat AS lat, c.location.coordinates.lng AS lon,
       lower(c.status.label) AS status, c.attributes.camera_type AS kind
FROM source, unnest(districts) AS t(d), unnest(d.cameras) AS u(c)
"""
'''


def mapping(tmp_path, text: str, name: str = "mapping.toml") -> Mapping:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return Mapping.load(p)


def cameras(city) -> pd.DataFrame:
    return read_stored(city, "cctv_sites").to_pandas().set_index("camera_id")


def test_a_camera_api_response_nested_in_arrays_and_objects(writable_city, profile, tmp_path):
    (tmp_path / "cams.json").write_text(json.dumps(CAMERA_API), encoding="utf-8")
    before = cameras(writable_city)
    report = ingest(
        tmp_path / "cams.json",
        "cctv",
        writable_city,
        profile,
        mapping(tmp_path, CAMERA_SELECT),
    )
    assert (report.rows_read, report.accepted, report.rejected) == (3, 3, 0)
    after = cameras(writable_city)
    assert len(after) == len(before) + 3
    # Every stored field equals the nested value it came from.
    for district in CAMERA_API["districts"]:
        for cam in district["cameras"]:
            row = after.loc[cam["id"]]
            assert row["name"] == cam["title"]  # stored as text, never markup
            assert row.kecamatan == district["name"]
            assert row.lat == pytest.approx(cam["location"]["coordinates"]["lat"])
            assert row.lon == pytest.approx(cam["location"]["coordinates"]["lng"])
            assert row.status == cam["status"]["label"].lower()
            assert row.kind == cam["attributes"]["camera_type"]


COMPLAINTS_EXPORT = """\
ticket,opened,last_activity,state,tags,departments,position,district
K-1,2026-11-01 08:00:00,2026-11-02 09:30:00,finished,"{road,sidewalk}","DSDABM, DISHUB","107.6154,-6.8848",Coblong
K-2,2026-11-03 10:30:00,2026-11-03 11:00:00,open,"{waste}",DLH,"107.6126,-6.9401",Lengkong
K-3,2026-11-04 11:00:00,2026-11-05 16:00:00,in progress,"{flooding,road}","DSDABM,DLH","107.6300,-6.9500",Kiaracondong
K-4,2026-11-05 07:15:00,2026-11-06 08:00:00,finished,"{street_light}",,"107.6000,-6.9000",Cicendo
K-5,2026-11-06 09:00:00,,open,"{waste}",DLH,"not a point",Coblong
"""

COMPLAINTS_SELECT = '''
select = """
SELECT ticket AS complaint_id,
       opened AS created_at,
       CASE WHEN state = 'finished' THEN last_activity END AS closed_at,
       CASE state WHEN 'finished' THEN 'resolved' WHEN 'open' THEN 'new'
                  ELSE replace(state, ' ', '_') END AS status,
       split_part(trim(tags, '{}'), ',', 1) AS category,
       nullif(trim(split_part(departments, ',', 1)), '') AS agency,
       'lapor' AS channel,
       district AS kecamatan,
       try_cast(split_part(position, ',', 2) AS DOUBLE) AS lat,
       try_cast(split_part(position, ',', 1) AS DOUBLE) AS lon,
       CASE WHEN position IS NOT NULL AND try_cast(split_part(position, ',', 2) AS DOUBLE) IS NULL
            THEN 'unreadable' END AS position_problem
FROM source
"""

[values.status]
in_progress = "in_progress"
'''


def test_a_point_in_one_field_a_list_in_a_cell_agencies_in_one_cell_and_a_derived_close(
    writable_city, profile, tmp_path
):
    (tmp_path / "export.csv").write_text(COMPLAINTS_EXPORT, encoding="utf-8")
    report = ingest(
        tmp_path / "export.csv",
        "complaints",
        writable_city,
        profile,
        mapping(tmp_path, COMPLAINTS_SELECT),
    )
    assert (report.rows_read, report.accepted, report.rejected) == (5, 5, 0)
    rows = read_stored(writable_city, "complaints").to_pandas().set_index("complaint_id")
    raw = pd.read_csv(tmp_path / "export.csv", dtype=str).set_index("ticket")
    for ticket, r in raw.iterrows():
        got = rows.loc[ticket]
        assert got.category == r.tags.strip("{}").split(",")[0]
        first_agency = (
            (r.departments or "").split(",")[0].strip() if isinstance(r.departments, str) else ""
        )
        # a blank agency is the category's agency from the profile
        expected_agency = first_agency or profile.categories[got.category].agency
        assert got.agency == expected_agency
        if r.state == "finished":
            assert pd.Timestamp(got.closed_at).tz_convert(profile.timezone).tz_localize(None) == (
                pd.Timestamp(r.last_activity)
            )
        else:  # the last activity of an open complaint is not its close
            assert pd.isna(got.closed_at)
        lon, _, lat = r.position.partition(",")
        if ticket == "K-5":  # "not a point": kept without a point, found by its district
            assert pd.isna(got.lat) and got.kecamatan == "Coblong"
        else:
            assert got.lat == pytest.approx(float(lat)) and got.lon == pytest.approx(float(lon))
    assert rows.loc["K-3"].status == "in_progress"


def test_a_list_in_a_cell_exploded_into_rows(writable_city, profile, tmp_path):
    (tmp_path / "export.csv").write_text(COMPLAINTS_EXPORT, encoding="utf-8")
    exploded = COMPLAINTS_SELECT.replace(
        "SELECT ticket AS complaint_id",
        "SELECT ticket || '-' || tag AS complaint_id",
    ).replace("split_part(trim(tags, '{}'), ',', 1) AS category", "tag AS category")
    exploded = exploded.replace(
        "FROM source", "FROM source, unnest(string_split(trim(tags, '{}'), ',')) AS t(tag)"
    )
    report = ingest(
        tmp_path / "export.csv", "complaints", writable_city, profile, mapping(tmp_path, exploded)
    )
    tags = pd.read_csv(tmp_path / "export.csv", dtype=str).tags.str.strip("{}").str.split(",")
    assert report.rows_read == sum(len(t) for t in tags) == 7
    stored = read_stored(writable_city, "complaints").to_pandas().set_index("complaint_id")
    raw = pd.read_csv(tmp_path / "export.csv", dtype=str)
    for ticket, t in zip(raw.ticket, tags):
        for tag in t:  # one row per list item, its category that item
            assert stored.loc[f"{ticket}-{tag}"].category == tag
    assert report.accepted == 7


def test_two_camera_lists_one_without_ids_through_one_mapping(writable_city, profile, tmp_path):
    (tmp_path / "speed.csv").write_text(
        "id,location,lat,lon\nS-1,Jl. Pasteur,-6.894,107.59\nS-2,Jl. Soekarno-Hatta,-6.94,107.62\n"
    )
    (tmp_path / "red_light.csv").write_text(
        "location,lat,lon\nSimpang Dago,-6.885,107.615\nSimpang Lima,-6.92,107.62\n"
    )
    text = '''
select = """
SELECT coalesce(id, 'RL-' || substr(md5(lat || ',' || lon), 1, 10)) AS camera_id,
       location AS name, lat, lon, 'online' AS status,
       CASE WHEN source_file LIKE 'red_light%' THEN 'traffic_atcs' ELSE 'traffic_atcs' END AS kind
FROM source
"""
'''
    files = [tmp_path / "speed.csv", tmp_path / "red_light.csv"]
    report = ingest(files, "cctv", writable_city, profile, mapping(tmp_path, text))
    assert (report.rows_read, report.accepted) == (4, 4)
    assert report.source == "speed.csv + red_light.csv"
    stored = cameras(writable_city)
    assert {"S-1", "S-2"} <= set(stored.index)
    red = stored[stored.index.str.startswith("RL-")]
    assert sorted(red["name"]) == ["Simpang Dago", "Simpang Lima"]
    # The same list again: the derived ids are stable, so it replaces, never duplicates.
    again = ingest(files, "cctv", writable_city, profile, mapping(tmp_path, text))
    assert again.replaced == 4 and len(cameras(writable_city)) == len(stored)


def test_several_files_without_a_select_are_refused(writable_city, profile, tmp_path):
    for n in ("a.csv", "b.csv"):
        (tmp_path / n).write_text("x,y\n1,2\n")
    with pytest.raises(IngestError, match="several files are read as one only by a mapping"):
        ingest([tmp_path / "a.csv", tmp_path / "b.csv"], "cctv", writable_city, profile)


def test_select_rejects_keep_row_numbers_and_reasons(writable_city, profile, tmp_path):
    (tmp_path / "cams.json").write_text(json.dumps(CAMERA_API), encoding="utf-8")
    text = CAMERA_SELECT.replace(
        "lower(c.status.label)",
        "CASE c.id WHEN 'api-2' THEN 'broken' ELSE lower(c.status.label) END",
    )
    report = ingest(tmp_path / "cams.json", "cctv", writable_city, profile, mapping(tmp_path, text))
    assert (report.accepted, report.rejected) == (2, 1)
    rejects = pd.read_csv(report.rejects_file, dtype=str)
    assert rejects.columns[:2].tolist() == ["row", "reason"]
    assert rejects.camera_id.tolist() == ["api-2"] and rejects.row.iloc[0] in {"1", "2", "3"}
    assert "broken" in rejects.reason.iloc[0] and report.reasons == {rejects.reason.iloc[0]: 1}
    assert "api-2" not in set(cameras(writable_city).index)


@pytest.mark.parametrize(
    "sql, message",
    [
        ("DROP TABLE source", "a SELECT expected, found DROP"),
        ("SELECT 1; SELECT 2", "one statement expected, found 2"),
        ("SELEC id FROM source", "not valid SQL"),
    ],
)
def test_a_select_that_is_not_one_query_is_refused_when_the_mapping_is_read(tmp_path, sql, message):
    with pytest.raises(IngestError, match=message):
        mapping(tmp_path, f'select = "{sql}"\n')


def test_the_select_reads_nothing_but_the_given_file(writable_city, profile, tmp_path):
    (tmp_path / "cams.json").write_text(json.dumps(CAMERA_API), encoding="utf-8")
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,2\n")
    before = snapshot(writable_city)
    for sql in (
        f"SELECT * FROM read_csv('{secret}')",
        "SELECT * FROM read_text('/etc/hostname')",
        "INSTALL httpfs",
    ):
        with pytest.raises(IngestError) as e:
            ingest(
                tmp_path / "cams.json",
                "cctv",
                writable_city,
                profile,
                mapping(tmp_path, f'select = "{sql}"\n'),
            )
        assert "1,2" not in str(e.value)
    assert snapshot(writable_city) == before


def test_a_renamed_field_is_named_and_nothing_changes(writable_city, profile, tmp_path):
    changed = json.loads(json.dumps(CAMERA_API).replace('"location"', '"position"'))
    (tmp_path / "cams.json").write_text(json.dumps(changed), encoding="utf-8")
    before = snapshot(writable_city)
    with pytest.raises(IngestError, match="location") as e:
        ingest(
            tmp_path / "cams.json", "cctv", writable_city, profile, mapping(tmp_path, CAMERA_SELECT)
        )
    assert "cams.json: the mapping's select failed" in str(e.value)
    assert str(tmp_path) not in str(e.value)  # no staging or server path in the line
    assert snapshot(writable_city) == before


def test_latitude_and_longitude_as_strings_inside_an_object(writable_city, profile, tmp_path):
    lines = [
        {"code": "HCM-1", "label": "Ben Thanh", "latlon": {"lat": "-6.90", "lon": "107.60"}},
        {"code": "HCM-2", "label": "Nguyen Hue", "latlon": {"lat": "-6.91", "lon": "107.61"}},
    ]
    (tmp_path / "cams.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    text = '''
select = """
SELECT code AS camera_id, label AS name, latlon.lat AS lat, latlon.lon AS lon,
       'unknown' AS status, 'public_safety' AS kind
FROM source
"""
'''
    report = ingest(
        tmp_path / "cams.jsonl", "cctv", writable_city, profile, mapping(tmp_path, text)
    )
    assert report.accepted == 2
    stored = cameras(writable_city)
    for r in lines:
        assert stored.loc[r["code"]].lat == pytest.approx(float(r["latlon"]["lat"]))
        assert stored.loc[r["code"]].lon == pytest.approx(float(r["latlon"]["lon"]))


@pytest.mark.parametrize("form", ["json.gz", "parquet"])
def test_a_select_reads_gzipped_json_and_parquet(writable_city, profile, tmp_path, form):
    import gzip

    if form == "parquet":
        rows = [
            {"cid": "P-1", "nm": "Dago", "la": -6.885, "lo": 107.615},
            {"cid": "P-2", "nm": "Pasteur", "la": -6.894, "lo": 107.59},
        ]
        pd.DataFrame(rows).to_parquet(tmp_path / "cams.parquet")
        text = (
            'select = "SELECT cid AS camera_id, nm AS name, la AS lat, lo AS lon, '
            "'online' AS status, 'public_safety' AS kind FROM source\"\n"
        )
        expected = {r["cid"]: (r["la"], r["lo"]) for r in rows}
    else:
        (tmp_path / "cams.json.gz").write_bytes(gzip.compress(json.dumps(CAMERA_API).encode()))
        text = CAMERA_SELECT
        expected = {
            c["id"]: (c["location"]["coordinates"]["lat"], c["location"]["coordinates"]["lng"])
            for d in CAMERA_API["districts"]
            for c in d["cameras"]
        }
    report = ingest(
        tmp_path / f"cams.{form}", "cctv", writable_city, profile, mapping(tmp_path, text)
    )
    assert report.accepted == len(expected)
    stored = cameras(writable_city)
    for cid, (lat, lon) in expected.items():
        assert (stored.loc[cid].lat, stored.loc[cid].lon) == pytest.approx((lat, lon))
