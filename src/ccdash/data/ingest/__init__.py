"""Ingestion: read -> map -> validate -> enrich -> write atomically.

Unusable input raises IngestError with one line naming the problem, before anything is written.
Row-level problems reject the row (with a reason, to a rejects file) and keep the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from ..clock import city_time
from ..files import (LockTimeout, extract_path, remove_stale_temp, table_lock, write_csv_atomic, write_parquet_atomic,
                     write_text_atomic)
from ..profile import Profile
from ..schema import KINDS, TABLES, Table
from .errors import IngestError
from .mapping import DERIVABLE, Mapping, apply_mapping
from .read import read_table
from .validate import add_h3, validate

__all__ = ["DERIVABLE", "IngestError", "Mapping", "Report", "add_h3", "apply_mapping", "ingest", "last_ingest",
           "read_table", "validate"]


@dataclass
class Report:
    kind: str
    table: str
    source: str
    rows_read: int
    accepted: int
    rejected: int
    stored_rows: int
    target: Path
    rejects_file: Path | None
    reasons: dict[str, int]
    notes: dict[str, int] = field(default_factory=dict)  # accepted rows that were changed, and how

    def lines(self) -> list[str]:
        out = [f"{self.source}: {self.rows_read:,} rows read, {self.accepted:,} accepted, {self.rejected:,} rejected",
               f"{self.table}: {self.stored_rows:,} rows stored in {self.target}"]
        if self.rejects_file:
            out.append(f"rejected rows with their reasons: {self.rejects_file}")
            for reason, n in sorted(self.reasons.items(), key=lambda kv: -kv[1])[:10]:
                out.append(f"  {n:>7,}  {reason}")
        for note, n in self.notes.items():
            out.append(f"accepted with a change: {n:,} rows, {note}")
        return out


def _read_existing(path: Path | None, table: Table) -> pd.DataFrame | None:
    if path is None:
        return None
    if path.name.endswith(".parquet"):
        return pd.read_parquet(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.replace("", None)
    for c in table.columns:
        if c.type == "timestamp":
            df[c.name] = pd.to_datetime(df[c.name]).astype("datetime64[us]")
        elif c.type == "date":
            df[c.name] = pd.to_datetime(df[c.name]).dt.date
        elif c.type in ("float", "int"):
            df[c.name] = pd.to_numeric(df[c.name])
    for h in table.stored_names()[len(table.names):]:
        df[h] = pd.to_numeric(df[h]).astype("uint64")
    return df


def ingest(source: Path | str, kind: str, data_dir: Path | str, profile: Profile, mapping: Mapping | None = None,
           replace: bool = False, now: datetime | None = None, data: bytes | None = None,
           source_name: str | None = None) -> Report:
    """Ingest one file into the extract of `kind`; nothing is written unless it is usable."""
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    table = TABLES[KINDS[kind]]
    data_dir = Path(data_dir)
    source = Path(source)
    name = source_name or source.name
    now = now or city_time(profile)

    raw = read_table(source, data=data, name=name)
    field_counts = raw.attrs.get("field_counts")
    canon = apply_mapping(raw, table, mapping)
    try:
        with table_lock(data_dir, table.name):
            remove_stale_temp(data_dir, table.name)
            return _store(raw, canon, field_counts, table, kind, name, data_dir, profile, mapping, replace, now)
    except LockTimeout as e:
        raise IngestError(f"{name}: {e}; nothing was written") from None


def _store(raw, canon, field_counts, table: Table, kind: str, name: str, data_dir: Path, profile: Profile,
           mapping: Mapping | None, replace: bool, now: datetime) -> Report:
    """Validate against what is stored and publish: the data first, then its rejects and the log."""
    existing = None if replace else _read_existing(extract_path(data_dir, table.name), table)
    existing_ids = set(existing[table.key]) if existing is not None and table.key else None
    typed, reasons = validate(canon, table, profile, mapping, now, existing_ids)
    if field_counts is not None:  # a ragged row: its values may sit under the wrong columns
        ragged = field_counts != len(raw.columns)
        reasons[ragged] = [f"the row has {n} fields; the header has {len(raw.columns)}" for n in field_counts[ragged]]
    ok = reasons == None  # noqa: E711
    accepted = typed if ok.all() else typed[ok].reset_index(drop=True)  # no copy when every row is good
    if table.has_location:
        accepted = add_h3(accepted)
    accepted = accepted[table.stored_names()]

    if not ok.any():
        top = pd.Series(reasons).value_counts().index[0]
        raise IngestError(f"{name}: no row is valid ({len(raw):,} rejected, mostly: {top}); nothing was written")

    stored = pd.concat([existing[table.stored_names()], accepted], ignore_index=True) if existing is not None \
        else accepted
    target = data_dir / f"{table.name}.parquet"
    write_parquet_atomic(stored, target, table.name)

    # Only now that the data is published: the rejects and the log that describe it.
    stamp = city_time(profile).strftime("%Y%m%dT%H%M%S")
    rejects_file = None
    if (~ok).any():
        rej = raw[~ok].copy()
        rej.insert(0, "reason", reasons[~ok])
        rej.insert(0, "row", np.flatnonzero(~ok) + 1)
        rejects_file = data_dir / "rejects" / f"{table.name}-{stamp}.csv"
        write_csv_atomic(rej, rejects_file)
    reasons_count = pd.Series(reasons[~ok]).value_counts().to_dict() if (~ok).any() else {}
    report = Report(kind, table.name, name, len(raw), int(ok.sum()), int((~ok).sum()), len(stored), target,
                    rejects_file, {str(k): int(v) for k, v in reasons_count.items()}, typed.attrs.get("notes", {}))
    log = {"source": name, "at": city_time(profile).isoformat(timespec="seconds"), "mode": "replace" if replace else "append",
           "rows_read": report.rows_read, "accepted": report.accepted, "rejected": report.rejected,
           "rejects_file": str(rejects_file) if rejects_file else None, "reasons": report.reasons,
           "notes": report.notes}
    write_text_atomic(json.dumps(log, indent=2, ensure_ascii=False), data_dir / "_ingest" / f"{table.name}.json")
    return report


def last_ingest(data_dir: Path | str, table: str) -> dict | None:
    """What the last ingest of a table reported, if there was one."""
    p = Path(data_dir) / "_ingest" / f"{table}.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
