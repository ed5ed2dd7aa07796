"""Plain functions: data in, pydeck Deck out. Drawn meaningfully with no basemap tiles.

Tooltips are plain-text templates (deck.gl sets innerText), so a site name or complaint text
such as `<img onerror=...>` is shown as text, never parsed as markup.
"""

from __future__ import annotations

import functools
import json
import math

import numpy as np
import pandas as pd
import pydeck as pdk
import pydeck.bindings.deck as pydeck_deck
from pydeck.bindings.json_tools import default_serialize

from ..data.profile import Profile
from ..data.reference import norm_district
from ..data.spatial import h3_outlines, h3_text

# Sequential palette (dark background): low -> high.
RAMP = np.array(
    [[38, 70, 83], [42, 157, 143], [233, 196, 106], [244, 162, 97], [231, 111, 81]], dtype=float
)
STATUS_COLORS = {
    # Okabe-Ito: safe for red-green colour blindness (blue against vermillion, never green against red).
    "online": [0, 114, 178],
    "offline": [213, 94, 0],
    "maintenance": [240, 228, 66],
    "unknown": [153, 153, 153],
    "active": [0, 158, 115],
    "inactive": [213, 94, 0],
    # Points the coverage page proposes or the reader adds: colours no stored status uses.
    "planned": [204, 121, 167],
    "what_if": [255, 255, 255],
}


def ramp(values, alpha: int = 180) -> list[list[int]]:
    """Colours along RAMP for values scaled to their own min..max (NaN gets grey)."""
    v = np.asarray(values, dtype=float)
    out = []
    lo, hi = (np.nanmin(v), np.nanmax(v)) if np.isfinite(v).any() else (0.0, 1.0)
    span = (hi - lo) or 1.0
    for x in v:
        if not np.isfinite(x):
            out.append([90, 90, 90, 80])
            continue
        pos = (x - lo) / span * (len(RAMP) - 1)
        i = min(int(pos), len(RAMP) - 2)
        c = RAMP[i] + (RAMP[i + 1] - RAMP[i]) * (pos - i)
        out.append([int(c[0]), int(c[1]), int(c[2]), alpha])
    return out


def districts_layer(
    geojson: dict,
    values: pd.DataFrame | None = None,
    value_col: str = "per_10k",
    label_col: str = "label",
    pickable: bool = True,
    layer_id: str = "districts",
) -> pdk.Layer:
    """District outlines, shaded by a per-district value when one is given."""
    feats = []
    by_name = values.set_index("kecamatan") if values is not None and len(values) else None
    colours = dict(zip(by_name.index, ramp(by_name[value_col], 150))) if by_name is not None else {}
    # The outlines' names as the values spell them ("Manhattan" drawn for "MANHATTAN"): a click
    # filters by the stored name, and a district is shaded whatever case its file uses.
    stored = {norm_district(n): n for n in by_name.index} if by_name is not None else {}
    for f in geojson.get("features", []):
        props = dict(f.get("properties") or {})
        outline_name = props.get("kecamatan") or props.get("name")
        name = stored.get(norm_district(outline_name), outline_name)
        props = {"kecamatan": str(name), "fill": colours.get(name, [30, 36, 48, 60]), "tip": ""}
        if by_name is not None and name in by_name.index and label_col in by_name:
            props["tip"] = str(by_name.loc[name, label_col])
        feats.append({"type": "Feature", "geometry": f["geometry"], "properties": props})
    return pdk.Layer(
        "GeoJsonLayer",
        {"type": "FeatureCollection", "features": feats},
        id=layer_id,
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color=[200, 210, 225, 200],
        line_width_min_pixels=1,
        pickable=pickable,
        auto_highlight=pickable,
    )


MARK = [255, 122, 26]  # the ticker's HIGH orange: the districts an alert names


def marked_districts_layer(geojson: dict, names) -> pdk.Layer:
    """The named districts' outlines, thick and orange over everything (matched whatever the case)."""
    wanted = {norm_district(n) for n in names}
    feats = [
        {"type": "Feature", "geometry": f["geometry"], "properties": {}}
        for f in geojson.get("features", [])
        if norm_district((f.get("properties") or {}).get("kecamatan") or "") in wanted
        or norm_district((f.get("properties") or {}).get("name") or "") in wanted
    ]
    return pdk.Layer(
        "GeoJsonLayer",
        {"type": "FeatureCollection", "features": feats},
        id="marked",
        stroked=True,
        filled=True,
        get_fill_color=[*MARK, 40],
        get_line_color=[*MARK, 255],
        line_width_min_pixels=4,
        pickable=False,
    )


def hex_layer(df: pd.DataFrame) -> pdk.Layer:
    """H3 hexagons shaded by complaints (aggregated in DuckDB before they get here), sent as outlines."""
    data = df.drop(columns=["hex"]).assign(outline=h3_outlines(df["hex"]))
    data["fill"] = ramp(np.log1p(df["complaints"].to_numpy(float)), 200) if len(df) else []
    return pdk.Layer(
        "PolygonLayer",
        data,
        id="hexagons",
        get_polygon="outline",
        get_fill_color="fill",
        extruded=False,
        stroked=False,
        pickable=True,
        auto_highlight=True,
    )


def points_layer(
    df: pd.DataFrame,
    radius_col: str,
    status_col: str = "status",
    layer_id: str = "points",
    min_px: int = 3,
) -> pdk.Layer:
    """Sites as circles of their real radius in metres (deck.gl's default unit), coloured by status.

    Only what the layer draws and its tooltip reads is sent to the browser.
    """
    keep = [c for c in ("lon", "lat", radius_col, "kecamatan", "tip") if c in df]
    data = df[keep].copy()
    data["fill"] = [[*STATUS_COLORS.get(s, [149, 165, 166]), 110] for s in df[status_col]]
    data["line"] = [[*STATUS_COLORS.get(s, [149, 165, 166]), 230] for s in df[status_col]]
    return pdk.Layer(
        "ScatterplotLayer",
        data,
        id=layer_id,
        get_position=["lon", "lat"],
        get_radius=radius_col,
        radius_min_pixels=min_px,
        get_fill_color="fill",
        get_line_color="line",
        stroked=True,
        line_width_min_pixels=1,
        pickable=True,
        auto_highlight=True,
    )


def coverage_layer(cells: pd.DataFrame, density_hi: float, tip, pickable: bool = True) -> pdk.Layer:
    """Coverage cells: a cell at least half covered is blue, else orange, deeper where more people live per hectare.

    `cells` has cell (H3 id), share covered, population, density (residents per ha) and kecamatan;
    `tip(residents, share)` is a cell's tooltip line in the page's language.
    """
    hi = density_hi or 1.0
    # Covered blue, uncovered orange (deeper where more people live): readable with red-green colour blindness.
    fill = [
        [0, 114, 178, int(60 + 140 * s)]
        if s >= 0.5
        else [230, 159, 0, int(40 + 160 * min(x / hi, 1.0))]
        for s, x in zip(cells["share"], cells["density"])
    ]
    data = pd.DataFrame(
        {
            "hex": h3_text(cells["cell"]),
            "outline": h3_outlines(cells["cell"]),  # hex: what a click names
            "kecamatan": cells["kecamatan"],
            "fill": fill,
            "tip": [tip(p, s) for p, s in zip(cells["population"], cells["share"])],
        }
    )
    return pdk.Layer(
        "PolygonLayer",
        data,
        id="cells",
        get_polygon="outline",
        get_fill_color="fill",
        stroked=False,
        extruded=False,  # flat: extruded cells hid the wifi points under them
        pickable=pickable,
        auto_highlight=pickable,
    )


def geojson_bounds(gj: dict | None) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) of every coordinate in a GeoJSON (its `bbox` when it says
    it), or None when it has none."""
    if gj and len(gj.get("bbox") or ()) == 4:
        return tuple(gj["bbox"])
    xs, ys = [], []

    def walk(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)

    for f in (gj or {}).get("features", []):
        walk((f.get("geometry") or {}).get("coordinates", []))
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def fit(
    bounds: tuple[float, float, float, float],
    width_px: float,
    height_px: float,
    margin: float = 0.06,
) -> tuple[float, float, float]:
    """(lat, lon, zoom) of a Web Mercator view that shows `bounds` whole in a panel of that size."""
    x0, y0, x1, y1 = bounds

    def merc_y(lat):
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max((x1 - x0) / 360.0, 1e-9)  # in world widths
    span_y = max((merc_y(y1) - merc_y(y0)) / (2 * math.pi), 1e-9)
    usable = 1 - 2 * margin
    zoom = math.log2(min(width_px * usable / (512 * span_x), height_px * usable / (512 * span_y)))
    lat = math.degrees(2 * math.atan(math.exp((merc_y(y0) + merc_y(y1)) / 2)) - math.pi / 2)
    return lat, (x0 + x1) / 2, max(0.0, min(zoom, 20.0))


# The mouse wheel scrolls the page, never the map (a page of charts under a map could not be
# reached otherwise); the map zooms by double-click (shift+double-click out), pinch, and the + / -
# keys once clicked, and pans by drag and the arrow keys. Streamlit honours a deck's views (1.67).
CONTROLLER = {
    "scrollZoom": False,
    "doubleClickZoom": True,
    "touchZoom": True,
    "dragPan": True,
    "dragRotate": False,
    "touchRotate": False,
    "keyboard": True,
}


# pydeck asks five times per Deck whether its Jupyter widget imports (has_jupyter_extra): without
# ipywidgets each ask is a failed import, searched for again each time (2.9 ms a Deck, two on the
# Complaints page). The answer cannot change in a running server: asked once.
pydeck_deck.has_jupyter_extra = functools.cache(pydeck_deck.has_jupyter_extra)


class Deck(pdk.Deck):
    """pydeck's Deck, sent as compact JSON. pydeck indents it, which makes Python encode it in
    Python (its C encoder does not indent): about 10 ms for a district map with a hexagon layer,
    and a third more bytes to the browser, which parses the same object from either."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def deck(
    layers: list,
    profile: Profile,
    tooltip_text: str | None = None,
    zoom: float | None = None,
    center: tuple[float, float] | None = None,
    frame: tuple | None = None,
) -> pdk.Deck:
    """A Deck over the city: basemap tiles when the profile names a style, else no basemap at all.

    `frame` = (bounds, width_px, height_px) fits the view to the bounds (the districts' or the profile's
    box) in a panel of that size, unless a centre and zoom are given."""
    if frame is not None and center is None and zoom is None:
        lat, lon, zoom = fit(*frame)
    else:
        lat, lon = center or profile.center
    view = pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom or profile.zoom, pitch=0, bearing=0)
    tooltip = (
        {
            "text": tooltip_text,
            "style": {
                "backgroundColor": "#1a1f2b",
                "color": "#e8eaed",
                "fontSize": "14px",
                "whiteSpace": "pre-line",
            },
        }
        if tooltip_text
        else False
    )
    views = [pdk.View(type="MapView", controller=CONTROLLER)]
    if profile.tile_style:
        return Deck(
            layers=layers,
            views=views,
            initial_view_state=view,
            map_style=profile.tile_style,
            tooltip=tooltip,
        )
    # map_provider=None leaves pydeck's placeholder style, which Streamlit reads as "no basemap":
    # nothing is fetched from a tile server on a closed network.
    return Deck(
        layers=layers, views=views, initial_view_state=view, map_provider=None, tooltip=tooltip
    )
