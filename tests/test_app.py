"""AppTest: every page runs on the demo data without an exception."""

from __future__ import annotations

import json

import pytest

from tests.apptest import desk_app

PAGES = [
    "app_pages/overview.py",
    "app_pages/complaints.py",
    "app_pages/cctv.py",
    "app_pages/wifi.py",
    "app_pages/coverage.py",
    "app_pages/data.py",
]


@pytest.fixture
def app(monkeypatch, city_dir):
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    monkeypatch.delenv("CCDASH_PROFILE", raising=False)
    return desk_app(60)


def test_app_runs_on_the_embedded_demo_data(monkeypatch):
    monkeypatch.delenv("CCDASH_DATA_DIR", raising=False)
    at = desk_app(60)
    at.run()
    assert not at.exception
    assert at.metric[0].label == "Baru hari ini"


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs(app, page):
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("sintetis" in c.value for c in app.caption)


def _plan_table(at):
    return next(d.value for d in at.dataframe if "new_residents_covered" in d.value.columns)


def test_the_planner_follows_the_district_filter_and_names_its_sites(monkeypatch, city_dir):
    def coverage(**params):
        monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
        at = desk_app(60)
        for k, v in {"lang": "en", **params}.items():
            at.query_params[k] = v
        at.run()
        at.switch_page("app_pages/coverage.py").run()
        assert not at.exception
        return at

    city = _plan_table(coverage())
    facts = __import__("pandas").read_csv(city_dir / "kecamatan.csv")
    chosen = next(
        k for k in facts.sort_values("population_2022").kecamatan if k not in set(city.kecamatan)
    )
    at = coverage(kecamatan=chosen)
    plan = _plan_table(at)
    assert len(plan) == 20 and (plan.kecamatan == chosen).all()
    assert (
        plan.name.str.startswith(f"{chosen}, ").all() and plan.name.str.contains(" m from ").all()
    )
    assert list(plan.columns) == [
        "order",
        "name",
        "kecamatan",
        "lat",
        "lon",
        "radius_m",
        "new_residents_covered",
    ]
    assert f"Planning only in: {chosen}" in [c.value for c in at.caption]


def test_one_map_click_adds_one_what_if_point(monkeypatch):
    """The callback as Streamlit calls it on a selection change, then again on an unrelated rerun (a number
    input changed) with the same selection: one point, not two; a district click adds none."""
    from ccdash.app import coverage_page

    state = _State(cov_map={"selection": {"objects": {"cells": [{"hex": "8a6528a5b537fff"}]}}})
    monkeypatch.setattr(coverage_page.st, "session_state", state)
    coverage_page._on_map("cov_map")
    coverage_page._on_map("cov_map")
    assert len(state["cov_added"]) == 1
    state["cov_map"] = {"selection": {"objects": {"cells": [{"hex": "8a6528a5b52ffff"}]}}}
    coverage_page._on_map("cov_map")
    assert len(state["cov_added"]) == 2


class _State(dict):
    """A dict with attribute access, like st.session_state."""

    def __getattr__(self, k):
        return self[k]

    def __setattr__(self, k, v):
        self[k] = v


def test_coverage_tiles_follow_the_district_filter(monkeypatch, city_dir):
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    tiles = {}
    for kec in (None, "Coblong"):
        at = desk_app(60)
        at.query_params["lang"] = "en"
        if kec:
            at.query_params["kecamatan"] = kec
        at.run()
        at.switch_page("app_pages/coverage.py").run()
        assert not at.exception
        tiles[kec] = {m.label: m.value for m in at.metric}
        table = next(d.value for d in at.dataframe if "residents_covered_pct" in d.value.columns)
    row = table.set_index("kecamatan").loc["Coblong"]
    assert (
        tiles["Coblong"]["Residents covered"] == f"{row.residents_covered_pct:.1f}%"
    )  # the table's own figure
    assert tiles["Coblong"]["Residents covered"] != tiles[None]["Residents covered"]
    assert (
        tiles["Coblong"]["Residents covered after the plan"]
        != tiles[None]["Residents covered after the plan"]
    )


def test_indonesian_tables_write_numbers_the_indonesian_way_and_still_sort_as_numbers(
    monkeypatch, city_dir
):
    """10,6 and 1.234 on an Indonesian screen (the table's display values), 10.6 and 1,234 in English (the
    column format), while the values under them stay numbers."""
    from streamlit import dataframe_util

    from ccdash.present.i18n import fmt_num

    def coverage_table(lang):
        monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
        at = desk_app(60)
        at.query_params["lang"] = lang
        at.run()
        at.switch_page("app_pages/coverage.py").run()
        assert not at.exception
        return next(d for d in at.dataframe if "residents_covered_pct" in d.value.columns)

    el = coverage_table("id")
    raw = el.value
    shown = dataframe_util.convert_arrow_bytes_to_pandas_df(
        el.proto.arrow_data.styler.display_values
    )
    assert raw.residents_covered_pct.dtype.kind == "f" and raw.population.dtype.kind in "iuf"
    row = raw.population.idxmax()
    assert (
        shown.population.iloc[row] == fmt_num(raw.population.iloc[row], "id")
        and "." in shown.population.iloc[row]
    )
    pct = shown.residents_covered_pct.iloc[row]
    assert (
        pct == fmt_num(raw.residents_covered_pct.iloc[row], "id", 1) + "%"
        and "," in pct
        and "." not in pct.rstrip("%")
    )
    en = coverage_table("en")
    shown_en = dataframe_util.convert_arrow_bytes_to_pandas_df(
        en.proto.arrow_data.styler.display_values
    )
    assert shown_en.population.iloc[row] == fmt_num(en.value.population.iloc[row], "en")


@pytest.mark.parametrize("page, key", [(None, "ov_map"), ("app_pages/coverage.py", "cov_map")])
def test_reset_view_draws_the_map_afresh_at_its_opening_view(monkeypatch, city_dir, page, key):
    """Reset view gives the map a new widget key, so the browser builds it again at the view it opened
    on; clicking a district still filters through the new key."""
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    at = desk_app(60)
    at.query_params["lang"] = "en"
    at.run()
    if page:
        at.switch_page(page).run()

    def deck_ids():
        return [
            (d.proto.id, json.loads(d.proto.json)["initialViewState"]["zoom"])
            for d in at.get("deck_gl_json_chart")
        ]

    before = deck_ids()
    reset = at.button(key=f"{key}_reset")
    assert reset.label == "Reset view"
    reset.click().run()
    after = deck_ids()
    assert not at.exception and len(after) == len(before)
    assert after != before  # a new element: the opening view again
    at.button(key=f"{key}_reset").click().run()
    assert deck_ids() not in (before, after)
