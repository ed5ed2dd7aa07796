"""Named queries about the extracts themselves (the Data page)."""

from __future__ import annotations

import pandas as pd

from ..data.store import Store
from .registry import query

_DATE_COLUMN = {
    "complaints": "created_at",
    "cctv_sites": "last_seen_at",
    "wifi_points": "installed_at",
    "wifi_usage": "month",
}


def _stats(store: Store, table: str) -> dict:
    col = _DATE_COLUMN[table]
    row = store.query(
        f"SELECT count(*) AS n, min({col}) AS first_at, max({col}) AS last_at FROM {table}"
    ).iloc[0]
    return {
        "rows": int(row["n"]),
        "first": None if pd.isna(row["first_at"]) else row["first_at"],
        "last": None if pd.isna(row["last_at"]) else row["last_at"],
    }


@query(tables=("complaints", "cctv_sites", "wifi_points", "wifi_usage"))
def source_stats(store: Store) -> dict[str, dict]:
    """Rows and date span of every extract, by table."""
    return {table: _stats(store, table) for table in _DATE_COLUMN}
