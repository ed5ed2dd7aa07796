"""Every CSV ccdash offers is safe to open in a spreadsheet (OWASP CSV injection)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import streamlit

from ccdash.present.export import FORMULA_START, csv_text, neutralise
from tests.paths import DEMO_DIR
from tests.test_views import start

ATTACKS = [
    '=HYPERLINK("https://evil.example/","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\tTAB",
    "\rCR",
]


def test_formula_cells_are_neutralised_and_numbers_kept():
    df = pd.DataFrame({"text": [*ATTACKS, "plain", None], "n": list(range(-4, len(ATTACKS) - 2))})
    safe = neutralise(df)
    assert safe.text.tolist()[: len(ATTACKS)] == ["'" + a for a in ATTACKS]
    assert safe.text.tolist()[len(ATTACKS)] == "plain" and pd.isna(safe.text.tolist()[-1])
    back = pd.read_csv(
        io.StringIO(csv_text(df.iloc[:-3])), keep_default_na=False
    )  # no bare CR to re-read
    assert back.text.tolist() == ["'" + a for a in ATTACKS[:-1]]
    assert back.n.tolist() == df.n.iloc[:-3].tolist()  # negative numbers are numbers, not formulas


def _is_number(v: str) -> bool:
    try:
        float(v)
        return True
    except ValueError:
        return False


@pytest.fixture
def downloads(monkeypatch):
    """What each download button would hand the browser, by key (callables made as on a click)."""
    got = {}

    def fake(label, data=None, file_name=None, mime=None, key=None, **kw):
        got[key] = data() if callable(data) else data
        return False

    monkeypatch.setattr(streamlit, "download_button", fake)
    return got


def _cells(text: str) -> list[str]:
    df = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return [v for c in df.columns for v in df[c]]


def test_every_download_of_the_app_is_neutralised(monkeypatch, writable_city, downloads):
    c = pd.read_parquet(writable_city / "complaints.parquet")
    newest = c.created_at.idxmax()
    c.loc[newest, "description"] = ATTACKS[0]
    c.loc[c.index[c.created_at.rank(ascending=False) <= 5], "kelurahan"] = ATTACKS[1]
    c.to_parquet(writable_city / "complaints.parquet", index=False)
    at = start(monkeypatch, writable_city, {"lang": "en"}, page="app_pages/complaints.py")
    at.switch_page("app_pages/coverage.py").run()
    assert not at.exception
    assert set(downloads) == {"cp_download", "cov_dl_plan", "cov_dl_blind"}
    complaints = pd.read_csv(
        io.StringIO(downloads["cp_download"]), dtype=str, keep_default_na=False
    )
    assert "'" + ATTACKS[0] in set(complaints.description)
    assert "'" + ATTACKS[1] in set(complaints.kelurahan)
    for key, text in downloads.items():
        assert not [v for v in _cells(text) if v.startswith(FORMULA_START) and not _is_number(v)], (
            key
        )


def test_tables_offer_no_unneutralised_export_of_their_own():

    config = (DEMO_DIR.parent / "streamlit.toml").read_text()
    assert "disableDataExport = true" in config
