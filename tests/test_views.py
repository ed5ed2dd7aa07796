"""AppTest of the views: filters from widgets and URLs change KPIs to what DuckDB says directly."""

from __future__ import annotations

import json
from datetime import timedelta

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from ccdash.data.profile import load_profile
from ccdash.present import maps
from tests.apptest import desk_app
from tests.paths import DEMO_DIR, wall_times

XSS = "<img src=x onerror=alert(1)>"


def start(monkeypatch, directory, params=None, page=None, secrets=None) -> AppTest:
    monkeypatch.setenv("CCDASH_DATA_DIR", str(directory))
    at = desk_app(60)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    for k, v in (secrets or {}).items():
        at.secrets[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def url(at, key) -> list[str]:
    """A URL parameter's values (AppTest gives a single value as a plain string)."""
    v = at.query_params.get(key)
    return [] if v is None else [v] if isinstance(v, str) else list(v)


def metric(at, label) -> str:
    """A tile's value by its label (or the label's start: flow tiles end with their window)."""
    return next(m.value for m in at.metric if m.label == label or m.label.startswith(label + " · "))


def number(text: str, lang: str = "id") -> float:
    """Parse a formatted number back ('1.777' in id, '1,777' in en, '73,2%')."""
    text = text.rstrip("%").split(" / ")[0]
    if lang == "id":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return float(text)


def sql(directory, query, params=None):
    """An independent DuckDB query straight on the fixture's Parquet files, read in the city's zone
    (stored times are instants)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Asia/Jakarta'")
    for t in ("complaints", "cctv_sites", "wifi_points", "wifi_usage"):
        con.execute(
            f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{directory / (t + '.parquet')}')"
        )
    return con.execute(query, params or []).fetchall()


def last7(directory, where="true", params=()):
    """Complaints in the last 168 hours before the newest one (the tile's rolling week)."""
    ((latest,),) = sql(directory, "SELECT max(created_at) FROM complaints")
    since = pd.Timestamp(latest) - timedelta(hours=168)
    ((n,),) = sql(
        directory,
        f"SELECT count(*) FROM complaints WHERE created_at > ? AND {where}",
        [since, *params],
    )
    return n


def test_url_filter_sets_the_kpi_and_the_widgets(monkeypatch, city_dir):
    at = start(
        monkeypatch,
        city_dir,
        {"kecamatan": ["Coblong", "Regol"], "category": "street_light"},
        page="app_pages/complaints.py",
    )
    expected = last7(city_dir, "kecamatan IN ('Coblong', 'Regol') AND category = 'street_light'")
    assert number(metric(at, "7 hari terakhir")) == expected
    assert at.multiselect(key="f_kecamatan").value == ["Coblong", "Regol"]


def test_widget_filter_changes_the_kpi_and_the_url(monkeypatch, city_dir):
    at = start(monkeypatch, city_dir, page="app_pages/complaints.py")
    everything = number(metric(at, "7 hari terakhir"))
    assert everything == last7(city_dir)
    at.multiselect(key="f_channel").set_value(["whatsapp"]).run()
    at.multiselect(key="f_status").set_value(["resolved", "rejected"]).run()
    got = number(metric(at, "7 hari terakhir"))
    assert (
        got
        == last7(city_dir, "channel = 'whatsapp' AND status IN ('resolved', 'rejected')")
        < everything
    )
    assert url(at, "channel") == ["whatsapp"]
    assert url(at, "status") == ["resolved", "rejected"]


def test_url_round_trip_reproduces_the_view(monkeypatch, city_dir):
    at = start(monkeypatch, city_dir, page="app_pages/complaints.py")
    at.multiselect(key="f_kecamatan").set_value(["Gedebage"]).run()
    at.multiselect(key="f_category").set_value(["flooding"]).run()
    link = {k: at.query_params[k] for k in at.query_params}
    tiles = [(m.label, m.value) for m in at.metric]
    again = start(monkeypatch, city_dir, link, page="app_pages/complaints.py")
    assert [(m.label, m.value) for m in again.metric] == tiles
    assert again.multiselect(key="f_category").value == ["flooding"]


def test_date_range_from_the_url(monkeypatch, city_dir):
    at = start(
        monkeypatch,
        city_dir,
        {"from": "2026-10-01", "to": "2026-10-31"},
        page="app_pages/complaints.py",
    )
    assert at.date_input(key="f_dates").value == (
        pd.Timestamp("2026-10-01").date(),
        pd.Timestamp("2026-10-31").date(),
    )
    ((n,),) = sql(
        city_dir,
        "SELECT count(*) FROM complaints WHERE created_at >= '2026-10-01' AND created_at < '2026-11-01'",
    )
    assert any(str(n) in c.value.replace(".", "") for c in at.caption)  # "Menampilkan 1.000 dari N"


def test_bad_parameters_get_a_notice_not_an_exception(monkeypatch, city_dir):
    at = start(
        monkeypatch,
        city_dir,
        {"from": "yesterday", "kecamatan": ["Nowhere", "Coblong"], "utm": "x"},
    )
    text = " ".join(i.value for i in at.info)
    assert (
        "'from' is not a date" in text
        and "unknown kecamatan ` Nowhere `" in text
        and "unknown parameter ` utm `" in text
    )
    assert at.multiselect(key="f_kecamatan").value == ["Coblong"]


def test_language_from_url_and_toggle(monkeypatch, city_dir):
    at = start(monkeypatch, city_dir, {"lang": "en"})
    assert at.metric[0].label == "New today"
    assert at.title[0].value == "Overview"
    at.segmented_control(key="lang").set_value("id").run()
    assert at.metric[0].label == "Baru hari ini"
    assert url(at, "lang") == ["id"]


def test_numbers_follow_the_language(monkeypatch, city_dir):
    ind = start(monkeypatch, city_dir, {"lang": "id"})
    eng = start(monkeypatch, city_dir, {"lang": "en"})
    ((n,),) = sql(
        city_dir,
        "SELECT sum(users) FROM wifi_usage WHERE month = (SELECT max(month) FROM wifi_usage)",
    )
    assert n >= 1000  # so the thousands separator shows
    assert metric(ind, "Pengguna wifi bulan lalu") == f"{n:,}".replace(",", ".")
    assert metric(eng, "Wifi users last month") == f"{n:,}"
    assert "," in metric(ind, "Tepat waktu") and "." in metric(eng, "On-time rate")


@pytest.mark.parametrize(
    "page, label, query",
    [
        (
            "app_pages/overview.py",
            "Belum selesai",  # a stock: every open complaint, the date range does not apply
            "SELECT count(*) FROM complaints WHERE kecamatan = 'Cicendo' AND created_at <= ? AND (closed_at IS NULL OR closed_at > ?)",
        ),
        (
            "app_pages/cctv.py",
            "Kamera",
            "SELECT count(*) FROM cctv_sites WHERE kecamatan = 'Cicendo'",
        ),
        (
            "app_pages/wifi.py",
            "Titik wifi",
            "SELECT count(*) FROM wifi_points WHERE kecamatan = 'Cicendo'",
        ),
    ],
)
def test_each_page_follows_the_district_filter(monkeypatch, city_dir, page, label, query):
    at = start(monkeypatch, city_dir, {"kecamatan": "Cicendo"}, page=page)
    ((latest,),) = sql(city_dir, "SELECT max(created_at) FROM complaints")
    params = [latest, latest] if "?" in query else []
    ((n,),) = sql(city_dir, query, params)
    assert number(metric(at, label)) == n > 0


def test_complaint_text_is_data_in_table_and_tooltip(monkeypatch, writable_city):
    p = writable_city / "complaints.parquet"
    df = wall_times(pd.read_parquet(p))
    df.loc[df.index[-1], "description"] = XSS
    df.to_parquet(p, index=False)
    cams = wall_times(pd.read_parquet(writable_city / "cctv_sites.parquet"))
    cams.loc[0, "name"] = XSS
    cams.to_parquet(writable_city / "cctv_sites.parquet", index=False)
    at = start(monkeypatch, writable_city, page="app_pages/complaints.py")
    table = next(d.value for d in at.dataframe if "description" in d.value.columns)
    assert XSS in table.description.tolist()  # shown as the text it is, in a grid that renders text
    assert not [c for c in table.columns if c.startswith("reporter")]
    at.switch_page("app_pages/cctv.py")
    at.run()
    assert not at.exception
    decks = at.get("deck_gl_json_chart")
    spec, tooltip = decks[0].proto.json, json.loads(decks[0].proto.tooltip)
    assert XSS in spec  # the raw name travels as data ...
    assert (
        "text" in tooltip and "html" not in tooltip
    )  # ... into a tooltip deck.gl sets as innerText


def test_deck_tooltips_are_text_only():
    profile = load_profile(DEMO_DIR / "city.toml")
    d = maps.deck([], profile, tooltip_text="{name}")
    assert d._tooltip == {"text": "{name}", "style": d._tooltip["style"]}
    assert "html" not in d._tooltip


def test_a_deck_is_sent_as_compact_json_of_the_same_object():
    """maps.Deck writes pydeck's JSON without its indent (Python's C encoder): the browser parses
    the same object, with the layers' data, the view and the text-only tooltip."""
    import pydeck as pdk

    profile = load_profile(DEMO_DIR / "city.toml")
    hexes = pd.DataFrame(
        {"hex": ["88658a8a1bfffff", "88658a8a13fffff"], "complaints": [3, 1], "tip": ["3", "1"]}
    )
    cams = pd.DataFrame(
        {
            "tip": ["<b>Cam</b> \u00e9"],
            "status": ["online"],
            "lat": [-6.9],
            "lon": [107.6],
            "view_radius_m": [50.0],
        }
    )
    layers = [maps.hex_layer(hexes), maps.points_layer(cams, "view_radius_m", layer_id="cctv")]
    d = maps.deck(layers, profile, tooltip_text="{tip}")
    compact = d.to_json()
    assert "\n" not in compact and len(compact) < 0.8 * len(pdk.Deck.to_json(d))
    assert json.loads(compact) == json.loads(pdk.Deck.to_json(d))
    assert json.loads(compact)["layers"][1]["data"][0]["tip"] == "<b>Cam</b> \u00e9"


def test_upload_needs_the_admin_password(monkeypatch, writable_city):
    at = start(monkeypatch, writable_city, page="app_pages/data.py")
    assert any("Hanya-baca" in i.value for i in at.info)
    assert not at.get("file_uploader")
    at = start(
        monkeypatch, writable_city, page="app_pages/data.py", secrets={"admin_password": "s3cret"}
    )
    assert not at.get("file_uploader")  # no file can be sent before the password is accepted
    before = (writable_city / "complaints.parquet").read_bytes()
    at.text_input(key="dt_password").set_value("wrong")
    next(b for b in at.button if b.label == "Masuk sebagai admin").click().run()
    assert any("Kata sandi salah" in e.value for e in at.error)
    assert not at.get("file_uploader")
    assert (writable_city / "complaints.parquet").read_bytes() == before


def test_data_page_lists_every_source(monkeypatch, city_dir):
    at = start(monkeypatch, city_dir, {"lang": "en"}, page="app_pages/data.py")
    sources = at.dataframe[0].value
    assert sources["Extract"].tolist() == ["complaints", "cctv_sites", "wifi_points", "wifi_usage"]
    ((n,),) = sql(city_dir, "SELECT count(*) FROM complaints")
    assert sources.loc[0, "Rows"] == f"{n:,}"


def test_coverage_page_numbers_and_what_if(monkeypatch, city_dir):
    import numpy as np

    from ccdash.analysis import coverage as cv
    from ccdash.analysis.geometry import haversine_m
    from ccdash.data.reference import facts_of, shapes_of

    at = start(monkeypatch, city_dir, {"lang": "en"}, page="app_pages/coverage.py")
    profile = load_profile(city_dir / "city.toml")
    g = cv.city_grid(shapes_of(profile), facts_of(profile), 10)
    w = wall_times(pd.read_parquet(city_dir / "wifi_points.parquet"))
    w = w[w.status == "active"]
    # Independent: brute-force distances from every point to every cell centre.
    d = haversine_m(
        w.lat.to_numpy()[:, None], w.lon.to_numpy()[:, None], g.lat[None, :], g.lon[None, :]
    )
    covered = (d <= w.coverage_radius_m.to_numpy()[:, None]).any(axis=0)
    own = [
        np.flatnonzero(
            g.cells == np.uint64(__import__("h3").api.basic_int.latlng_to_cell(a, b, 10))
        )
        for a, b in zip(w.lat, w.lon)
    ]
    for o in own:
        covered[o] = True
    expected = 100 * g.population[covered].sum() / g.population.sum()
    assert number(metric(at, "Residents covered"), "en") == pytest.approx(expected, abs=0.05)
    plan = next(
        d.value
        for d in at.dataframe
        if "new_residents_covered" in d.value.columns and "order" in d.value.columns
    )
    assert len(plan) == 20
    # The default plan agrees with the table: its first point goes to the worst-served district.
    table = next(d.value for d in at.dataframe if "area_covered_pct" in d.value.columns)
    assert plan.iloc[0]["kecamatan"] == table.iloc[0]["kecamatan"]
    # What it changes, by district, against an independent count of covered residents.
    change = next(d.value for d in at.dataframe if "change_pp" in d.value.columns)
    after = covered.copy()
    radius = float(profile.coverage["new_point_radius_m"])
    for lat, lon in zip(plan.lat, plan.lon):
        after |= haversine_m(lat, lon, g.lat, g.lon) <= radius
        cell = __import__("h3").api.basic_int.latlng_to_cell(lat, lon, 10)
        after[g.cells == np.uint64(cell)] = True
    for row in change.itertuples():
        mine = g.kecamatan == row.kecamatan
        pop = g.population[mine].sum()
        assert row.residents_before_pct == pytest.approx(
            100 * g.population[mine & covered].sum() / pop
        )
        assert row.residents_after_pct == pytest.approx(
            100 * g.population[mine & after].sum() / pop
        )
    assert set(change.kecamatan) == set(plan.kecamatan)
    at.number_input(key="cov_lat").set_value(-6.95)
    at.number_input(key="cov_lon").set_value(107.69)
    next(b for b in at.button if b.key == "cov_add").click().run()
    assert not at.exception
    tile = next(m for m in at.metric if m.label == "Residents covered")
    assert at.session_state["cov_added"] == [(-6.95, 107.69)]
    assert tile.delta.endswith("residents (what-if)") and number(tile.delta.split()[0], "en") > 0
    at.number_input(key="cov_lat").set_value(40.7)
    next(b for b in at.button if b.key == "cov_add").click().run()
    assert any("outside the city" in e.value for e in at.error)
    # Points are removed one at a time: the list offers no "Select all" / "Select N matches".
    remove = at.multiselect(key="cov_removed")
    assert len(remove.options) > 2 and remove.proto.select_all == 0


@pytest.mark.parametrize(
    "params",
    [{"from": "2020-01-01"}, {"to": "2030-01-01"}, {"from": "0001-01-01", "to": "9999-12-31"}],
)
def test_deep_links_dated_outside_the_data_are_clamped(monkeypatch, city_dir, params):
    at = start(monkeypatch, city_dir, {"lang": "en", **params})
    assert any("outside the data" in i.value for i in at.info)
    span = wall_times(pd.read_parquet(city_dir / "complaints.parquet")).created_at
    lo, hi = at.date_input(key="f_dates").value
    assert span.min().date() <= lo <= hi <= span.max().date()


def test_the_coverage_page_greys_out_the_filters_it_does_not_use(monkeypatch, city_dir):
    at = start(monkeypatch, city_dir, {"lang": "en"}, page="app_pages/coverage.py")
    assert at.date_input(key="f_dates").disabled
    assert at.multiselect(key="f_category").disabled and at.multiselect(key="f_status").disabled
    assert not at.multiselect(key="f_kecamatan").disabled
    assert any("uses the district filter only" in c.value for c in at.sidebar.caption)
    desk = start(monkeypatch, city_dir, {"lang": "en"}, page="app_pages/complaints.py")
    assert not desk.date_input(key="f_dates").disabled
    assert not desk.multiselect(key="f_category").disabled
    assert not any("uses the district filter only" in c.value for c in desk.sidebar.caption)
