"""Files ccdash writes for people to open: CSV with every cell that a spreadsheet would run as a formula
neutralised (OWASP's CSV injection advice: prefix a single quote)."""

from __future__ import annotations

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """Text cells beginning with = + - @ tab or carriage return, prefixed with ' (numbers stay numbers)."""
    out = df.copy()
    for c in out.columns:
        s = out[c]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            text = s.astype("string")
            risky = text.str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)
            if risky.any():
                out[c] = s.astype(object).where(~risky, "'" + text.astype(object).where(risky, ""))
    return out


def csv_text(df: pd.DataFrame) -> str:
    """A frame as CSV text safe to open in a spreadsheet."""
    return neutralise(df).to_csv(index=False)


def for_reader(df: pd.DataFrame, headers: dict[str, str]) -> pd.DataFrame:
    """A frame as its reader sees it on screen: columns named as the page names them (codes already
    labelled by the caller), formula-like text neutralised."""
    return neutralise(df).rename(columns={c: headers.get(c, c) for c in df.columns})


def csv_bytes(df: pd.DataFrame, decimal: str) -> bytes:
    """CSV for a spreadsheet in the reader's locale: UTF-8 with a byte order mark (Excel otherwise reads
    it as the machine's code page), the locale's decimal mark, and ';' between fields where the decimal
    mark is a comma (what Excel expects in such locales)."""
    sep = ";" if decimal == "," else ","
    return ("\ufeff" + df.to_csv(index=False, sep=sep, decimal=decimal)).encode("utf-8")


def xlsx_bytes(df: pd.DataFrame, sheet: str = "ccdash") -> bytes:
    """The same rows as an Excel workbook: numbers stay numbers (Excel shows them in the reader's
    locale), text that looks like a formula was neutralised before (openpyxl would store it as one)."""
    import io

    out = io.BytesIO()
    frame = df.copy()
    for c in frame.columns:  # Excel has no time zones: wall times as they are shown
        if isinstance(frame[c].dtype, pd.DatetimeTZDtype):
            frame[c] = frame[c].dt.tz_localize(None)
    with pd.ExcelWriter(out, engine="openpyxl") as book:
        frame.to_excel(book, index=False, sheet_name=sheet[:31])
    return out.getvalue()
