"""Below-the-fold sections wait for the reader: without a browser nothing scrolls, so they stay
placeholders until their flag is set (tests/browser/test_lazy.py scrolls a real page)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.paths import DASHBOARD


def _page(monkeypatch, city_dir, name: str | None, **seen) -> AppTest:
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60)
    for key in seen:
        at.session_state[f"_seen_{key}"] = True
    at.query_params["lang"] = "en"
    at.run()
    if name:
        at.switch_page(f"app_pages/{name}.py").run()
    assert not at.exception
    return at


def test_the_overview_charts_wait_below_the_map_and_stay_once_seen(monkeypatch, city_dir):
    at = _page(monkeypatch, city_dir, None)
    assert len(at.get("deck_gl_json_chart")) == 1 and not at.get("plotly_chart")  # the map only

    at = _page(monkeypatch, city_dir, None, ov_charts=True)
    assert (
        len(at.get("deck_gl_json_chart")) == 1 and len(at.get("plotly_chart")) == 2
    )  # trend, top categories
    at.session_state["f_kecamatan"] = ["Coblong"]
    at.run()  # a filter change redraws the seen section at once
    assert len(at.get("plotly_chart")) == 2


def test_complaints_draw_each_section_when_its_turn_comes(monkeypatch, city_dir):
    at = _page(monkeypatch, city_dir, "complaints")
    assert (
        len(at.get("plotly_chart")) == 1 and not at.get("deck_gl_json_chart") and not at.dataframe
    )
    assert not at.get("download_button")

    at = _page(monkeypatch, city_dir, "complaints", cp_maps=True)
    assert (
        len(at.get("plotly_chart")) == 1
        and len(at.get("deck_gl_json_chart")) == 2
        and not at.dataframe
    )

    at = _page(monkeypatch, city_dir, "complaints", cp_breakdown=True, cp_score=True, cp_rows=True)
    assert (
        len(at.get("plotly_chart")) == 4
        and len(at.dataframe) == 2
        and not at.get("deck_gl_json_chart")
    )


def test_cctv_wifi_and_coverage_show_their_map_first(monkeypatch, city_dir):
    for name, below in (
        ("cctv", {"cc_status": True, "cc_integration": True}),
        ("wifi", {"wf_charts": True}),
        ("coverage", {"cov_tables": True}),
    ):
        at = _page(monkeypatch, city_dir, name)
        assert len(at.get("deck_gl_json_chart")) == 1, name
        assert not at.get("plotly_chart") and not at.dataframe, name
        at = _page(monkeypatch, city_dir, name, **below)
        assert at.get("plotly_chart") or at.dataframe, name


def test_a_schema_is_read_when_its_section_opens(monkeypatch, city_dir):
    at = _page(monkeypatch, city_dir, "data")

    def schemas() -> list:
        return [d for d in at.dataframe if "created_at" in set(d.value.iloc[:, 0].astype(str))]

    before = len(at.dataframe)  # the sources and the alerts; the four schemas wait, closed
    assert not schemas()
    at.session_state["dt_exp_complaints"] = True
    at.run()
    assert len(at.dataframe) == before + 1 and len(schemas()) == 1
