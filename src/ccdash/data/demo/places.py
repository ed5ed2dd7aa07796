"""Where demo things happen: random points inside district polygons, with busy spots."""

from __future__ import annotations

import numpy as np
import shapely


def points_in(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    """n random (lon, lat) points inside a polygon, by rejection from its bounds."""
    x0, y0, x1, y1 = geom.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        k = max(64, int((n - len(out)) * 2.5))
        cand = np.column_stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)])
        out = np.vstack([out, cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]])
    return out[:n]


class Places:
    """Where things happen in each kecamatan: uniform background plus a few busy spots."""

    def __init__(self, shapes, rng):
        self.shapes = shapes
        self.rng = rng
        self.hotspots = {k: points_in(g, 6, rng) for k, g in shapes.items()}

    def sample(self, kec: str, n: int, spot=None, spread_deg=0.0035) -> np.ndarray:
        rng, geom = self.rng, self.shapes[kec]
        if spot is not None:
            pts = np.column_stack([rng.normal(spot[1], 0.0025, n), rng.normal(spot[0], 0.0025, n)])
        else:
            n_hot = rng.binomial(n, 0.35)
            centres = self.hotspots[kec][rng.integers(0, len(self.hotspots[kec]), n_hot)]
            hot = centres + rng.normal(0, spread_deg, (n_hot, 2))
            pts = np.vstack([points_in(geom, n - n_hot, rng), hot])
            rng.shuffle(pts)
        # Anything that strayed outside the district is redrawn inside it.
        bad = ~shapely.contains_xy(geom, pts[:, 0], pts[:, 1])
        if bad.any():
            pts[bad] = points_in(geom, int(bad.sum()), rng)
        return pts
