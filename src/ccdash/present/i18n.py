"""Language: strings by key, labels of stored values, and numbers and dates formatted per language."""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from .strings import STRINGS
from .value_labels import VALUE_LABELS

LANGS = ("id", "en")
MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def normalize_lang(lang: str | None, default: str = "id") -> str:
    return lang if lang in LANGS else default


# The city's own words for its districts and agencies ([words] in the profile); these when it names none.
DEFAULT_WORDS = {"district": ("Wilayah", "District"), "agency": ("Instansi", "Agency")}


def words(profile, lang: str) -> dict[str, str]:
    """{district}, {district_lc}, {agency}, {agency_lc} for the strings, in the page's language."""
    own = getattr(profile, "words", None) or {}
    out = {}
    for k, pair in DEFAULT_WORDS.items():
        word = (own.get(k) or pair)[1 if lang == "en" else 0]
        out[k], out[f"{k}_lc"] = word, word if word[1:2].isupper() else word[:1].lower() + word[1:]
    return out


class _Fill(dict):
    """format_map's mapping: a city word nobody passed falls back to the generic one."""

    def __init__(self, lang: str, kw: dict):
        super().__init__(kw)
        self.lang = lang

    def __missing__(self, key):
        base = key.removesuffix("_lc")
        if base in DEFAULT_WORDS:
            word = DEFAULT_WORDS[base][1 if self.lang == "en" else 0]
            return word[:1].lower() + word[1:] if key.endswith("_lc") else word
        raise KeyError(key)


def t(key: str, lang: str, **kw) -> str:
    """The string for key in lang; the key itself when missing (visible, so it gets fixed)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format_map(_Fill(lang, kw)) if "{" in text else text


def plain(text, limit: int = 80) -> str:
    """User text (a URL parameter, a file's header or value) for a markdown element: one line, cut to
    `limit` characters, as an inline code span, where markdown, links, images, colours and icons are
    not parsed (the fence is longer than any run of backticks inside)."""
    text = " ".join(str(text).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence} {text} {fence}"


def value_label(kind: str, value, lang: str) -> str:
    pair = VALUE_LABELS.get(kind, {}).get(value)
    if pair is None:
        return "" if value is None else str(value)
    return pair[1] if lang == "en" else pair[0]


def fmt_num(x, lang: str, decimals: int = 0) -> str:
    """1,234.5 in English and 1.234,5 in Indonesian; an en dash for no value."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    s = f"{x:,.{decimals}f}"
    if lang == "id":
        s = s.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return s


def fmt_pct(x, lang: str, decimals: int = 1) -> str:
    """A share in 0..1 as a percentage."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return fmt_num(100 * x, lang, decimals) + "%"


def fmt_signed(x, lang: str, decimals: int = 0) -> str:
    if x is None:
        return "–"
    return ("+" if x > 0 else "") + fmt_num(x, lang, decimals)


def fmt_pp(x, lang: str, decimals: int = 1) -> str:
    """A change between two percentages, in percentage points: '+0.4 pp' ('+0,4 pp' in Indonesian)."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return fmt_signed(round(x, decimals), lang, decimals) + " pp"


def fmt_date(d, lang: str) -> str:
    if d is None:
        return "–"
    if isinstance(d, datetime):
        d = d.date()
    if not isinstance(d, date):
        d = date.fromisoformat(str(d)[:10])
    return f"{d.day} {MONTHS[lang][d.month - 1]} {d.year}"


def fmt_duration(hours, lang: str) -> str:
    """A silence or an age: hours up to 48, whole days past that ('17 d', not '418 h'); '–' when unknown."""
    if hours is None or (isinstance(hours, float) and math.isnan(hours)):
        return "–"
    if hours <= 48:
        return f"{fmt_num(hours, lang)} {t('unit.hours', lang)}"
    return f"{fmt_num(hours / 24, lang)} {t('unit.days', lang)}"


def fmt_range(start, end, lang: str) -> str:
    """A date range as a tile's window: '23 Agu – 20 Nov 2026', 'all time' when it is open."""
    if start is None and end is None:
        return t("window.all", lang)
    if start is None:
        return t("window.until", lang, end=fmt_date(end, lang))
    if end is None:
        return t("window.since", lang, start=fmt_date(start, lang))
    a, b = fmt_date(start, lang), fmt_date(end, lang)
    if start.year == end.year:
        a = a.rsplit(" ", 1)[0]
    return f"{a} – {b}"


def fmt_datetime(dt, lang: str) -> str:
    if dt is None:
        return "–"
    sep = "pukul" if lang == "id" else "at"
    clock = f"{dt:%H.%M}" if lang == "id" else f"{dt:%H:%M}"
    return f"{fmt_date(dt, lang)} {sep} {clock}"


def label(profile, lang: str, dim: str, value) -> str:
    """A display label for a stored value (category names from the profile, enums from the string table)."""
    if dim == "category":
        return profile.category_label(value, lang)
    own = (getattr(profile, "channels", None) or {}).get(value) if dim == "channel" else None
    if own:
        return own[1 if lang == "en" else 0]
    return value_label(dim, value, lang)
