"""The visitor tour's captions: a TOML file of steps, each a view with a title and a caption per language
(title_id/id, title_en/en, title_ms/ms, ...)."""

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
        if not isinstance(v, dict) or not v or not all(isinstance(x, str) for x in v.values()):
            raise ValueError(f'{path}: [glossary] {term} must be {{ id = "...", en = "..." }}')
        out[term] = dict(v)
    return out


def _by_language(table: dict, prefix: str) -> dict[str, str]:
    """{lang: text} from a step's keys: title_id, title_ms, ... (prefix "title_") or id, ms, ... ("")."""
    return {
        k.removeprefix(prefix): v
        for k, v in table.items()
        if k.startswith(prefix)
        and _LANG.match(k.removeprefix(prefix))
        and k not in ("view", "seconds")
        and isinstance(v, str)
    }


_LANG = re.compile(r"^[a-z]{2,3}(_[A-Z][A-Za-z0-9]{1,7})?$")


def glossary_for(texts: list[str], glossary: dict[str, dict], langs) -> list[tuple[str, str]]:
    """(term, meaning) for each glossary term that appears in the texts, in the order of the glossary;
    the meaning in the first of `langs` (a language and its fallbacks) that the glossary has."""
    shown = " ".join(texts)
    return [
        (term, next((m[code] for code in langs if m.get(code)), next(iter(m.values()))))
        for term, m in glossary.items()
        if re.search(rf"(?<![\w-]){re.escape(term)}(?![\w-])", shown)
    ]


def default_tour(text, views: tuple[str, ...] = TOUR_VIEWS) -> list[TourStep]:
    """A tour for any city, built from the views it has data for; text(view, part) gives the title
    or caption as {lang: text} (the interface catalogs hold the default story)."""
    return [
        TourStep(v, 20.0, text(v, "title"), text(v, "caption")) for v in TOUR_VIEWS if v in views
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
                _by_language(s, "title_"),
                _by_language(s, ""),
            )
        )
    if not steps:
        raise ValueError(f"{path}: no [[step]] entries")
    return steps
