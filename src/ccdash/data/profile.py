"""The city profile: a TOML file that makes ccdash one city's command center."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .config import PROFILE, load_checked

# What the package ships (package data, so a non-editable install has it too): the synthetic demo city,
# mappings of real exports, and profiles of other cities.
SHIPPED = Path(__file__).resolve().parents[1] / "shipped"
DEMO_DIR = SHIPPED / "demo"
MAPPINGS_DIR = SHIPPED / "mappings"
PROFILES_DIR = SHIPPED / "profiles"
LOCALES_DIR = SHIPPED / "locales"  # the interface catalogs (present/catalog.py reads them)


# What each page, wall view, tour step and map layer draws from: a city without that layer gets none of it.
NEEDS = {
    "complaints": "complaints",
    "hex": "complaints",
    "districts": "complaints",
    "headline": "complaints",
    "map": "complaints",
    "journey": "complaints",
    "cctv": "cctv",
    "wifi": "wifi",
    "coverage": "wifi",
}


class ProfileError(ValueError):
    """A city profile that cannot be used."""


@dataclass(frozen=True)
class Category:
    code: str
    labels: dict  # lang -> label
    agency: str
    sla_days: float


@dataclass(frozen=True)
class Profile:
    path: Path
    name: str
    synthetic: bool
    timezone: str
    timezone_label: str
    default_language: str
    languages: tuple  # what the language switch offers (empty: every complete catalog)
    clock: str
    center: tuple[float, float]
    zoom: float
    bbox: tuple[float, float, float, float]
    tile_style: str
    attribution: str  # credited under every map (the boundaries' licence, say)
    districts_file: Path | None
    districts_name_property: str
    facts_file: Path | None
    categories: dict[str, Category]
    agencies: dict[str, str]
    sla_default_days: float
    thresholds: dict = field(default_factory=dict)
    wifi_default_radius_m: dict = field(default_factory=dict)
    wifi_fast_mbps: int = 300  # a point at this uplink or more counts as upgraded
    cctv_default_view_radius_m: float = 100.0
    cctv_silent_hours: float = (
        12.0  # a camera unseen for longer is "not reporting", whatever its status says
    )
    alerts: dict = field(default_factory=dict)
    wall_refresh_seconds: float = 30.0
    wall_playlist: tuple = ()  # ((view, seconds), ...)
    tour_file: Path | None = None
    coverage: dict = field(default_factory=dict)
    ingest: dict = field(default_factory=dict)  # earliest, max_text_chars
    layers: dict = field(
        default_factory=lambda: {"complaints": True, "cctv": True, "wifi": True}
    )  # what the city has
    access: dict = field(
        default_factory=dict
    )  # [access]: claim, roles (group -> role), default_role
    words: dict = field(default_factory=dict)  # district / agency -> (id, en): the city's own terms
    channels: dict = field(
        default_factory=dict
    )  # code -> (id, en): the city's channels, when it lists them
    engine: tuple = (
        "duckdb",
        "sc://127.0.0.1:15002",
        None,
    )  # (kind, Spark Connect URL, data path on the cluster)

    def has(self, layer: str) -> bool:
        """Whether the city has this layer ([layers] complaints / cctv / wifi; all by default)."""
        return bool(self.layers.get(layer, True))

    def shows(self, name: str) -> bool:
        """Whether a page, wall view, tour step or map layer has what it draws: each needs one layer
        (the complaint hexagons need complaints, the CCTV view cameras); the rest need none."""
        return self.has(NEEDS[name]) if name in NEEDS else True

    def has_polygons(self) -> bool:
        """Whether the profile names a district polygons file that is there."""
        return bool(self.districts_file and self.districts_file.exists())

    def has_population(self) -> bool:
        """Whether the profile names a facts file (population per district) that is there."""
        return bool(self.facts_file and self.facts_file.exists())

    def tables(self) -> tuple[str, ...]:
        """The extracts this city is expected to have."""
        return (
            *(("complaints",) if self.has("complaints") else ()),
            *(("cctv_sites",) if self.has("cctv") else ()),
            *(("wifi_points",) if self.has("wifi") else ()),
        )  # usage is optional: its panels say so

    def category_label(self, code: str, langs) -> str:
        """The category's label in the first of langs (a language, or it and its fallbacks) it has."""
        cat = self.categories.get(code)
        if cat is None:
            return code
        return pick_label(cat.labels, (langs,) if isinstance(langs, str) else langs)

    def sla_days(self, category: str) -> float:
        cat = self.categories.get(category)
        return cat.sla_days if cat else self.sla_default_days

    def in_bbox(self, lon: float, lat: float) -> bool:
        x0, y0, x1, y1 = self.bbox
        return x0 <= lon <= x1 and y0 <= lat <= y1

    def threshold(self, name: str, default):
        return self.thresholds.get(name, default)


def data_dir() -> Path:
    """Where the extracts live: $CCDASH_DATA_DIR, else the shipped demo city."""
    return Path(os.environ.get("CCDASH_DATA_DIR") or DEMO_DIR)


def profile_path(directory: Path | None = None) -> Path:
    env = os.environ.get("CCDASH_PROFILE")
    if env:
        return Path(env)
    return (directory or data_dir()) / "city.toml"


def load_profile(path: Path | str | None = None) -> Profile:
    """Read and check a city profile; relative file names resolve against the profile's folder."""
    path = Path(path) if path else profile_path()
    try:
        raw = load_checked(path, PROFILE, "city profile")
    except ValueError as e:
        raise ProfileError(str(e)) from None
    city = raw["city"]
    m = raw["map"]
    bbox = m["bbox"]
    if not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
        raise ProfileError(
            f"city profile {path}: [map] bbox: {bbox} has a minimum above its maximum "
            f"(expected [min_lon, min_lat, max_lon, max_lat])"
        )

    def rel(name):
        return (path.parent / name) if name else None

    for code in (city.get("default_language", "en"), *city.get("languages", ())):
        if not any((d / f"{code}.toml").is_file() for d in (LOCALES_DIR, path.parent / "locales")):
            shipped = ", ".join(sorted(p.stem for p in LOCALES_DIR.glob("*.toml")))
            raise ProfileError(
                f"city profile {path}: [city] language {code!r} has no catalog (shipped: {shipped}; "
                f"a city adds one as locales/{code}.toml beside its profile)"
            )

    sla_default = float(raw.get("sla", {}).get("default_days", 5))
    cats = {
        code: Category(
            code,
            {k: v for k, v in c.items() if isinstance(v, str) and k != "agency"} or {"en": code},
            c.get("agency", ""),
            float(c.get("sla_days", sla_default)),
        )
        for code, c in raw.get("categories", {}).items()
    }
    wall = raw.get("wall", {})
    clock = city.get("clock", "system")
    return Profile(
        path=path,
        name=city["name"],
        synthetic=bool(city.get("synthetic", False)),
        timezone=city.get("timezone", "UTC"),
        timezone_label=city.get("timezone_label", city.get("timezone", "UTC")),
        default_language=city.get("default_language", "en"),
        languages=tuple(city.get("languages", ())),
        clock=clock,
        center=(
            float(m.get("center_lat", (bbox[1] + bbox[3]) / 2)),
            float(m.get("center_lon", (bbox[0] + bbox[2]) / 2)),
        ),
        zoom=float(m.get("zoom", 11)),
        bbox=(float(bbox[0]), float(bbox[1]), float(bbox[2]), float(bbox[3])),
        tile_style=m.get("tile_style", ""),
        attribution=str(m.get("attribution", "")),
        districts_file=rel(m.get("districts_file")),
        districts_name_property=m.get("districts_name_property", "name"),
        facts_file=rel(m.get("facts_file")),
        categories=cats,
        agencies=dict(raw.get("agencies", {})),
        sla_default_days=sla_default,
        thresholds=dict(raw.get("thresholds", {})),
        wifi_default_radius_m=dict(raw.get("wifi", {}).get("default_radius_m", {})),
        wifi_fast_mbps=int(raw.get("wifi", {}).get("fast_mbps", 300)),
        cctv_default_view_radius_m=float(raw.get("cctv", {}).get("default_view_radius_m", 100)),
        cctv_silent_hours=float(
            raw.get("cctv", {}).get(
                "silent_hours", raw.get("alerts", {}).get("cctv_offline_hours", 12)
            )
        ),
        alerts=dict(raw.get("alerts", {})),
        wall_refresh_seconds=float(wall.get("refresh_seconds", 30)),
        wall_playlist=_playlist(path, wall.get("playlist")),
        tour_file=rel(raw.get("tour", {}).get("captions_file")),
        coverage=_coverage(path, raw.get("coverage", {}), rel),
        ingest={
            "earliest": date.fromisoformat(raw.get("ingest", {}).get("earliest", "2000-01-01")),
            "max_text_chars": raw.get("ingest", {}).get("max_text_chars", 2000),
        },
        layers={"complaints": True, "cctv": True, "wifi": True} | raw.get("layers", {}),
        access=dict(raw.get("access", {})),
        words=_labels(raw.get("words", {})),
        channels=_labels(raw.get("channels", {})),
        engine=_engine(path, raw.get("engine", {})),
    )


ENGINES = ("duckdb", "spark")


def _engine(path: Path, raw: dict) -> tuple:
    """[engine], with CCDASH_ENGINE and CCDASH_SPARK_URL overriding the profile."""
    kind = os.environ.get("CCDASH_ENGINE") or raw.get("kind", "duckdb")
    if kind not in ENGINES:
        raise ProfileError(
            f"CCDASH_ENGINE: {kind!r} is not an engine (expected one of: {', '.join(ENGINES)})"
        )
    url = os.environ.get("CCDASH_SPARK_URL") or raw.get("spark_url", "sc://127.0.0.1:15002")
    return kind, url, raw.get("data_path")


def _labels(raw: dict) -> dict:
    """A table of KEY = { id = "...", en = "...", ms = "..." } as KEY -> {lang: label}."""
    return {k: {lang: str(v) for lang, v in labels.items()} for k, labels in raw.items()}


def pick_label(labels: dict, langs) -> str:
    """The label in the first of langs that has one, else English, else any."""
    for lang in (*langs, "en"):
        if labels.get(lang):
            return labels[lang]
    return next(iter(labels.values()), "")


def _coverage(path: Path, raw: dict, rel) -> dict:
    return {
        "res": int(raw.get("h3_resolution", 10)),
        "new_point_radius_m": float(raw.get("new_point_radius_m", 100)),
        "peak_hour_share": float(raw.get("peak_hour_share", 0.12)),
        "congested_mbps_per_user": float(raw.get("congested_mbps_per_user", 1.0)),
        "candidates_file": rel(raw.get("candidates_file") or None),
        "population_grid_file": rel(raw.get("population_grid_file") or None),
    }


WALL_VIEWS = ("overview", "complaints", "cctv", "wifi", "alerts")
DEFAULT_PLAYLIST = (
    ("overview", 30),
    ("complaints", 20),
    ("cctv", 20),
    ("wifi", 15),
    ("alerts", 15),
)


def _playlist(path: Path, raw) -> tuple:
    return (
        DEFAULT_PLAYLIST
        if raw is None
        else tuple((v["view"], float(v.get("seconds", 20))) for v in raw)
    )
