"""A bad profile or mapping gets one line naming the file, the key and what is expected (checked against a
JSON Schema), at load: on the command line and on every page, never a traceback."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from ccdash.data.ingest import IngestError, Mapping
from ccdash.data.profile import ProfileError, load_profile
from tests.apptest import desk_app
from tests.paths import DEMO_DIR, MAPPINGS_DIR, PROFILES_DIR

CITY = (DEMO_DIR / "city.toml").read_text()


def edited(tmp_path, old: str, new: str):
    """The demo profile with one edit, in a folder with its files."""
    assert re.search(old, CITY, flags=re.M), old
    d = tmp_path / "city"
    shutil.copytree(DEMO_DIR, d)
    (d / "city.toml").write_text(re.sub(old, new, CITY, count=1, flags=re.M))
    return d / "city.toml"


PROFILE_CASES = [
    (
        r'^timezone = "Asia/Jakarta"',
        'timezone = "Asia/Jakarat"',
        "[city] timezone: 'Asia/Jakarat' is not a time zone (did you mean 'Asia/Jakarta'?)",
    ),
    (
        r'^districts_file = "districts.geojson"',
        'districts_file = "kota.geojson"',
        "[map] districts_file: 'kota.geojson' does not exist in",
    ),
    (
        r'^captions_file = "tour.toml"',
        'captions_file = "tur.toml"',
        "[tour] captions_file: 'tur.toml' does not exist in",
    ),
    (
        r'^timezone_label = "WIB"',
        'timezone_lable = "WIB"',
        "[city]: 'timezone_lable' is not a key here; known: clock,",
    ),
    (
        r"^bbox = .*$",
        "bbox = [107.53, -6.98, 107.76]",
        "[map] bbox: [107.53, -6.98, 107.76] is too short "
        "(expected [min_lon, min_lat, max_lon, max_lat])",
    ),
    (
        r"^bbox = .*$",
        "bbox = [107.76, -6.98, 107.53, -6.83]",
        "[map] bbox: [107.76, -6.98, 107.53, -6.83] has a minimum above its maximum",
    ),
    (
        r'^  \{ view = "cctv", seconds = 20 \},',
        '  { view = "cameras", seconds = 20 },',
        "[wall] playlist[2].view: 'cameras' is not one of ['overview', 'complaints', 'cctv', 'wifi', 'alerts']",
    ),
    (
        r"^h3_resolution = 10",
        "h3_resolution = 12",
        "[coverage] h3_resolution: 12 is greater than the maximum of 11",
    ),
    (r'^clock = "data"', 'clock = "wall"', "[city] clock: 'wall' is not one of ['data', 'system']"),
    (
        r"^district = \{.*$",
        'district = "Kecamatan"',
        "[words] district: 'Kecamatan' is not of type 'object' "
        '(expected a table of labels by language, e.g. { id = "Indonesian", en = "English" })',
    ),
    (r"^\[thresholds\]", "[thresholds]\nearliest = 2000", None),  # any number is a threshold
    (
        r"^\[thresholds\]",
        '[ingest]\nearliest = "last year"\n[thresholds]',
        "[ingest] earliest: 'last year' is not a 'date' (expected a date, YYYY-MM-DD)",
    ),
    (r'^name = "Kota Bandung"', "", "[city]: 'name' is a required property"),
    (
        r"^\[layers\]|^\[tour\]",
        '[layers]\ncctv = "no"\n[tour]',
        "[layers] cctv: 'no' is not of type 'boolean'",
    ),
    (r"^\[map\]", "[maps]\nzoom = 3\n[map]", "(top level): 'maps' is not a key here"),
    # Alert settings out of range made every category a HIGH spike: refused, with the range.
    (r"^baseline_days = 28", "baseline_days = 0", "[alerts] baseline_days: 0 is less than"),
    (r"^p_threshold = 0.0001", "p_threshold = 2.0", "[alerts] p_threshold: 2.0 is greater than"),
    (r"^min_ratio = 2.0", "min_ratio = 0.5", "[alerts] min_ratio: 0.5 is less than"),
]


@pytest.mark.parametrize("old, new, message", PROFILE_CASES)
def test_a_bad_profile_names_the_file_and_key(tmp_path, old, new, message):
    path = edited(tmp_path, old, new)
    if message is None:
        load_profile(path)
        return
    with pytest.raises(ProfileError) as e:
        load_profile(path)
    line = str(e.value)
    assert line.startswith(f"city profile {path}: ")
    assert message in line
    assert "\n" not in line


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[dates]\ntimezone = "US/Eastern Time"\n',
            "[dates] timezone: 'US/Eastern Time' is not a time zone",
        ),
        (
            '[dates]\nformt = "%d/%m/%Y"\n',
            "[dates]: 'formt' is not a key here; known: columns, format, timezone",
        ),
        (
            "[placeholders]\npoints = [[39, -77, 0]]\n",
            "[placeholders] points[0]: [39, -77, 0] is too long",
        ),
        ("[columns]\ncreated_at = 3\n", "[columns] created_at: 3 is not of type 'string'"),
        (
            '[patterns.status]\n"[open" = "new"\n',
            "[patterns] status: '[open' is not a valid regular expression",
        ),
    ],
)
def test_a_bad_mapping_names_the_file_and_key(tmp_path, text, message):
    p = tmp_path / "m.toml"
    p.write_text(text)
    with pytest.raises(IngestError) as e:
        Mapping.load(p)
    assert str(e.value).startswith(f"mapping file {p}: ")
    assert message in str(e.value)


def test_the_shipped_profiles_and_mappings_are_valid():
    for p in [DEMO_DIR / "city.toml", *(PROFILES_DIR).glob("*.toml")]:
        load_profile(p)
    for p in (MAPPINGS_DIR).glob("*.toml"):
        Mapping.load(p)


def test_the_cli_and_the_app_say_it_in_one_line(monkeypatch, tmp_path):
    path = edited(tmp_path, r'^timezone = "Asia/Jakarta"', 'timezone = "Asia/Jakarat"')
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "ccdash",
            "ingest",
            "--kind",
            "complaints",
            str(path),
            "--profile",
            str(path),
            "--data-dir",
            str(path.parent),
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2
    assert r.stderr.strip().startswith("error: city profile") and "[city] timezone" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1

    monkeypatch.setenv("CCDASH_DATA_DIR", str(path.parent))
    for params in ({}, {"mode": "wall"}, {"tour": "1"}):
        at = desk_app(60)
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception
        assert (
            len(at.error) == 1
            and "[city] timezone: 'Asia/Jakarat' is not a time zone" in at.error[0].value
        )


def test_a_profile_saved_with_a_byte_order_mark_is_read(tmp_path):
    """Windows editors write one; it used to fail with "Invalid statement (line 1, column 1)"."""
    path = edited(tmp_path, r"^\[city\]", "[city]")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_profile(path).name == "Kota Bandung"
