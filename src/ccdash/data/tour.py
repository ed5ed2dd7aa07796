"""The visitor tour's captions: a TOML file of steps, each a view with a title and a caption in both languages."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TourStep:
    view: str
    seconds: float
    title: dict
    caption: dict


TOUR_VIEWS = ("headline", "map", "journey", "cctv", "wifi")
CLOSING_SECONDS = 15.0


def load_glossary(path: Path | None) -> dict[str, dict]:
    """The captions file's [glossary]: TERM = { id = "...", en = "..." }, jargon a foreign visitor may not
    know (the tour explains each term its step shows); empty without a file or a table."""
    if path is None or not Path(path).exists():
        return {}
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8-sig")).get("glossary", {})
    out = {}
    for term, v in raw.items():
        if not isinstance(v, dict) or not isinstance(v.get("id", v.get("en")), str):
            raise ValueError(f'{path}: [glossary] {term} must be {{ id = "...", en = "..." }}')
        out[term] = {"id": v.get("id", v.get("en")), "en": v.get("en", v.get("id"))}
    return out


def glossary_for(texts: list[str], glossary: dict[str, dict], lang: str) -> list[tuple[str, str]]:
    """(term, meaning) for each glossary term that appears in the texts, in the order of the glossary."""
    shown = " ".join(texts)
    return [
        (term, m[lang])
        for term, m in glossary.items()
        if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", shown)
    ]


# The tour any city gets without a captions file: the same story, told from its own data ({city} is its name).
DEFAULT_STEPS = (
    (
        "headline",
        "{city} dalam angka",
        "{city} in numbers",
        "Semua pengaduan warga, dari setiap kanal, masuk ke satu layar: berapa yang masuk, berapa yang belum selesai, "
        "dan seberapa tepat waktu perangkat daerah menjawab.",
        "Every resident's complaint, from every channel, lands on one screen: how many come in, how many are still "
        "open, and how promptly the city's agencies answer.",
    ),
    (
        "map",
        "Di mana warga melapor",
        "Where residents report",
        "Heksagon menunjukkan kepadatan pengaduan 30 hari terakhir; heksagon dengan sangat sedikit laporan "
        "disembunyikan demi privasi.",
        "Hexagons show where complaints came from in the last 30 days; hexagons with very few reports are hidden to "
        "protect privacy.",
    ),
    (
        "journey",
        "Perjalanan sebuah pengaduan",
        "How a complaint travels",
        "Setiap laporan diverifikasi, diteruskan ke instansi yang berwenang, lalu diselesaikan atau ditolak. Yang lewat "
        "tenggat dihitung terlambat meski belum ditutup.",
        "Each report is verified, passed to the responsible agency, then resolved or rejected. A complaint past its "
        "deadline counts as late even before it closes.",
    ),
    (
        "cctv",
        "Mata kota",
        "The city's cameras",
        "Kamera lalu lintas dan keamanan; angka di bawah peta adalah bagian pengaduan yang terjadi dalam jangkauan "
        "sebuah kamera.",
        "Traffic and safety cameras; the figure under the map is the share of complaints that happened within a "
        "camera's view.",
    ),
    (
        "wifi",
        "Wifi publik",
        "Public wifi",
        "Titik wifi publik kota dan jangkauannya.",
        "The city's public wifi points and the area they serve.",
    ),
)


def default_tour(city: str, views: tuple[str, ...] = TOUR_VIEWS) -> list[TourStep]:
    """A tour for any city, in both languages, built from its name and the views it has data for."""
    return [
        TourStep(
            v,
            20.0,
            {"id": tid.format(city=city), "en": ten.format(city=city)},
            {"id": cid.format(city=city), "en": cen.format(city=city)},
        )
        for v, tid, ten, cid, cen in DEFAULT_STEPS
        if v in views
    ]


def load_tour(path: Path | None) -> list[TourStep]:
    """The city's tour captions; a clear error for a broken file (none named: see default_tour)."""
    if path is None or not Path(path).exists():
        raise ValueError(f"tour captions file not found: {path}")
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8-sig"))
    steps = []
    for i, s in enumerate(raw.get("step", []), 1):
        if s.get("view") not in TOUR_VIEWS:
            raise ValueError(
                f"{path}: step {i} has view {s.get('view')!r}, not one of {', '.join(TOUR_VIEWS)}"
            )
        steps.append(
            TourStep(
                s["view"],
                float(s.get("seconds", 20)),
                {"id": s.get("title_id", ""), "en": s.get("title_en", s.get("title_id", ""))},
                {"id": s.get("id", ""), "en": s.get("en", s.get("id", ""))},
            )
        )
    if not steps:
        raise ValueError(f"{path}: no [[step]] entries")
    return steps
