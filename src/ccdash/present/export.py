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
