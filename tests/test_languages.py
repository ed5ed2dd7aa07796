"""Interface languages as catalogs: every shipped catalog complete where it says so and safe to
format; a city's own catalog adds or overrides texts; Babel's CLDR formats; Malay on every page."""

from __future__ import annotations

import re
import shutil
import string
import tomllib

import pytest

from ccdash.data.profile import LOCALES_DIR, ProfileError, load_profile
from ccdash.present import i18n
from tests.test_any_city import app, page, texts


def catalog(code: str) -> dict:
    return tomllib.loads((LOCALES_DIR / f"{code}.toml").read_text(encoding="utf-8"))


def names(text) -> set[str]:
    forms = text.values() if isinstance(text, dict) else [text]
    return {f for form in forms for _, f, _, _ in string.Formatter().parse(form) if f}


ENGLISH = catalog("en")


@pytest.mark.parametrize("code", sorted(p.stem for p in LOCALES_DIR.glob("*.toml")))
def test_each_catalog_formats_with_the_names_the_code_passes(code):
    """A translation may only use the {names} its English text has (else it would show {name})."""
    own = catalog(code)
    for key, text in own["text"].items():
        assert key in ENGLISH["text"], f"{code}: {key} is no text of the code"
        assert names(text) <= names(ENGLISH["text"][key]) | {
            "district",
            "district_lc",
            "agency",
            "agency_lc",
        }, (code, key)


@pytest.mark.parametrize("code", ["id", "ms"])
def test_a_complete_catalog_has_every_text_and_label(code):
    own = catalog(code)
    assert own["language"]["complete"] is True
    assert set(own["text"]) == set(ENGLISH["text"])
    for kind, labels in ENGLISH["values"].items():
        assert set(own["values"][kind]) == set(labels), (code, kind)


def test_numbers_dates_and_plurals_follow_cldr():
    from datetime import date, datetime

    assert i18n.fmt_num(1234567.5, "en", 1) == "1,234,567.5"
    assert i18n.fmt_num(1234567.5, "id", 1) == "1.234.567,5"
    assert i18n.fmt_num(1234567.5, "ms", 1) == "1,234,567.5"
    assert i18n.fmt_num(2.675, "en", 2) == f"{2.675:.2f}"  # rounded as Python rounds, then drawn
    assert i18n.fmt_pct(0.456, "id") == "45,6%"
    assert i18n.fmt_date(date(2026, 8, 23), "id") == "23 Agu 2026"
    assert i18n.fmt_date(date(2026, 8, 23), "ms") == "23 Ogo 2026"
    assert i18n.fmt_date(date(2026, 8, 23), "th") == "23 ส.ค. 2026"
    assert i18n.fmt_datetime(datetime(2026, 8, 23, 7, 5), "id") == "23 Agu 2026 pukul 07.05"
    assert i18n.t("filters.active", "en", n=1) == "1 filter active"
    assert i18n.t("filters.active", "en", n=3) == "3 filters active"
    # Thai has no plural: a text it borrows from English keeps English's rules
    assert i18n.t("filters.active", "th", n=1) == "1 filter active"
    assert i18n.month_abbr("ms")[7] == "Ogo" and i18n.number_marks("id") == ",."


def test_numbers_are_drawn_as_babel_draws_them():
    """fmt_num puts the locale's marks on Python's rounding itself; Babel's format_decimal, given the
    same rounded value and the pattern #,##0.0..., is the independent drawing to agree with."""
    from decimal import Decimal

    import numpy as np
    from babel.numbers import format_decimal

    rng = np.random.default_rng(7)
    values = [0, -0.0, -0.04, 0.05, 2.675, 999.95, -1234.5, 10**12, np.int64(-123456)]
    values += list(rng.uniform(-1e8, 1e8, 300)) + list(rng.integers(-(10**9), 10**9, 100))
    for lang in ("en", "id", "ms", "th", "fr", "de", "pt_BR", "hi", "ar", "unknown"):
        locale = i18n._locale(lang)
        for decimals in (0, 1, 2, 5):
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            for x in values:
                fixed = Decimal(f"{x:.{decimals}f}")
                expected = format_decimal(fixed, format=pattern, locale=locale)
                assert i18n.fmt_num(x, lang, decimals) == expected, (lang, decimals, x)
    assert i18n.fmt_num(None, "id") == i18n.fmt_num(float("nan"), "id") == "–"


def test_a_city_adds_a_language_and_overrides_a_text_without_code(monkeypatch, writable_city):
    d = writable_city
    (d / "locales").mkdir()
    (d / "locales" / "fr.toml").write_text(
        '[language]\nname = "Français"\ncomplete = true\n\n[text]\n'
        '"nav.overview" = "Vue d\'ensemble"\n"kpi.new_today" = "Nouveaux aujourd\'hui"\n'
        '"format.date" = "d MMM y"\n"format.bad" = "{nothing}"\n',
        encoding="utf-8",
    )
    (d / "locales" / "id.toml").write_text(
        '[text]\n"kpi.new_today" = "Masuk hari ini"\n', encoding="utf-8"
    )
    toml = d / "city.toml"
    toml.write_text(
        re.sub(r'(?m)^default_language = ".*"$', 'default_language = "fr"', toml.read_text())
    )
    monkeypatch.setenv("CCDASH_DATA_DIR", str(d))
    assert load_profile(toml).default_language == "fr"
    assert i18n.t("kpi.new_today", "fr") == "Nouveaux aujourd'hui"
    assert i18n.t("kpi.last_7d", "fr") == "Last 7 days"  # missing: English
    assert i18n.t("kpi.new_today", "id") == "Masuk hari ini"  # the city's word wins
    assert i18n.t("kpi.last_7d", "id") == "7 hari terakhir"  # the rest of the shipped catalog stays
    assert i18n.fmt_num(1234.5, "fr", 1) == "1\u202f234,5"
    assert i18n.t("format.bad", "fr") == "{nothing}"  # a name no code passes shows, never raises
    at = app(monkeypatch, d, lang="fr")
    assert not at.exception
    assert any(m.label == "Nouveaux aujourd'hui" for m in at.metric)


def test_a_language_without_a_catalog_is_refused_in_one_line(tmp_path, city_dir):
    d = tmp_path / "city"
    shutil.copytree(city_dir, d)
    toml = d / "city.toml"
    toml.write_text(
        re.sub(r'(?m)^default_language = ".*"$', 'default_language = "xx"', toml.read_text())
    )
    with pytest.raises(
        ProfileError,
        match=r"\[city\] language 'xx' has no catalog \(shipped: en, id, ms, th; a city adds one as locales/xx.toml",
    ):
        load_profile(toml)


MALAY = {
    "overview": "Ringkasan",
    "complaints": "Aduan",
    "cctv": "CCTV",
    "wifi": "Wifi awam",
    "coverage": "Liputan wifi",
    "data": "Sumber data",
}


@pytest.mark.parametrize("name", list(MALAY))
def test_malay_on_every_desk_page(monkeypatch, city_dir, name):
    at = page(app(monkeypatch, city_dir, lang="ms"), name)
    assert not at.exception and not at.error
    seen = texts(at)
    assert not re.search(
        r"\b[a-z]+\.[a-z_]+\.?[a-z_]*\b(?<!\.parquet)(?<!\.csv)",
        " ".join(m.label for m in at.metric),
    )
    assert (
        MALAY[name] in seen
        or MALAY[name] in " ".join(h.value for h in at.get("header") + at.get("title"))
        or name in ("cctv",)
    )


@pytest.mark.parametrize(
    "params",
    [{"mode": "wall", "view": v} for v in ("overview", "complaints", "cctv", "wifi", "alerts")]
    + [{"tour": "1", "step": s} for s in ("1", "2", "3", "4", "5", "6")],
)
def test_malay_on_the_wall_and_the_tour(monkeypatch, city_dir, params):
    at = app(monkeypatch, city_dir, lang="ms", **params)
    assert not at.exception and not at.error
    labels = [m.label for m in at.metric]
    for label in labels:
        assert not re.fullmatch(r"[a-z_]+\.[a-z_.]+", label), label  # never a bare key


@pytest.mark.parametrize("lang", ["id", "en", "ms", "th"])
def test_a_columns_numbers_read_as_each_number_alone(lang):
    fmt_num, fmt_nums = i18n.fmt_num, i18n.fmt_nums
    values = [0, -6.912345678, 107.6, 1234567.891, float("nan"), None, -0.000001, 10**12, True]
    for decimals in (0, 1, 5):
        want = [
            "" if fmt_num(v, lang, decimals) == "–" else fmt_num(v, lang, decimals) for v in values
        ]
        assert fmt_nums(values, lang, decimals, missing="") == want
    assert fmt_nums([None, 2.5], lang, 1)[0] == "–"
