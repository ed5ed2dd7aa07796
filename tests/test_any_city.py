"""A city with nothing but a complaints extract and a profile: every page works, with one-line notices."""

from __future__ import annotations

import re
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import desk_app

DESK = ["overview", "complaints", "cctv", "wifi", "coverage", "data"]


def bare_city(src, dst, layers: str = "") -> None:
    """Complaints only: no polygons, population, CCTV, wifi or tour captions."""
    dst.mkdir()
    shutil.copy(src / "complaints.parquet", dst / "complaints.parquet")
    toml = (src / "city.toml").read_text()
    toml = re.sub(
        r"(?m)^(districts_file|facts_file|districts_name_property|captions_file)\s*=.*$", "", toml
    )
    (dst / "city.toml").write_text(toml + layers)


def app(monkeypatch, directory, **params) -> AppTest:
    monkeypatch.setenv("CCDASH_DATA_DIR", str(directory))
    at = desk_app(60)
    for k, v in {"lang": "en", **params}.items():
        at.query_params[k] = v
    at.run()
    return at


def page(at, name):
    if name != "overview":
        at.switch_page(f"app_pages/{name}.py").run()
    return at


def test_a_city_that_says_it_has_no_cctv_or_wifi(monkeypatch, city_dir, tmp_path):
    bare_city(city_dir, tmp_path / "city", "\n[layers]\ncctv = false\nwifi = false\n")
    at = app(monkeypatch, tmp_path / "city")
    assert not at.exception
    assert not [
        w for w in at.warning if "Data problem" in w.value
    ]  # no banner for what the city does not have
    assert not [m for m in at.metric if "CCTV" in m.label or "Wifi" in m.label]
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/cctv.py")
    for name in ("complaints", "data"):
        assert not page(app(monkeypatch, tmp_path / "city"), name).exception
    for view in ("overview", "complaints", "alerts"):
        wall = app(monkeypatch, tmp_path / "city", mode="wall", view=view)
        assert not wall.exception and not wall.error
        assert "_panel_failures" not in wall.session_state
    wall = app(monkeypatch, tmp_path / "city", mode="wall")
    assert [v for v, _ in wall.session_state["_playlist"]] == ["overview", "complaints", "alerts"]


@pytest.mark.parametrize(
    "name, notice",
    [
        ("cctv", "No cctv_sites extract: add one with `python -m ccdash ingest --kind cctv FILE`"),
        ("wifi", "No wifi_points extract: add one with `python -m ccdash ingest --kind wifi FILE`"),
        ("coverage", "No district polygons: this needs `[map] districts_file`"),
    ],
)
def test_a_missing_input_is_named_in_one_line_not_drawn_empty(
    monkeypatch, city_dir, tmp_path, name, notice
):
    bare_city(city_dir, tmp_path / "city")
    at = page(app(monkeypatch, tmp_path / "city"), name)
    assert not at.exception
    assert any(i.value.startswith(notice) for i in at.info), [i.value for i in at.info]
    assert not at.get("plotly_chart") and not at.get("deck_gl_json_chart")


def test_the_tour_tells_a_default_story_without_a_captions_file(monkeypatch, city_dir, tmp_path):
    bare_city(city_dir, tmp_path / "city", "\n[layers]\ncctv = false\nwifi = false\n")
    name = re.search(r'(?m)^name = "(.*)"', (tmp_path / "city" / "city.toml").read_text()).group(1)
    for step, title in (
        (1, f"{name} in numbers"),
        (2, "Where residents report"),
        (3, "How a complaint travels"),
    ):
        at = app(monkeypatch, tmp_path / "city", tour="1", step=str(step))
        assert not at.exception and not at.error
        assert title in [t.value for t in at.text]
    bar = app(monkeypatch, tmp_path / "city", tour="1").get("progress")[0].proto.text
    assert bar.startswith("Step 1 of 4 · next in ")  # three views, then the closing slide


def test_wifi_without_bandwidth_or_usage_is_ingested_and_each_panel_says_what_is_missing(
    monkeypatch, city_dir, tmp_path, profile
):
    from ccdash.data.ingest import ingest
    from ccdash.data.profile import load_profile

    d = tmp_path / "city"
    shutil.copytree(city_dir, d)
    for f in [*d.glob("wifi_usage.*"), *d.glob("wifi_points.*")]:
        f.unlink()
    src = tmp_path / "hotspots.csv"  # a real list's traits: no uplink, no usage figures
    src.write_text(
        "ap_id,site_name,site_type,lat,lon,status\n"
        "H-1,Taman A,park,-6.8848,107.6154,active\nH-2,Masjid B,mosque,-6.9401,107.6126,active\n"
    )
    report = ingest(src, "wifi", d, load_profile(d / "city.toml"))
    assert (report.accepted, report.rejected) == (2, 0)

    wifi = page(app(monkeypatch, d), "wifi")
    assert not wifi.exception and not [w for w in wifi.warning if "Data problem" in w.value]
    infos = [i.value for i in wifi.info]
    assert any(
        i.startswith(
            "No wifi usage extract: add one with `python -m ccdash ingest --kind wifi_usage"
        )
        for i in infos
    )
    assert any(
        i.startswith("The wifi extract has no bandwidth: add a `bandwidth_mbps` column")
        for i in infos
    )
    tiles = {m.label: m.value for m in wifi.metric}
    assert (
        tiles["Wifi points"] == "2"
        and tiles["Bandwidth ≥ 300 Mbps"] == "–"
        and tiles["Wifi users last month"] == "–"
    )
    assert (
        len(wifi.get("plotly_chart")) == 2
    )  # site types and per 10,000 residents; no empty mix or users chart

    cov = page(app(monkeypatch, d), "coverage")
    assert not cov.exception
    assert (
        sum(
            i.value.startswith(("The wifi extract has no bandwidth", "No wifi usage extract"))
            for i in cov.info
        )
        == 2
    )

    wall = app(monkeypatch, d, mode="wall", view="wifi")
    assert not wall.exception and not wall.error and "_panel_failures" not in wall.session_state
    assert "No wifi usage figures yet" in [t.value for t in wall.text]


def test_a_district_known_only_to_the_wifi_list_can_be_chosen(monkeypatch, city_dir, tmp_path):
    import pandas as pd

    d = tmp_path / "city"
    bare_city(city_dir, d)
    w = pd.read_parquet(city_dir / "wifi_points.parquet")
    w.loc[w.index[:3], "kecamatan"] = "Kota Baru"  # no complaint there
    w.to_parquet(d / "wifi_points.parquet")
    at = page(app(monkeypatch, d, kecamatan="Kota Baru"), "wifi")
    assert not at.exception
    assert not [n.value for n in [*at.warning, *at.info] if "Kota Baru" in n.value]  # not refused
    assert {m.label: m.value for m in at.metric}["Wifi points"] == "3"


def camera_city(src, dst, wifi: bool = False) -> None:
    """Cameras (and optionally wifi points) and no complaint system: `[layers] complaints = false`."""
    dst.mkdir()
    for name in ("cctv_sites.parquet", "districts.geojson", "kecamatan.csv") + (
        ("wifi_points.parquet",) if wifi else ()
    ):
        shutil.copy(src / name, dst / name)
    toml = re.sub(r"(?m)^captions_file\s*=.*$", "", (src / "city.toml").read_text())
    layers = "\n[layers]\ncomplaints = false\n" + ("" if wifi else "wifi = false\n")
    (dst / "city.toml").write_text(toml + layers)


def texts(at) -> str:
    """Every text a reader sees on an AppTest page (markdown, captions, metrics, alerts, text)."""
    parts = [
        e.value
        for kind in ("markdown", "caption", "text", "warning", "error", "info")
        for e in getattr(at, kind)
    ]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("lang", ["en", "id"])
def test_a_camera_only_city_gets_every_screen_without_a_complaint_banner(
    monkeypatch, city_dir, tmp_path, lang
):
    camera_city(city_dir, tmp_path / "city", wifi=True)
    d = tmp_path / "city"
    at = app(monkeypatch, d, lang=lang)
    assert not at.exception and not at.error
    seen = texts(at)
    for word in ("Data problem", "Masalah data", "No complaint", "Belum ada data", str(d)):
        assert word not in seen, word
    labels = [m.label for m in at.metric]
    assert labels and not [
        x for x in labels if "today" in x or "hari ini" in x
    ]  # no complaint tile
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/complaints.py")
    for name in ("cctv", "wifi", "coverage", "data"):
        p = page(app(monkeypatch, d, lang=lang), name)
        assert not p.exception and not p.error, name
        assert str(d) not in texts(p) and "Data problem" not in texts(p), name
    wall = app(monkeypatch, d, mode="wall", lang=lang)
    assert [v for v, _ in wall.session_state["_playlist"]] == ["overview", "cctv", "wifi", "alerts"]
    for view in ("overview", "cctv", "wifi", "alerts"):
        w = app(monkeypatch, d, mode="wall", view=view, lang=lang)
        assert not w.exception and not w.error, view
        assert "_panel_failures" not in w.session_state, view
        seen = texts(w)
        assert "NO DATA" not in seen and "TIDAK ADA DATA" not in seen, view
        assert "last good" not in seen and "STALE" not in seen, view
    tour = app(monkeypatch, d, tour="1", lang=lang)
    bar = tour.get("progress")[0].proto.text
    assert bar.startswith(("Step 1 of 3", "Langkah 1 dari 3"))  # cameras, wifi, closing
    closing = app(monkeypatch, d, tour="1", step="3", lang=lang)
    assert not closing.exception and not closing.error
    seen = texts(closing)
    assert "complaint" not in seen.lower() and "pengaduan" not in seen.lower()


def test_a_missing_extract_is_named_without_the_server_path(monkeypatch, city_dir, tmp_path):
    d = tmp_path / "city"
    shutil.copytree(city_dir, d)
    for f in d.glob("cctv_sites.*"):
        f.unlink()
    for lang, line in (
        ("en", "no CCTV sites extract yet"),
        ("id", "belum ada ekstrak lokasi CCTV"),
    ):
        at = app(monkeypatch, d, lang=lang)
        warnings = [w.value for w in at.warning]
        assert any(line in w for w in warnings), warnings
        assert not [w for w in warnings if str(d) in w]


def test_each_chart_that_lacks_an_input_says_which(monkeypatch, city_dir, tmp_path):
    """No population file, no polygons: the per-10,000 chart says what it needs instead of an empty
    axis, the Overview offers no per-10,000 layer nor its legend, and the map's note says it has no
    outlines."""
    bare_city(city_dir, tmp_path / "city", "\n[layers]\ncctv = false\nwifi = false\n")
    d = tmp_path / "city"
    over = app(monkeypatch, d)
    pills = over.get("button_group")[0] if over.get("button_group") else None
    offered = [o.content for o in pills.proto.options] if pills is not None else []
    assert offered and not [o for o in offered if "10,000" in o], offered
    seen = texts(over)
    assert "per 10,000 residents, dark" not in seen
    assert "Map without base tiles or district outlines" in seen
    comp = page(app(monkeypatch, d), "complaints")
    infos = [i.value for i in comp.info]
    assert any(i.startswith("No population figures") for i in infos), infos


def test_cameras_with_no_status_say_so_instead_of_empty_bars(monkeypatch, writable_city):
    import pandas as pd

    cams = pd.read_parquet(writable_city / "cctv_sites.parquet")
    cams["status"] = "unknown"
    cams.to_parquet(writable_city / "cctv_sites.parquet", index=False)
    (writable_city / "cctv_sites.csv").unlink(missing_ok=True)
    at = page(app(monkeypatch, writable_city), "cctv")
    assert not at.exception
    assert any(i.value.startswith("No camera reports a status yet") for i in at.info)
