"""Embed real district boundaries in the demo: `python -m ccdash.data.demo.boundaries SRC.geojson OUT.geojson`.

Simplifies an OpenStreetMap export (about 20 m tolerance, topology kept), rounds coordinates to 5 decimals
(about 1 m) and keeps only each district's name, with the attribution ODbL asks for. The Bandung demo's
data/districts.geojson was made this way from ../shared/data/external/bandung-kecamatan-osm.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"


def simplify(
    src: Path, out: Path, name_property: str = "name", tolerance_deg: float = 0.0002
) -> int:
    raw = json.loads(Path(src).read_text(encoding="utf-8"))
    feats = []
    for f in raw["features"]:
        geom = shapely.set_precision(
            shape(f["geometry"]).simplify(tolerance_deg, preserve_topology=True), 1e-5
        )
        feats.append(
            {
                "type": "Feature",
                "properties": {"kecamatan": f["properties"][name_property]},
                "geometry": mapping(geom),
            }
        )
    feats.sort(key=lambda f: f["properties"]["kecamatan"])
    out.write_text(
        json.dumps(
            {"type": "FeatureCollection", "attribution": ATTRIBUTION, "features": feats},
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )
    return len(feats)


if __name__ == "__main__":
    n = simplify(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{n} districts written to {sys.argv[2]}")
