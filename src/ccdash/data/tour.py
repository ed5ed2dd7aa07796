"""The visitor tour's captions: a TOML file of steps, each a view with a title and a caption in both languages."""

from __future__ import annotations

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


def load_tour(path: Path | None) -> list[TourStep]:
    """The city's tour captions; a clear error for a broken file."""
    if path is None or not Path(path).exists():
        raise ValueError(f"tour captions file not found: {path}")
    raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    steps = []
    for i, s in enumerate(raw.get("step", []), 1):
        if s.get("view") not in TOUR_VIEWS:
            raise ValueError(f"{path}: step {i} has view {s.get('view')!r}, not one of {', '.join(TOUR_VIEWS)}")
        steps.append(TourStep(s["view"], float(s.get("seconds", 20)),
                              {"id": s.get("title_id", ""), "en": s.get("title_en", s.get("title_id", ""))},
                              {"id": s.get("id", ""), "en": s.get("en", s.get("id", ""))}))
    if not steps:
        raise ValueError(f"{path}: no [[step]] entries")
    return steps
