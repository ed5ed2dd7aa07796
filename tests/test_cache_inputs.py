"""A cached figure follows an edit of exactly the inputs it reads, under a running app (no restart)."""

from __future__ import annotations

import base64
import json
import re

import numpy as np
import pandas as pd
import pytest

from tests.test_views import start


def coverage_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "points_per_10k" in d.value.columns)


def cells_in_caption(at) -> int:
    text = next(c.value for c in at.caption if "H3 grid" in c.value)
    return int(re.search(r"\(([\d,]+) cells\)", text).group(1).replace(",", ""))


def values(data) -> list:
    """A Plotly array as sent to the browser: a plain list, or typed binary ({dtype, bdata})."""
    if isinstance(data, dict) and "bdata" in data:
        return np.frombuffer(
            base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"])
        ).tolist()
    return list(data)


def per_10k_chart(at) -> dict[str, float]:
    """The Wifi page's points-per-10,000 bars as {district: value}, read from the chart sent to the browser."""
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("type") == "bar" and "text" in trace and "Coblong" in values(trace["y"]):
                return dict(zip(values(trace["y"]), values(trace["x"])))
    raise AssertionError("no per-10k chart on the page")


def test_editing_the_population_file_changes_per_10k_and_coverage(monkeypatch, writable_city):
    at = start(monkeypatch, writable_city, {"lang": "en"}, page="app_pages/wifi.py")
    before = per_10k_chart(at)["Coblong"]
    facts = pd.read_csv(writable_city / "kecamatan.csv")
    facts.loc[facts.kecamatan == "Coblong", "population_2022"] *= 2
    facts.to_csv(writable_city / "kecamatan.csv", index=False)
    at.run()
    assert per_10k_chart(at)["Coblong"] == pytest.approx(before / 2, rel=1e-6)

    at.switch_page("app_pages/coverage.py").run()
    table = coverage_table(at).set_index("kecamatan")
    assert (
        table.loc["Coblong", "population"]
        == facts.set_index("kecamatan").loc["Coblong", "population_2022"]
    )


def test_editing_the_district_shapes_changes_the_coverage_grid(monkeypatch, writable_city):
    at = start(monkeypatch, writable_city, {"lang": "en"}, page="app_pages/coverage.py")
    cells, districts = cells_in_caption(at), set(coverage_table(at).kecamatan)
    shapes = json.loads((writable_city / "districts.geojson").read_text())
    dropped = shapes["features"].pop(0)["properties"]["kecamatan"]
    (writable_city / "districts.geojson").write_text(json.dumps(shapes))
    at.run()
    assert cells_in_caption(at) < cells
    assert set(coverage_table(at).kecamatan) == districts - {dropped}


def test_editing_the_profile_changes_the_grid_resolution(monkeypatch, writable_city):
    at = start(monkeypatch, writable_city, {"lang": "en"}, page="app_pages/coverage.py")
    cells = cells_in_caption(at)
    toml = (writable_city / "city.toml").read_text()
    toml = re.sub(r"h3_resolution\s*=\s*10", "h3_resolution = 9", toml)
    assert "h3_resolution = 9" in toml
    (writable_city / "city.toml").write_text(toml)
    at.run()
    # Resolution 9 cells are seven times the area of resolution 10: about a seventh as many.
    assert abs(cells_in_caption(at) * 7 / cells - 1) < 0.15


def plan_table(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "new_residents_covered" in d.value.columns)


def test_moving_residents_between_districts_replans(monkeypatch, writable_city):
    """The city's total stays the same (the old cache key kept the total): the plan must follow."""
    at = start(monkeypatch, writable_city, {"lang": "en"}, page="app_pages/coverage.py")
    first = plan_table(at)
    top = first.kecamatan.iloc[0]
    facts = pd.read_csv(writable_city / "kecamatan.csv")
    total = facts.population_2022.sum()
    moved = facts.loc[facts.kecamatan == top, "population_2022"].iloc[0]
    other = facts.loc[facts.kecamatan != top, "kecamatan"].iloc[0]
    facts.loc[facts.kecamatan == top, "population_2022"] = 0
    facts.loc[facts.kecamatan == other, "population_2022"] += moved
    assert facts.population_2022.sum() == total
    facts.to_csv(writable_city / "kecamatan.csv", index=False)
    at.run()
    again = plan_table(at)
    assert top not in set(again.kecamatan)  # nobody lives there now: no point gains anything
    assert again.new_residents_covered.sum() > 0


def test_a_new_candidates_file_at_the_same_path_replans(monkeypatch, writable_city):
    cands = writable_city / "candidates.csv"
    facts = pd.read_csv(writable_city / "kecamatan.csv")
    first, second = facts.iloc[0], facts.iloc[1]
    cands.write_text(f"name,lat,lon\nSite A,{first.centroid_lat},{first.centroid_lon}\n")
    toml = (writable_city / "city.toml").read_text()
    toml = re.sub(r'candidates_file = ""', 'candidates_file = "candidates.csv"', toml)
    assert 'candidates_file = "candidates.csv"' in toml
    (writable_city / "city.toml").write_text(toml)
    at = start(monkeypatch, writable_city, {"lang": "en"}, page="app_pages/coverage.py")
    assert list(plan_table(at).kecamatan) == [first.kecamatan]
    cands.write_text(f"name,lat,lon\nSite B,{second.centroid_lat},{second.centroid_lon}\n")
    at.run()
    assert list(plan_table(at).kecamatan) == [second.kecamatan]
