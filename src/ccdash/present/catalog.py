"""Interface languages as catalogs: one TOML file of texts per language, shipped or the city's own.

The package ships catalogs in shipped/locales/<code>.toml; a city adds a language, or overrides single
texts of a shipped one, with DATA_DIR/locales/<code>.toml in the same form. A text missing from a
catalog comes from its `fallback` language, then from English. docs/languages.md explains the form.
"""

from __future__ import annotations

import os
import re
import time
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..data.profile import LOCALES_DIR as SHIPPED_LOCALES
from ..data.profile import data_dir

BASE = "en"  # every text exists here; the last language of every chain
_CODE = re.compile(r"^[a-z]{2,3}(_[A-Z][A-Za-z0-9]{1,7})?$")


@dataclass(frozen=True)
class Catalog:
    code: str  # a CLDR locale code: "id", "ms", "th", "pt_BR"
    name: str  # the language's own name, for the language switch
    fallback: str
    complete: bool  # offered in the language switch when the profile lists no languages
    text: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)  # kind -> code -> label


@dataclass(frozen=True)
class Catalogs:
    by_code: dict
    problems: tuple  # one line per city catalog that could not be read

    def chain(self, lang: str) -> tuple[str, ...]:
        """The languages a text is looked up in, in order: lang, its fallbacks, English."""
        out: list[str] = []
        while lang in self.by_code and lang not in out:
            out.append(lang)
            lang = self.by_code[lang].fallback
        return (*out, BASE) if BASE not in out else tuple(out)


def _read(path: Path) -> Catalog:
    code = path.stem
    if not _CODE.match(code):
        raise ValueError(
            f"{path.name}: the file name must be a language code such as ms.toml or pt_BR.toml"
        )
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f"{path.name}: not a readable TOML file ({e})") from None
    head = raw.get("language", {})
    text = raw.get("text", {})
    values = raw.get("values", {})
    if not isinstance(head, dict) or not isinstance(text, dict) or not isinstance(values, dict):
        raise ValueError(f"{path.name}: [language], [text] and [values] must be tables")
    for key, value in text.items():
        ok = isinstance(value, str) or (
            isinstance(value, dict)
            and "other" in value
            and all(isinstance(v, str) for v in value.values())
        )
        if not ok:
            raise ValueError(
                f'{path.name}: [text] {key} must be a string or {{ one = "...", other = "..." }}'
            )
    return Catalog(
        code=code,
        name=str(head.get("name", code)),
        fallback=str(head.get("fallback", BASE)),
        complete=bool(head.get("complete", False)),
        text=text,
        values={k: dict(v) for k, v in values.items() if isinstance(v, dict)},
    )


def _merge(base: Catalog | None, own: Catalog, declared: dict) -> Catalog:
    """A city's catalog over the shipped one of the same language: its texts win, key by key."""
    if base is None:
        return own
    values = {k: {**v, **own.values.get(k, {})} for k, v in base.values.items()}
    values |= {k: v for k, v in own.values.items() if k not in values}
    return Catalog(
        code=base.code,
        name=own.name if "name" in declared else base.name,
        fallback=own.fallback if "fallback" in declared else base.fallback,
        complete=own.complete if "complete" in declared else base.complete,
        text={**base.text, **own.text},
        values=values,
    )


@lru_cache(maxsize=8)
def _load(city_dir: str, stamp: tuple) -> Catalogs:
    by_code = {p.stem: _read(p) for p in sorted(SHIPPED_LOCALES.glob("*.toml"))}
    problems = []
    for path in sorted(Path(city_dir).glob("*.toml")) if city_dir else ():
        try:
            own = _read(path)
            declared = tomllib.loads(path.read_text(encoding="utf-8-sig")).get("language", {})
        except ValueError as e:
            problems.append(f"locales/{e}")
            continue
        by_code[own.code] = _merge(by_code.get(own.code), own, declared)
    return Catalogs(by_code, tuple(problems))


LOOK_EVERY_S = 2.0  # how often the data folder's catalogs are looked at for a change
_looked: dict[str, tuple[float, Catalogs]] = {}


def catalogs() -> Catalogs:
    """The shipped catalogs and the data folder's own, re-read when a city file changes. Every text
    on a page asks for them, so the folder is looked at once every LOOK_EVERY_S, not per text."""
    # Keyed by the variable naming the folder: a page formats thousands of texts, and building the
    # folder's path for each took 10 ms of a 90-day chart's labels.
    where = os.environ.get("CCDASH_DATA_DIR", "")
    now = time.monotonic()
    seen = _looked.get(where)
    if seen is not None and now - seen[0] < LOOK_EVERY_S:
        return seen[1]
    folder = data_dir() / "locales"
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in files)
    found = _load(str(folder) if files else "", stamp)
    _looked[where] = (now, found)
    return found
