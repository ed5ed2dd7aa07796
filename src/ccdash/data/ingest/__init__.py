"""Ingestion: read -> map -> validate -> enrich -> write atomically.

Unusable input raises IngestError with one line naming the problem, before anything is written.
Row-level problems reject the row (with a reason, to a rejects file) and keep the rest.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .. import dataset
from ..clock import city_time
from ..files import (
    ROW_GROUP,
    CsvAppender,
    LockTimeout,
    arrow_schema,
    as_instants,
    conform,
    crash_point,
    extract_path,
    remove_stale_temp,
    table_lock,
    write_text_atomic,
)
from ..profile import Profile
from ..reference import norm_district
from ..schema import KINDS, TABLES, Table
from ..select import selected_batches
from .dates import AmbiguousDates, day_month_evidence
from .errors import IngestError
from .keys import Keys
from .mapping import DERIVABLE, Mapping, apply_mapping
from .read import ReadAgain, read_batches, read_table
from .validate import add_h3, validate

__all__ = [
    "DERIVABLE",
    "IngestError",
    "Mapping",
    "Report",
    "add_h3",
    "apply_mapping",
    "ingest",
    "last_ingest",
    "read_table",
    "validate",
]


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
    replaced: int = 0  # accepted rows whose id was stored: they replaced the stored row

    def lines(self) -> list[str]:
        out = [
            f"{self.source}: {self.rows_read:,} rows read, {self.accepted:,} accepted, {self.rejected:,} rejected"
            + (
                f" ({self.replaced:,} of the accepted replaced stored rows with the same id)"
                if self.replaced
                else ""
            ),
            f"{self.table}: {self.stored_rows:,} rows stored in {self.target}",
        ]
        if self.rejects_file:
            out.append(f"rejected rows with their reasons: {self.rejects_file}")
            for reason, n in sorted(self.reasons.items(), key=lambda kv: -kv[1])[:10]:
                out.append(f"  {n:>7,}  {reason}")
        for note, n in self.notes.items():
            out.append(f"accepted with a change: {n:,} rows, {note}")
        return out

    def to_json(self) -> str:
        fields = dict(vars(self))
        fields["target"] = str(self.target)
        fields["rejects_file"] = str(self.rejects_file) if self.rejects_file else None
        return json.dumps(fields, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Report:
        fields = json.loads(text)
        fields["target"] = Path(fields["target"])
        fields["rejects_file"] = Path(fields["rejects_file"]) if fields["rejects_file"] else None
        return cls(**fields)


def _read_existing_csv(path: Path, table: Table) -> pd.DataFrame:
    """A stored CSV extract (small by nature: large cities store Parquet), typed."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.replace("", None)
    for c in table.columns:
        if c.type == "timestamp":
            df[c.name] = pd.to_datetime(df[c.name]).astype("datetime64[us]")
        elif c.type == "date":
            df[c.name] = pd.to_datetime(df[c.name]).dt.date
        elif c.type in ("float", "int"):
            df[c.name] = pd.to_numeric(df[c.name])
    for h in table.stored_names()[len(table.names) :]:
        df[h] = pd.to_numeric(df[h]).astype("uint64")
    return df


def _legacy_batches(path: Path, table: Table, name: str, timezone: str):
    """The rows of a single-file extract (Parquet by row groups, CSV whole), in the stored schema; its
    naive times are the city's wall times."""
    try:
        if path.name.endswith(".parquet"):
            for batch in pq.ParquetFile(path, page_checksum_verification=True).iter_batches(
                batch_size=ROW_GROUP
            ):
                rows = pa.Table.from_batches([batch]).select(table.stored_names())
                yield as_instants(rows, timezone).cast(arrow_schema(table.name))
        else:
            yield conform(_read_existing_csv(path, table), table.name, timezone)
    except (OSError, pa.ArrowException, ValueError, KeyError) as e:
        raise IngestError(
            f"{name}: the stored {path.name} cannot be read ({str(e).splitlines()[0][:160]}); "
            f"nothing was written"
        ) from None


def ingest(
    source: Path | str | list[Path] | list[str],
    kind: str,
    data_dir: Path | str,
    profile: Profile,
    mapping: Mapping | None = None,
    replace: bool = False,
    now: datetime | None = None,
    data: bytes | None = None,
    source_name: str | None = None,
) -> Report:
    """Ingest one file into the extract of `kind`; nothing is written unless it is usable.

    The file is read, checked and written a batch of rows at a time, so memory stays flat whatever its size;
    the new extract is published only once every batch has been read. Several files are read as one
    `source` by the mapping's select (and only then)."""
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    table = TABLES[KINDS[kind]]
    data_dir = Path(data_dir)
    sources = [Path(s) for s in source] if isinstance(source, list) else [Path(source)]
    name = source_name or " + ".join(s.name for s in sources)
    now = now or city_time(profile)
    select = mapping.select if mapping is not None else None
    if len(sources) != 1 and not select:
        raise IngestError(
            f"{name}: several files are read as one only by a mapping with a select; "
            f"ingest them one at a time, or give the mapping a select over `source`"
        )

    def batches(python_csv: bool = False):
        if select:
            files = [(s, data, source_name or s.name) for s in sources]
            return selected_batches(files, select)
        return read_batches(sources[0], data=data, name=name, python_csv=python_csv)

    first = batches()
    head = next(first)  # an unusable file or mapping fails here, before the lock is taken
    apply_mapping(head.head(1), table, mapping)
    try:
        with table_lock(data_dir, table.name):
            remove_stale_temp(data_dir, table.name)
            day_first: dict[str, bool] = {}
            parts: Iterator | None = itertools.chain([head], first)
            python_csv, settled = False, False
            while True:
                try:
                    return _store(
                        parts or batches(python_csv),
                        table,
                        kind,
                        name,
                        data_dir,
                        profile,
                        mapping,
                        replace,
                        now,
                        day_first,
                    )
                except ReadAgain:  # a row Arrow cannot read, after batches were handed out
                    python_csv = True
                except (
                    AmbiguousDates
                ) as e:  # the first batches do not settle day/month order: the file may
                    if settled:
                        raise
                    day_first.update(_settle_day_first(batches, python_csv, table, mapping, e))
                    settled = True
                parts = None
    except (LockTimeout, dataset.DatasetError) as e:
        raise IngestError(f"{name}: {e}; nothing was written") from None


def _district_spellings(data_dir: Path, table: str) -> dict[str, str]:
    """normalised name -> spelling, of the districts the other extracts store (the first spelling wins)."""
    out: dict[str, str] = {}
    for other in ("complaints", "cctv_sites", "wifi_points"):
        p = extract_path(data_dir, other)
        if other == table or p is None:
            continue
        try:
            if p.is_dir() or p.name.endswith(".parquet"):
                names = {
                    n
                    for f in (dataset.files(p) if p.is_dir() else [p])
                    for n in pq.read_table(f, columns=["kecamatan"])
                    .column("kecamatan")
                    .unique()
                    .to_pylist()
                }
            else:
                names = pd.read_csv(p, usecols=["kecamatan"], dtype=str).kecamatan.unique().tolist()
        except (OSError, pa.ArrowException, ValueError, KeyError, dataset.DatasetError):
            continue  # a damaged or foreign file: its own ingest or the store says so
        for n in names:
            if isinstance(n, str) and n:
                out.setdefault(norm_district(n), n)
    return out


def _settle_day_first(
    batches, python_csv: bool, table: Table, mapping: Mapping | None, first: AmbiguousDates
) -> dict[str, bool]:
    """Day/month order of every date column, read off the whole file (a pass of its date columns only)."""
    dates = [c.name for c in table.columns if c.type in ("timestamp", "date")]
    evidence: dict[str, list] = {c: [False, False, None] for c in dates}
    try:
        for raw in batches(python_csv):
            canon = apply_mapping(raw, table, mapping)
            for c in dates:
                d, m, example = day_month_evidence(canon[c])
                e = evidence[c]
                e[0], e[1], e[2] = e[0] or d, e[1] or m, e[2] or example
    except ReadAgain:
        return _settle_day_first(batches, True, table, mapping, first)
    settled = {}
    for c, (d, m, _example) in evidence.items():
        if d and m:
            raise IngestError(
                f"{c} mixes day-first and month-first dates; set [dates] format (or "
                f"[dates.columns] {c}) in the mapping"
            )
        if d or m:
            settled[c] = d
        elif c == first.column:
            raise first
    return settled


def _store(
    raws,
    table: Table,
    kind: str,
    name: str,
    data_dir: Path,
    profile: Profile,
    mapping: Mapping | None,
    replace: bool,
    now: datetime,
    day_first: dict,
) -> Report:
    """Validate each batch and publish: the data first (new files, then the Delta commit), then its
    rejects and the log. A row whose id is stored replaces the stored row."""
    target = data_dir / table.name
    single = data_dir / f"{table.name}.parquet"
    current = extract_path(data_dir, table.name)
    # A single-file extract becomes a dataset on its first append, in the same change: its rows are copied
    # into the dataset's first files (minus those the new rows replace), then the Parquet file goes (a
    # stored CSV stays, as the source it was; the dataset is read first).
    legacy = current if current is not None and not current.is_dir() and not replace else None
    if current is not None and current.is_dir():
        single.unlink(
            missing_ok=True
        )  # converted before, and that writer stopped before it removed this
    keys = Keys()
    spellings = _district_spellings(data_dir, table.name) if table.has_location else {}
    stamp = city_time(profile).strftime("%Y%m%dT%H%M%S")
    dataset.migrate(target, table, profile.timezone)  # a folder in the old format, converted first
    out = dataset.Writer(
        target,
        table,
        replace=replace or legacy is not None,
        timezone=profile.timezone,
        operation="replace" if replace else "ingest",
        source=name,
    )
    rejects = CsvAppender(data_dir / "rejects" / f"{table.name}-{stamp}.csv")
    rows_read = accepted = 0
    new_ids: list[pa.Array] = []
    reasons: Counter = Counter()
    notes: Counter = Counter()
    try:
        for raw in raws:
            canon = apply_mapping(raw, table, mapping)
            typed, why = validate(canon, table, profile, mapping, now, keys, day_first, spellings)
            field_counts = raw.attrs.get("field_counts")
            if field_counts is not None:  # a ragged row: its values may sit under the wrong columns
                ragged = field_counts != len(raw.columns)
                why[ragged] = [
                    f"the row has {n} fields; the header has {len(raw.columns)}"
                    for n in field_counts[ragged]
                ]
            ok = why == None  # noqa: E711
            good = (
                typed if ok.all() else typed[ok].reset_index(drop=True)
            )  # no copy when every row is good
            if len(good):
                if table.has_location:
                    good = add_h3(good)
                rows = conform(good[table.stored_names()], table.name)
                out.write(rows)
                crash_point("batch written")
                if table.key:
                    new_ids.append(dataset.key_strings(table, rows))
            if (~ok).any():
                rej = raw[~ok].copy()
                rej.insert(0, "reason", why[~ok])
                rej.insert(0, "row", np.flatnonzero(~ok) + 1 + rows_read)
                rejects.write(rej)
                reasons.update(why[~ok].tolist())
            notes.update(typed.attrs.get("notes", {}))
            notes.update(raw.attrs.get("notes", {}))  # read with a change (stray bytes replaced)
            notes.update(canon.attrs.get("notes", {}))  # a closing time taken by [closing]
            rows_read += len(raw)
            accepted += int(ok.sum())
        if not accepted:
            top = reasons.most_common(1)[0][0]
            raise IngestError(
                f"{name}: no row is valid ({rows_read:,} rejected, mostly: {top}); nothing was written"
            )
        ids = pa.concat_arrays(new_ids) if new_ids else pa.array([], pa.string())
        replaced = out.replace_ids(ids)
        crash_point("stored rows replaced")  # files rewritten without the replaced ids, unlisted
        if legacy is not None:
            for part in _legacy_batches(legacy, table, name, profile.timezone):
                replaced += out.copy_without(part, ids)
        stored_rows = out.commit()
        if replace or legacy is not None:
            single.unlink(missing_ok=True)
        # Only now that the data is published: the rejects and the log that describe it.
        rejects_file = rejects.commit()
        crash_point("data published")  # before the log that describes it
    finally:
        out.close()
        rejects.close()
    report = Report(
        kind,
        table.name,
        name,
        rows_read,
        accepted,
        rows_read - accepted,
        stored_rows,
        target,
        rejects_file,
        {str(k): int(v) for k, v in reasons.most_common()},
        dict(notes),
        replaced,
    )
    log = {
        "source": name,
        "at": city_time(profile).isoformat(timespec="seconds"),
        "mode": "replace" if replace else "append",
        "rows_read": report.rows_read,
        "accepted": report.accepted,
        "rejected": report.rejected,
        "replaced": report.replaced,
        "rejects_file": str(rejects_file) if rejects_file else None,
        "reasons": report.reasons,
        "notes": report.notes,
    }
    write_text_atomic(
        json.dumps(log, indent=2, ensure_ascii=False), data_dir / "_ingest" / f"{table.name}.json"
    )
    return report


def last_ingest(data_dir: Path | str, table: str) -> dict | None:
    """What the last ingest of a table reported, if there was one."""
    p = Path(data_dir) / "_ingest" / f"{table}.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
