"""Charts at any cardinality: a city with 60 agencies, 90 categories and districts named by number
gets readable charts (top N and the rest counted, natural order, the wall's five lowest agencies)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ccdash.present.charts import natural_key, top_n
from tests.test_any_city import app, page

AGENCIES = [f"Agency {i}" for i in range(1, 61)]
CATEGORIES = [f"cat_{i:02d}" for i in range(1, 91)]


@pytest.fixture
def many_city(writable_city):
    c = pd.read_parquet(writable_city / "complaints.parquet")
    rng = np.random.default_rng(2)
    c["agency"] = rng.choice(AGENCIES, len(c))
    c["category"] = rng.choice(CATEGORIES, len(c))
    c.to_parquet(writable_city / "complaints.parquet", index=False)
    (writable_city / "complaints.csv.gz").unlink(missing_ok=True)
    return writable_city


def test_natural_order_of_district_names_and_codes():
    names = ["Comuna 10", "Comuna 2", "Comuna 1", "comuna 11", "Barrio", "2", "10", "1"]
    assert sorted(names, key=natural_key) == [
        "1",
        "2",
        "10",
        "Barrio",
        "Comuna 1",
        "Comuna 2",
        "Comuna 10",
        "comuna 11",
    ]


def test_the_other_bar_of_a_rate_is_the_groups_rate_never_a_sum():
    df = pd.DataFrame(
        {
            "label": list("abcde"),
            "complaints": [50, 40, 30, 20, 10],
            "population": [10_000, 10_000, 20_000, 40_000, 50_000],
        }
    )
    df["per_10k"] = df.complaints * 10_000 / df.population
    out = top_n(df, "per_10k", 2, "Other ({n} more)")
    assert out.label.tolist() == ["a", "b", "Other (3 more)"]
    # The independent figure: the three districts' complaints over their residents.
    assert out.per_10k.iloc[-1] == pytest.approx(
        (30 + 20 + 10) * 10_000 / (20_000 + 40_000 + 50_000)
    )
    assert out.per_10k.iloc[-1] < df.per_10k.iloc[2:].sum()


def test_ninety_categories_and_sixty_agencies_stay_readable(monkeypatch, many_city):
    at = page(app(monkeypatch, many_city), "complaints")
    assert not at.exception
    figs = [json.loads(e.proto.spec) for e in at.get("plotly_chart")]
    heat = next(f for f in figs if f["data"][0]["type"] == "heatmap")
    assert len(heat["data"][0]["y"]) == 15  # the 15 largest categories, of 90
    cols = heat["data"][0]["x"]
    assert cols == sorted(cols, key=natural_key)
    bars = [f["data"][0] for f in figs if f["data"][0].get("orientation") == "h"]
    labels = [list(map(str, b["y"])) for b in bars]
    assert [ys for ys in labels if len(ys) == 16 and "Other (75 more)" in ys], labels
    wall = app(monkeypatch, many_city, mode="wall", view="complaints")
    assert not wall.exception and not wall.error
    assert any(t.value.startswith("On-time, lowest 5 of 60 · ") for t in wall.text)
    traces = [json.loads(e.proto.spec)["data"][0] for e in wall.get("plotly_chart")]
    shown = [b for b in traces if b.get("y") and set(map(str, b["y"])) <= set(AGENCIES)]
    assert len(shown) == 1 and len(shown[0]["y"]) == 5
    rates = [float(v.rstrip("%")) for v in shown[0]["text"]]  # the value labels, "56%"
    assert rates == sorted(rates, reverse=True)  # Plotly draws the last bar on top: the lowest
    # The same five as the desk's scorecard (one definition of on-time, the same window).
    desk = next(d.value for d in at.dataframe if "on_time_pct" in d.value.columns)
    lowest = desk.dropna(subset=["on_time_pct"]).sort_values("on_time_pct").head(5)
    assert set(map(str, shown[0]["y"])) == set(lowest.agency)
