"""Figure builders: data in, figure out, labels in the page's language."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ccdash.data.profile import load_profile
from ccdash.present import charts, maps
from tests.apptest import desk_app
from tests.paths import DEMO_DIR, wall_times


def _days():
    days = pd.date_range("2026-08-01", "2026-10-31", freq="D")
    return pd.DataFrame({"day": days.date, "complaints": range(len(days)), "mean_7d": 1.0})


def test_trend_ticks_and_hover_follow_the_language():
    ind = charts.trend(_days(), "Harian", "Rata-rata", "", lang="id")
    eng = charts.trend(_days(), "Daily", "Mean", "", lang="en")
    assert "1 Agu" in ind.layout.xaxis.ticktext and "1 Aug" in eng.layout.xaxis.ticktext
    assert any("Okt" in t for t in ind.layout.xaxis.ticktext)
    assert ind.data[0].customdata[0] == "1 Agu 2026"
    assert list(ind.data[0].y) == list(range(92))


def test_monthly_axis():
    df = pd.DataFrame(
        {"month": pd.date_range("2026-01-01", periods=12, freq="MS"), "users": range(12)}
    )
    fig = charts.line(df, "month", "users", "Pengguna", lang="id", monthly=True)
    assert "Mei 2026" in fig.layout.xaxis.ticktext or "Des 2026" in fig.layout.xaxis.ticktext


def test_district_layer_shades_by_value_and_keeps_outlines_without_values():
    profile = load_profile(DEMO_DIR / "city.toml")
    import json

    gj = json.loads(profile.districts_file.read_text())
    values = pd.DataFrame(
        {"kecamatan": ["Coblong", "Regol"], "per_10k": [10.0, 20.0], "label": ["a", "b"]}
    )
    layer = maps.districts_layer(gj, values)
    feats = {f["properties"]["kecamatan"]: f["properties"] for f in layer.data["features"]}
    assert len(feats) == 30
    assert feats["Coblong"]["fill"] != feats["Regol"]["fill"]  # low and high ends of the ramp
    assert feats["Andir"]["fill"] == [30, 36, 48, 60]  # no value: outline only
    assert feats["Regol"]["tip"] == "b"


def test_hexagons_reach_the_browser_as_their_own_outlines():
    """The hex layers send each cell's outline (no h3-js in the browser): a closed hexagon around the cell's
    centre whose area is the cell's, and the colour and tooltip columns stay beside it."""
    import h3
    import shapely

    cells = [h3.latlng_to_cell(-6.90 + i * 0.01, 107.60 + i * 0.01, 8) for i in range(5)]
    layer = maps.hex_layer(
        pd.DataFrame({"hex": cells, "complaints": [1, 2, 3, 40, 500], "tip": list("abcde")})
    )
    assert layer.type == "PolygonLayer"
    data = pd.DataFrame(layer.data)  # pydeck keeps the rows as records
    assert list(data.tip) == list("abcde") and len(data.fill) == 5 and "hex" not in data
    for cell, ring in zip(cells, data.outline):
        poly = shapely.Polygon(ring)  # [lon, lat] pairs
        lat, lon = h3.cell_to_latlng(cell)
        assert len(ring) == 6 and poly.contains(shapely.Point(lon, lat))
        # area in km2 on a local equirectangular projection, against h3's own figure (within 1%)
        km = shapely.affinity.scale(
            poly, 111.32 * np.cos(np.radians(lat)), 110.57, origin=(lon, lat)
        )
        assert km.area == pytest.approx(h3.cell_area(cell, "km^2"), rel=0.01)

    cov = maps.coverage_layer(
        pd.DataFrame(
            {
                "cell": [h3.str_to_int(c) for c in cells],
                "share": [1, 0, 0.5, 0.2, 1],
                "density": [1.0] * 5,
                "population": [10] * 5,
                "kecamatan": ["A"] * 5,
            }
        ),
        2.0,
        lambda residents, share: f"{residents:.0f} residents · {share:.0%} covered",
    )
    cov_data = pd.DataFrame(cov.data)
    assert list(cov_data.hex) == cells  # a click on a cell still names it
    assert cov_data.tip[2] == "10 residents · 50% covered"  # the page's labelled sentence
    assert [len(r) for r in cov_data.outline] == [6] * 5


def test_many_categories_become_the_top_n_and_one_other_bar():
    import pandas as pd

    df = pd.DataFrame({"value": [f"c{i}" for i in range(95)], "complaints": list(range(95, 0, -1))})
    df["label"] = df.value
    out = charts.top_n(df, "complaints", 15, "Other ({n} more)")
    assert len(out) == 16 and out.value.iloc[:15].tolist() == [f"c{i}" for i in range(15)]
    assert out.label.iloc[-1] == "Other (80 more)" and out.value.iloc[-1] is None
    assert out.complaints.sum() == df.complaints.sum()  # nothing lost
    assert charts.top_n(df.head(16), "complaints", 15, "x").equals(
        df.head(16)
    )  # one extra bar stays itself


def test_a_fitted_map_view_shows_the_bounds_whole():
    """Web Mercator by hand: at the fitted zoom the bounds' width and height in pixels fit the panel, and
    one zoom step more would not."""
    import math

    from ccdash.present import maps

    bounds = (107.53, -6.98, 107.76, -6.83)
    lat, lon, zoom = maps.fit(bounds, 1100, 700, margin=0)
    world = 512 * 2**zoom

    def y(la):
        return math.log(math.tan(math.pi / 4 + math.radians(la) / 2)) / (2 * math.pi) * world

    w, h = (bounds[2] - bounds[0]) / 360 * world, y(bounds[3]) - y(bounds[1])
    assert (
        w <= 1100 + 1e-6 and h <= 700 + 1e-6 and max(w / 1100, h / 700) > 0.999
    )  # one side touches
    assert lon == (bounds[0] + bounds[2]) / 2 and bounds[1] < lat < bounds[3]
    gj = {
        "features": [
            {"geometry": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4], [0, 5], [1, 2]]]}}
        ]
    }
    assert maps.geojson_bounds(gj) == (0, 2, 3, 5)


def test_the_district_shapes_carry_the_bounds_of_every_coordinate_in_them():
    """load_geojson's `bbox` (found once per file, with shapely) is the walk over every coordinate
    of every shape, MultiPolygons and holes included; a city without shapes has none."""
    from ccdash.data.reference import load_geojson
    from ccdash.present import maps

    profile = load_profile(DEMO_DIR / "city.toml")
    gj = load_geojson(profile.districts_file, profile.districts_name_property)
    walked = maps.geojson_bounds({"features": gj["features"]})
    assert maps.geojson_bounds(gj) == walked and len(gj["features"]) == 30
    assert "bbox" not in load_geojson(None, "name")


def test_percentage_point_changes_say_pp_in_either_language():
    from ccdash.present.i18n import fmt_pp

    assert (
        fmt_pp(0.4, "en") == "+0.4 pp"
        and fmt_pp(-1.3, "id") == "-1,3 pp"
        and fmt_pp(None, "en") == "–"
    )


def test_value_axes_show_whole_numbers_with_the_language_separators():
    import plotly.graph_objects as go

    from ccdash.present import charts

    v = charts.localize(go.Figure(go.Bar(x=["a"], y=[350_000])), "id")
    h = charts.localize(go.Figure(go.Bar(x=[350_000], y=["a"], orientation="h")), "en")
    assert v.layout.yaxis.tickformat == ",~r" and v.layout.separators == ",."  # 350.000, not 350k
    assert h.layout.xaxis.tickformat == ",~r" and h.layout.yaxis.tickformat is None


def test_a_click_filter_highlights_its_bars_among_the_others(monkeypatch, city_dir):
    import json

    from plotly.utils import PlotlyJSONEncoder

    from ccdash.present.charts import ACCENT, MUTED

    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    at = desk_app(60)
    at.query_params.update({"lang": "en", "category": "flooding"})
    at.run()
    at.switch_page("app_pages/complaints.py").run()
    assert not at.exception
    figs = {c.proto.id: json.loads(c.proto.spec) for c in at.get("plotly_chart")}
    # Every chart is dark, whatever Streamlit made Plotly's default template.
    dark = json.loads(json.dumps(charts.DARK, cls=PlotlyJSONEncoder))
    assert figs and all(f["layout"]["template"] == dark for f in figs.values())
    bars = next(
        f["data"][0]
        for f in figs.values()
        if f["data"][0].get("orientation") == "h"
        and "flooding" in (f["data"][0].get("customdata") or [])
    )
    assert len(bars["customdata"]) > 5  # every category is still there
    colors = dict(zip(bars["customdata"], bars["marker"]["color"]))
    assert colors["flooding"] == ACCENT and {c for k, c in colors.items() if k != "flooding"} == {
        MUTED
    }


def test_charts_have_a_text_alternative_with_their_figures(monkeypatch, city_dir):
    """Under the trend and the bars, one sentence with the figures, checked against pandas."""
    import pandas as pd

    from ccdash.present.i18n import fmt_date

    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    at = desk_app(60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    start, end = at.session_state["f_dates"]
    c = wall_times(
        pd.read_parquet(city_dir / "complaints.parquet", columns=["created_at", "category"])
    )
    c = c[(c.created_at.dt.date >= start) & (c.created_at.dt.date <= end)]
    per_day = c.created_at.dt.date.value_counts()
    peak_day = per_day[per_day == per_day.max()].index.min()  # the first day with the highest count
    alts = [t.value for t in at.text if t.value.startswith("Chart: ")]
    assert f"highest {per_day.max():,} on {fmt_date(peak_day, 'en')}" in alts[0]
    from ccdash.data.profile import load_profile

    top = c.category.value_counts()
    label = load_profile(city_dir / "city.toml").category_label(top.idxmax(), "en")
    assert f"largest {label} ({top.max():,})" in alts[1]


def _every_chart() -> dict:
    days = _days()
    cats = pd.DataFrame({"category": ["Roads", "Flood <b>", "Waste"], "complaints": [30, 20, 5]})
    long = pd.DataFrame(
        {"kecamatan": ["A 2", "A 10", "A 2"], "category": ["x", "y", "y"], "complaints": [1, 2, 3]}
    )
    return {
        "trend": charts.trend(days, "daily", "mean", "complaints", lang="id"),
        "hbar": charts.hbar(
            cats, "complaints", "category", key="category", text_fmt=str, highlight=["Roads"]
        ),
        "hbar without key": charts.hbar(cats, "complaints", "category"),
        "heatmap": charts.heatmap(long, "kecamatan", "category", "complaints", "n"),
        "stacked": charts.stacked(long, "kecamatan", "category", "complaints", y_title="n"),
        "donut": charts.donut(["a", "b"], [3, 4]),
        "line": charts.line(days, "day", "complaints", "n", lang="en"),
    }


def test_figures_built_unchecked_send_what_plotlys_checks_would(monkeypatch):
    """The builders skip Plotly's property checks (charts.UNCHECKED): built again with the checks on,
    every figure passes them and the browser gets the same JSON, localized as a page sends it."""
    import plotly.io as pio

    def sent(figures: dict) -> dict:
        return {
            k: json.loads(pio.to_json(charts.localize(f, "id"), validate=False))
            for k, f in figures.items()
        }

    unchecked = sent(_every_chart())
    assert all(not f._validate for f in _every_chart().values())
    monkeypatch.setattr(charts, "UNCHECKED", {})
    checked_figures = _every_chart()
    assert all(f._validate for f in checked_figures.values())
    assert sent(checked_figures) == unchecked


def test_the_dark_template_is_plotly_darks_for_every_trace_and_axis_the_charts_draw():
    """The template sent with each figure (charts.DRAWN) is Plotly's "plotly_dark" without the
    defaults of traces and axes no builder draws: what a chart looks like is unchanged."""
    import plotly.io as pio
    from plotly.utils import PlotlyJSONEncoder

    dark = json.loads(json.dumps(pio.templates["plotly_dark"], cls=PlotlyJSONEncoder))
    for name, fig in _every_chart().items():
        sent = json.loads(pio.to_json(fig, validate=False))
        template = sent["layout"]["template"]
        for kind in {trace["type"] for trace in sent["data"]}:
            assert template["data"][kind] == dark["data"][kind], (name, kind)
        kept = {k: v for k, v in dark["layout"].items() if k not in charts.UNDRAWN_AXES}
        assert template["layout"] == kept, name
        assert not set(sent["layout"]) & set(charts.UNDRAWN_AXES), name
    assert len(json.dumps(template)) < len(json.dumps(dark)) / 2


def test_the_heatmap_sums_each_pair_as_pandas_pivot_table_does():
    rng = np.random.default_rng(7)
    long = pd.DataFrame(
        {
            "kecamatan": rng.choice(["A 2", "A 10", "B", None], 300),
            "category": rng.choice(["x", "y", "z", "w"], 300),
            "complaints": rng.integers(0, 50, 300),
        }
    )  # repeated pairs, and rows without a district
    want = long.pivot_table(
        index="category", columns="kecamatan", values="complaints", aggfunc="sum", fill_value=0
    )
    want = want.loc[want.sum(axis=1).sort_values(ascending=False).index[:15]]
    want = want[sorted(want.columns, key=charts.natural_key)]
    cells = charts.heatmap(long, "kecamatan", "category", "complaints", "n").data[0]
    assert list(cells.x) == ["A 2", "A 10", "B"] == list(want.columns)
    assert list(cells.y) == list(want.index)
    assert np.array_equal(np.asarray(cells.z), want.to_numpy())
    empty = charts.heatmap(long.iloc[:0], "kecamatan", "category", "complaints", "n").data[0]
    assert len(empty.z) == 0
