"""Every CSV ccdash offers is safe to open in a spreadsheet (OWASP CSV injection)."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest
import streamlit

from ccdash.present.export import FORMULA_START, csv_text, neutralise
from ccdash.present.i18n import t
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


def read(data: bytes, key: str, sep: str = ",") -> pd.DataFrame:
    """A download as the reader's spreadsheet reads it: the workbook, or the CSV with its BOM."""
    if key.endswith("_xlsx"):
        return pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False)
    assert data.startswith(b"\xef\xbb\xbf"), key  # UTF-8 with BOM: Excel reads it as UTF-8
    return pd.read_csv(
        io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=sep
    )


def _cells(data: bytes, key: str) -> list[str]:
    df = read(data, key)
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
    keys = {"cp_download", "cov_dl_plan", "cov_dl_blind"}
    assert set(downloads) == keys | {f"{k}_xlsx" for k in keys}
    for key in ("cp_download", "cp_download_xlsx"):
        complaints = read(downloads[key], key)
        assert "'" + ATTACKS[0] in set(complaints.Description)  # headers as on screen
        assert "'" + ATTACKS[1] in set(complaints[t("col.kelurahan", "en")])
    for key, data in downloads.items():
        assert not [
            v for v in _cells(data, key) if v.startswith(FORMULA_START) and not _is_number(v)
        ], key


def test_exports_speak_the_readers_language(monkeypatch, writable_city, downloads):
    """Indonesian: Indonesian headers and labels, decimal commas, ';' between fields (what Excel
    expects where the comma is the decimal mark), the same rows as the stored extract."""
    at = start(monkeypatch, writable_city, {"lang": "id"}, page="app_pages/coverage.py")
    assert not at.exception
    plan = read(downloads["cov_dl_plan"], "cov_dl_plan", sep=";")
    book = read(downloads["cov_dl_plan_xlsx"], "cov_dl_plan_xlsx")
    assert list(plan.columns) == list(book.columns)
    assert "Urutan" in plan.columns  # col.order in Indonesian
    decimals = [v for c in plan.columns for v in plan[c] if re.fullmatch(r"-?\d+[.,]\d+", v)]
    assert decimals and all("," in v for v in decimals), decimals[:5]
    at = start(monkeypatch, writable_city, {"lang": "id"}, page="app_pages/complaints.py")
    rows = read(downloads["cp_download"], "cp_download", sep=";")
    assert set(rows["Status"]) <= {
        "Baru",
        "Terverifikasi",
        "Didisposisikan",
        "Dalam proses",
        "Selesai",
        "Ditolak",
    }


def test_tables_offer_no_unneutralised_export_of_their_own():

    config = (DEMO_DIR.parent / "streamlit.toml").read_text()
    assert "disableDataExport = true" in config
