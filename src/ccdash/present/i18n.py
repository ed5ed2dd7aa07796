"""Language: texts by key from the catalogs, labels of stored values, and numbers and dates per locale.

Texts come from present/catalog.py (one TOML file per language); numbers, dates, month names and plural
forms come from Babel's CLDR data, so any locale a catalog names formats as its readers expect.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol

from .catalog import BASE, catalogs


def languages(profile=None) -> tuple[str, ...]:
    """The languages the switch offers: the profile's [city] languages, else every complete catalog."""
    have = catalogs().by_code
    own = tuple(c for c in (getattr(profile, "languages", None) or ()) if c in have)
    if own:
        return own
    default = getattr(profile, "default_language", None)
    first = (default,) if default in have else ()
    return first + tuple(code for code, c in have.items() if c.complete and code != default)


def language_name(lang: str) -> str:
    cat = catalogs().by_code.get(lang)
    return cat.name if cat else lang


def normalize_lang(lang: str | None, default: str = "id") -> str:
    """lang when some catalog has it, else the default (itself checked: English as the last resort)."""
    have = catalogs().by_code
    if lang in have:
        return str(lang)
    return default if default in have else BASE


@lru_cache(maxsize=64)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang)
    except (ValueError, UnknownLocaleError):
        return Locale.parse(BASE)


def chain(lang: str) -> tuple[str, ...]:
    return catalogs().chain(lang)


def pick(texts: dict, lang: str) -> str:
    """From {lang: text} (a profile's label, a tour caption), the one for lang or its nearest fallback."""
    for code in chain(lang):
        if texts.get(code):
            return texts[code]
    return next((v for v in texts.values() if v), "")


def _word_default(key: str, lang: str) -> str:
    return _lookup(f"word.{key}", lang) or key


def words(profile, lang: str) -> dict[str, str]:
    """{district}, {district_lc}, {agency}, {agency_lc} for the texts, in the page's language."""
    own = getattr(profile, "words", None) or {}
    out = {}
    for k in ("district", "agency"):
        word = pick(own[k], lang) if own.get(k) else _word_default(k, lang)
        out[k], out[f"{k}_lc"] = word, _lower(word)
    return out


def _lower(word: str) -> str:
    """'District' -> 'district', but an acronym ('OPD') keeps its case."""
    return word if word[1:2].isupper() else word[:1].lower() + word[1:]


class _Fill(dict):
    """format_map's mapping: a city word nobody passed falls back to the generic one; a name a
    translation invented stays visible as {name}, so a city's catalog cannot break a page."""

    def __init__(self, lang: str, kw: dict):
        super().__init__(kw)
        self.lang = lang

    def __missing__(self, key):
        base = key.removesuffix("_lc")
        if base in ("district", "agency"):
            word = _word_default(base, self.lang)
            return _lower(word) if key.endswith("_lc") else word
        return "{" + key + "}"


def _lookup(key: str, lang: str):
    return _found(key, lang)[1]


def _found(key: str, lang: str):
    """(the language that has the text, the text), or (lang, None)."""
    by_code = catalogs().by_code
    for code in chain(lang):
        text = by_code[code].text.get(key) if code in by_code else None
        if text is not None:
            return code, text
    return lang, None


def plural_form(n, lang: str) -> str:
    """CLDR's plural category of n in lang: 'one', 'other', ... (Babel)."""
    try:
        return _locale(lang).plural_form(abs(n))
    except (TypeError, ValueError):
        return "other"


def t(key: str, lang: str, count=None, **kw) -> str:
    """The text for key in lang (or its fallbacks); the key itself when no catalog has it (visible, so
    it gets fixed). A text with plural forms picks by `count`, else by a numeric `n`."""
    source, text = _found(key, lang)
    if text is None:
        return key
    if isinstance(text, dict):  # plural forms, by the rules of the language the text is in
        n = count if count is not None else kw.get("n")
        form = plural_form(n, source) if isinstance(n, (int, float)) else "other"
        text = text.get(form) or text["other"]
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
    by_code = catalogs().by_code
    for code in chain(lang):
        text = by_code[code].values.get(kind, {}).get(value) if code in by_code else None
        if text is not None:
            return text
    return "" if value is None else str(value)


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


@lru_cache(maxsize=64)
def _number_marks_table(lang: str) -> dict[int, str]:
    loc = _locale(lang)
    return str.maketrans({",": get_group_symbol(loc), ".": get_decimal_symbol(loc)})


def fmt_num(x, lang: str, decimals: int = 0) -> str:
    """x in the locale's marks (1,234.5 in English, 1.234,5 in Indonesian); an en dash for no value.
    Rounded as Python rounds (f-strings), grouped by threes, with the locale's CLDR group and decimal
    marks (Babel's): what Babel's format_decimal draws with the pattern #,##0.0, at a ninth of its
    cost (a table of a thousand rows formats two thousand coordinates)."""
    if _missing(x):
        return "–"
    return f"{x:,.{decimals}f}".translate(_number_marks_table(lang))


def fmt_nums(values, lang: str, decimals: int = 0, missing: str = "–") -> list[str]:
    """fmt_num of each of `values` (a column's), `missing` where there is none: the same text, at a
    third of its cost per value (a table's two thousand coordinates)."""
    spec, marks = f",.{decimals}f", _number_marks_table(lang)
    return [missing if x is None or x != x else format(x, spec).translate(marks) for x in values]


def fmt_pct(x, lang: str, decimals: int = 1) -> str:
    """A share in 0..1 as a percentage, with the locale's sign and spacing ('45,0%', '45,0 %')."""
    if _missing(x):
        return "–"
    pattern = _locale(lang).percent_formats[None].pattern.split(";")[0]
    head, _, tail = pattern.partition("#,##0")
    return head + fmt_num(100 * x, lang, decimals) + tail


def fmt_signed(x, lang: str, decimals: int = 0) -> str:
    if x is None:
        return "–"
    return ("+" if x > 0 else "") + fmt_num(x, lang, decimals)


def fmt_pp(x, lang: str, decimals: int = 1) -> str:
    """A change between two percentages, in percentage points: '+0.4 pp' ('+0,4 pp' in Indonesian)."""
    if _missing(x):
        return "–"
    return fmt_signed(round(x, decimals), lang, decimals) + " " + t("unit.pp", lang)


def _as_date(d) -> date:
    if isinstance(d, datetime):
        return d.date()
    if isinstance(d, date):
        return d
    return date.fromisoformat(str(d)[:10])


def fmt_date(d, lang: str) -> str:
    if d is None:
        return "–"
    return _date_text(_as_date(d), t("format.date", lang), lang)


@lru_cache(maxsize=4096)
def _date_text(day: date, pattern: str, lang: str) -> str:
    """One date in a pattern (a chart labels the same 90 days on every rerun: formatted once)."""
    return format_date(day, pattern, locale=_locale(lang))


def month_abbr(lang: str) -> tuple[str, ...]:
    """Jan..Dec abbreviated in lang (CLDR), for chart axes."""
    names = get_month_names("abbreviated", locale=_locale(lang))
    return tuple(str(names[m]) for m in range(1, 13))


def number_marks(lang: str) -> str:
    """Plotly's `separators`: the decimal mark then the group mark of lang."""
    loc = _locale(lang)
    group = get_group_symbol(loc)
    return get_decimal_symbol(loc) + (" " if group.isspace() else group)


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
    if _as_date(start).year == _as_date(end).year:
        a = format_date(_as_date(start), t("format.date_short", lang), locale=_locale(lang))
    return f"{a} – {b}"


def fmt_datetime(dt, lang: str) -> str:
    if dt is None:
        return "–"
    clock = format_time(dt, t("format.time", lang), locale=_locale(lang))
    return t("format.date_at_time", lang, date=fmt_date(dt, lang), time=clock)


def label(profile, lang: str, dim: str, value) -> str:
    """A display label for a stored value (category names from the profile, enums from the string table)."""
    if dim == "category":
        return profile.category_label(value, chain(lang))
    own = (getattr(profile, "channels", None) or {}).get(value) if dim == "channel" else None
    if own:
        return pick(own, lang)
    return value_label(dim, value, lang)


_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[/\\][^\s/\\'\"]+)+[/\\]([^\s/\\'\"]+)")


def without_paths(text: str) -> str:
    """A message with every absolute path cut to its last part (/srv/city/complaints.parquet ->
    complaints.parquet): what a file is called, never where the server keeps it."""
    return _PATH.sub(r"\1", text)


def problem_lines(problems: dict, lang: str) -> list[str]:
    """What is wrong with each extract, for any viewer: in the screen's language, naming the table,
    with the reason but never a server path."""
    out = []
    for table, detail in problems.items():
        detail = str(detail)
        name = t(f"table.{table}", lang)
        if detail.startswith("no "):
            out.append(t("problem.missing", lang, table=name))
        else:
            out.append(t("problem.unreadable", lang, table=name, why=without_paths(detail)))
    return out
