"""Deterministic synthetic extracts for Kota Bandung: `python -m ccdash.data.demo --seed 42 --out data`.

Grounded in facts (the 30 kecamatan with BPS 2022 population and area); everything else is
invented and labelled synthetic wherever it is shown.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import numpy as np

from .. import spatial
from ..files import write_csv_atomic, write_parquet_atomic, write_text_atomic
from ..profile import DEMO_DIR, load_profile, profile_path
from ..reference import facts_of, shapes_of
from ..schema import TABLES
from .complaints import generate_complaints
from .sites import generate_cctv, generate_wifi
from .world import DEFAULT_COMPLAINTS, DEFAULT_DAYS, DEFAULT_END


def generate(
    out: Path,
    seed: int = 42,
    complaints: int = DEFAULT_COMPLAINTS,
    end: str = DEFAULT_END,
    days: int = DEFAULT_DAYS,
    profile_file: Path | None = None,
    formats=("parquet", "csv"),
) -> dict:
    """Write every demo extract to out/; returns rows written per table."""
    out = Path(out)
    profile = load_profile(profile_file or profile_path(DEMO_DIR))
    facts = facts_of(profile)
    # The profile's district boundaries (the embedded OpenStreetMap ones); Voronoi cells of the centroids
    # only for a profile that has none.
    shapes = shapes_of(profile) or spatial.voronoi_districts(facts)
    boundaries = (
        profile.districts_file
        if profile.districts_file and profile.districts_file.exists()
        else None
    )
    rng = np.random.default_rng(seed)
    tables = {
        "complaints": generate_complaints(profile, facts, shapes, complaints, end, days, rng),
        "cctv_sites": generate_cctv(facts, shapes, end, rng),
    }
    tables["wifi_points"], tables["wifi_usage"] = generate_wifi(profile, facts, shapes, end, rng)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df = df[TABLES[name].stored_names()]
        if "parquet" in formats:
            write_parquet_atomic(df, out / f"{name}.parquet", name, profile.timezone)
        if "csv" in formats:
            write_csv_atomic(
                df, out / (f"{name}.csv.gz" if name == "complaints" else f"{name}.csv")
            )
    if boundaries is None:
        write_text_atomic(
            json.dumps(spatial.districts_geojson(shapes), separators=(",", ":")),
            out / "districts.geojson",
        )
    elif boundaries.resolve() != (out / "districts.geojson").resolve():
        shutil.copyfile(boundaries, out / "districts.geojson")
    # A folder elsewhere (a benchmark scale) gets the profile and facts so it is a city of its own.
    for name in ("city.toml", "kecamatan.csv", "tour.toml"):
        if not (out / name).exists():
            shutil.copyfile(profile.path.parent / name, out / name)
    return {k: len(v) for k, v in tables.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m ccdash.data.demo", description=__doc__.splitlines()[0]
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument(
        "--complaints", type=int, default=DEFAULT_COMPLAINTS, help="about how many complaints"
    )
    ap.add_argument("--end", default=DEFAULT_END, help="last day of data (YYYY-MM-DD)")
    ap.add_argument("--days", type=int, default=DEFAULT_DAYS)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--parquet-only", action="store_true", help="skip the CSV copies (benchmarks)")
    a = ap.parse_args(argv)
    counts = generate(
        a.out,
        a.seed,
        a.complaints,
        a.end,
        a.days,
        formats=("parquet",) if a.parquet_only else ("parquet", "csv"),
    )
    for k, v in counts.items():
        print(f"{k}: {v:,} rows")
    return 0
