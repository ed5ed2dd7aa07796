"""A table stored as a Delta Lake table: Parquet files and the transaction log that lists them.

    DATA_DIR/<table>/
        _delta_log/00000000000000000007.json                 commit 7: the files it added and removed
        created_month=2026-10/part-000042-1a2b3c4d-0.parquet  rows, never changed once committed

Any Delta reader (deltalake, Spark, Trino, Polars, DuckDB's delta extension) reads the same rows the
dashboard does. ccdash writes the Parquet files itself (row groups of ROW_GROUP rows, page checksums,
memory bounded by BUFFERED_ROWS) and commits them through deltalake (delta-rs): a commit is one new
log entry, so a reader sees the old version or the new one, never a mix, and a file no commit lists
(a killed writer's) is invisible. A row whose id is already stored replaces the stored row: the files
that may hold such ids (by the key's min and max in each file's statistics) are read, verified and
rewritten without them, in the same commit. Files a commit removes stay on disk for RETENTION_HOURS
(longer than any query runs, and long enough to undo a week of ingests with `restore`); vacuum then
deletes them and whatever a killed writer left. Hold the table's lock to write.

Nothing is rewritten from a damaged file: every read that feeds a rewrite (replace by id, compact,
migration) verifies page checksums and plausible values, and a damaged file stops the change, named.
A table folder whose log is missing or unreadable is refused for writes, never rebuilt from its files.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, Schema
from deltalake.exceptions import DeltaError, TableNotFoundError
from deltalake.transaction import AddAction, RemoveAction, create_table_with_add_actions

from .files import (
    CREATING,
    DELTA_LOG,
    LEGACY_MANIFEST,
    ROW_GROUP,
    ParquetAppender,
    arrow_schema,
    crash_point,
    extract_path,
    is_table_folder,
)
from .integrity import implausible
from .schema import Table

RETENTION_HOURS = 168  # a removed file outlives the commit that removed it by a week
COMPACT_ROWS = 1_000_000  # compact merges a partition's files into files of up to this many rows
HASH_CHUNK = 262_144  # ids hashed at a time (each becomes a Python string while it is hashed)
BUFFERED_ROWS = (
    2 * ROW_GROUP
)  # rows held for all open partitions at most, then the biggest is flushed
NULL_PARTITION = "__null__"  # the folder of rows without a partition value
CONFIGURATION = {
    "delta.checkpointInterval": "20"
}  # a checkpoint every 20 commits keeps the log short


class DatasetError(RuntimeError):
    """A table's folder cannot be read or written as a Delta table."""


def is_dataset(path: Path | str | None) -> bool:
    return path is not None and (Path(path) / DELTA_LOG).is_dir()


def _broken(root: Path, why: str) -> DatasetError:
    """The one line for a table folder that cannot be read as a table (its name, never its path)."""
    return DatasetError(
        f"{root.name}: {why}; ccdash never rebuilds a table from its files: restore "
        f"{root.name}/{DELTA_LOG} from a backup (the data files are all there)"
    )


def _load(root: Path | str, version: int | None = None) -> DeltaTable:
    """The table's committed state (`version`: an earlier one); DatasetError naming what is wrong."""
    root = Path(root)
    if not (root / DELTA_LOG).is_dir():
        if (root / LEGACY_MANIFEST).is_file():
            raise DatasetError(
                f"{root.name} is in the old ccdash-dataset format: run `python -m ccdash migrate`"
            )
        raise _broken(root, f"the Delta log ({DELTA_LOG}) is missing")
    try:
        return DeltaTable(str(root), version=version)
    except TableNotFoundError:
        raise _broken(root, f"the Delta log ({DELTA_LOG}) holds no commit") from None
    except (DeltaError, OSError, ValueError) as e:
        raise _broken(root, f"the Delta log cannot be read ({_first_line(e)})") from None


def _first_line(e: BaseException) -> str:
    return (str(e).splitlines() or [type(e).__name__])[0][:200]


def files(root: Path | str) -> list[Path]:
    """The Parquet files that make up the table now (a folder in the old format: its manifest's)."""
    root = Path(root)
    if not (root / DELTA_LOG).is_dir() and (root / LEGACY_MANIFEST).is_file():
        return [root / f["path"] for f in _legacy_manifest(root)["files"]]
    try:
        return [Path(u.removeprefix("file://")) for u in _load(root).file_uris()]
    except (DeltaError, OSError, ValueError) as e:
        raise _broken(root, f"its files cannot be listed ({_first_line(e)})") from None


def rows(root: Path | str) -> int:
    """Rows stored now, from the log's statistics."""
    return sum(a["rows"] for a in _adds(_load(root)))


def _adds(table: DeltaTable) -> list[dict]:
    """The live files of a snapshot: path (relative), rows, partition, and the key's min and max."""
    actions = pa.table(table.get_add_actions(flatten=True)).to_pylist()
    out = []
    for a in actions:
        parts = [
            (k.removeprefix("partition."), v) for k, v in a.items() if k.startswith("partition.")
        ]
        out.append(
            {
                "path": a["path"],
                "size": a["size_bytes"],
                "rows": a.get("num_records") or 0,
                "values": dict(parts),
                "min": {k.removeprefix("min."): v for k, v in a.items() if k.startswith("min.")},
                "max": {k.removeprefix("max."): v for k, v in a.items() if k.startswith("max.")},
            }
        )
    return out


KEY_SEPARATOR = "\x1f"  # ASCII unit separator: joins the parts of a key of several columns


def key_strings(table: Table, rows: pa.Table) -> pa.Array:
    """Each row's key as one string (parts joined by KEY_SEPARATOR; a date as YYYY-MM-DD)."""
    parts = [rows.column(name).cast(pa.string()) for name in table.key]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, KEY_SEPARATOR)
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def hash_ids(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """64-bit hashes of ids as strings (the ingest's set of the ids a file has met)."""
    arr = values.cast(pa.string())
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    out = np.empty(len(arr), dtype=np.uint64)
    for at in range(0, len(arr), HASH_CHUNK):
        part = arr.slice(at, HASH_CHUNK).to_numpy(zero_copy_only=False)
        out[at : at + len(part)] = pd.util.hash_array(part, categorize=False)
    return out


def delta_schema(table: Table) -> Schema:
    """The table's schema as the log states it: the stored columns, then the partition column."""
    fields = list(arrow_schema(table.name))
    if table.partition_column:
        fields.append(pa.field(table.partition_column, pa.string()))
    return Schema.from_arrow(pa.schema(fields))


def verified_batches(root: Path, path: Path) -> Iterator[pa.RecordBatch]:
    """A stored file's rows, every page's checksum verified and every value plausible; a damaged
    file stops the change that reads it (DatasetError naming it), so no rewrite copies damage."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        for batch in pq.ParquetFile(path, page_checksum_verification=True).iter_batches(
            batch_size=ROW_GROUP
        ):
            problem = implausible(batch)
            if problem:
                raise DatasetError(
                    f"{root.name}/{rel} holds implausible values ({problem}): restore the "
                    "table to an earlier version (`python -m ccdash restore`) or from a backup"
                )
            yield batch
    except (OSError, pa.ArrowException, ValueError, OverflowError) as e:
        raise DatasetError(
            f"{root.name}/{rel} is damaged ({_first_line(e)}): restore the table to an "
            "earlier version (`python -m ccdash restore`) or from a backup"
        ) from None


T = TypeVar("T")
_END = object()


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """`items`, each next one read in a thread while the caller works on this one: a rewrite decodes
    and checks a file's next batch while it encodes the current one (pyarrow lets go of the GIL for
    both). An error reading arrives here as it would have; a caller that stops early waits for the
    one read under way, and nothing more is read."""
    with ThreadPoolExecutor(1, thread_name_prefix="read-ahead") as pool:
        pending = pool.submit(next, items, _END)
        while (item := pending.result()) is not _END:
            pending = pool.submit(next, items, _END)
            yield cast(T, item)


class _Part:
    """One new file being written: its appender, and the min and max of the key's first column."""

    def __init__(self, appender: ParquetAppender, value: str | None):
        self.appender, self.value = appender, value
        self.lo: str | None = None
        self.hi: str | None = None

    def note_keys(self, keys: pa.Array | pa.ChunkedArray) -> None:
        lo, hi = pc.min_max(keys).values()
        if lo.is_valid:
            self.lo = lo.as_py() if self.lo is None else min(self.lo, lo.as_py())
            self.hi = hi.as_py() if self.hi is None else max(self.hi, hi.as_py())


class Writer:
    """One change to a table: new rows, rows replaced by id, or everything replaced; commit() publishes
    it as one Delta commit."""

    def __init__(
        self,
        root: Path | str,
        table: Table,
        replace: bool = False,
        timezone: str = "UTC",
        operation: str = "ingest",
        source: str | None = None,
    ):
        # `timezone`: the city's. Partitions are its calendar months, and naive times (files written
        # before times were stored as instants) are its wall times.
        self.root, self.table, self.timezone = Path(root), table, timezone
        self.operation, self.source = operation, source
        self.delta: DeltaTable | None = None
        stored: list[dict] = []
        _sweep_creating(self.root)
        if is_table_folder(self.root) and operation != "migrate":
            self.delta = _load(self.root)  # refuses a folder whose log is missing or broken
            stored = _adds(self.delta)
            _sweep_uncommitted(self.root, self.delta.version())
        self.root.mkdir(parents=True, exist_ok=True)
        self.keep = [] if replace else stored
        self.dropped = stored if replace else []
        self.version = (self.delta.version() + 1) if self.delta is not None else 0
        self.tag = secrets.token_hex(4)
        self.open: dict[str, _Part] = {}
        self.new: list[AddAction] = []
        self.written: list[
            Path
        ] = []  # files of this change, removed unless commit() publishes them
        self.rows_before = sum(e["rows"] for e in stored)
        self.replaced = 0  # stored rows left out because a new row has their id
        self.committed = False

    # -- writing ---------------------------------------------------------------------------------------
    def _path(self, partition: str) -> Path:
        n = len(self.written)
        rel = f"{partition}/" if partition else ""
        return self.root / f"{rel}part-{self.version:06d}-{self.tag}-{n}.parquet"

    def _partitions(self, t: pa.Table) -> list[tuple[str | None, pa.Table]]:
        """Rows by partition value (the city's calendar month, 'YYYY-MM'), one sort at most."""
        col = self.table.partition_by
        if col is None:
            return [(None, t)]
        ts = t.column(col)
        if ts.type.tz is not None:  # the city's calendar month of each instant
            ts = ts.cast(pa.timestamp("us", tz=self.timezone))
        months = pc.add(pc.multiply(pc.year(ts), 100), pc.month(ts))  # 202611: fast to compare
        months = months.combine_chunks() if isinstance(months, pa.ChunkedArray) else months

        def name(m):
            return NULL_PARTITION if m is None else f"{m // 100:04d}-{m % 100:02d}"

        lo, hi = pc.min_max(months).values()
        if lo.as_py() == hi.as_py() and months.null_count == 0:  # a day's extract: one month
            return [(name(lo.as_py()), t)]
        order = pc.array_sort_indices(months, null_placement="at_end")
        t, months = t.take(order), months.take(order)
        runs = pc.run_end_encode(months)
        out, start = [], 0
        for month, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist()):
            out.append((name(month), t.slice(start, end - start)))
            start = end
        return out

    def write(self, t: pa.Table) -> None:
        """Rows in the table's stored schema, spread over their partitions."""
        for value, part_rows in self._partitions(t):
            folder = "" if value is None else f"{self.table.partition_column}={value}"
            if folder not in self.open:
                if self.delta is None:  # a new table: until its first commit, its files are ours
                    (self.root / CREATING).touch()
                path = self._path(folder)
                self.written.append(path)
                self.open[folder] = _Part(
                    ParquetAppender(path, self.table.name, self.timezone), value
                )
            part = self.open[folder]
            part.appender.write(part_rows)
            if self.table.key:
                part.note_keys(part_rows.column(self.table.key[0]).cast(pa.string()))
        while sum(p.appender.buffered for p in self.open.values()) > BUFFERED_ROWS:
            max(self.open.values(), key=lambda p: p.appender.buffered).appender.flush()

    def _finish(self, folder: str) -> None:
        part = self.open[folder]
        part.appender.commit()  # on failure it stays open, and close() removes its temporary file
        del self.open[folder]
        path = part.appender.path
        stats: dict = {"numRecords": part.appender.rows}
        if self.table.key and part.lo is not None:
            first = self.table.key[0]
            stats.update(minValues={first: part.lo}, maxValues={first: part.hi})
        st = path.stat()
        values = {}
        if self.table.partition_column:
            values[self.table.partition_column] = (
                None if part.value == NULL_PARTITION else part.value
            )
        self.new.append(
            AddAction(
                path.relative_to(self.root).as_posix(),
                st.st_size,
                values,
                st.st_mtime_ns // 1_000_000,
                self.operation != "compact",
                json.dumps(stats),
            )
        )

    def replace_ids(self, ids: pa.Array | pa.ChunkedArray) -> int:
        """Drop the stored rows whose id is among `ids`: each file that holds one is rewritten without
        it (in this change). Files are picked by the key's min and max, then matched exactly. How many."""
        if not self.table.key or not self.keep or not len(ids):
            return 0
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        first = self.table.key[0]
        if len(self.table.key) == 1:
            firsts = ids
        else:  # the first part of each joined key
            firsts = pc.list_element(pc.split_pattern(ids, KEY_SEPARATOR, max_splits=1), 0)
        wanted = np.sort(pc.unique(firsts).to_numpy(zero_copy_only=False).astype(object))
        dropped = 0
        for entry in list(self.keep):
            lo, hi = entry["min"].get(first), entry["max"].get(first)
            if lo is not None and hi is not None:
                at = np.searchsorted(wanted, lo)  # the first wanted id >= the file's min
                if at == len(wanted) or wanted[at] > hi:
                    continue  # no wanted id inside the file's range
            path = self.root / entry["path"]
            try:
                stored = pq.read_table(path, columns=list(self.table.key))
            except (OSError, pa.ArrowException) as e:
                raise DatasetError(
                    f"{self.root.name}/{entry['path']} is damaged ({_first_line(e)})"
                ) from None
            if not pc.any(pc.is_in(key_strings(self.table, stored), value_set=ids)).as_py():
                continue  # in range, not held: the file stays
            self.keep.remove(entry)
            self.dropped.append(entry)
            for batch in read_ahead(verified_batches(self.root, path)):
                dropped += self.copy_without(pa.Table.from_batches([batch]), ids)
        return dropped

    def copy_without(self, t: pa.Table, ids: pa.Array) -> int:
        """Write the rows of `t` whose id is not among `ids`; how many were left out."""
        if not self.table.key or not len(ids):
            self.write(t)
            return 0
        hit = pc.is_in(key_strings(self.table, t), value_set=ids)
        if not pc.any(hit).as_py():  # most of a rewritten file: copied as it is, not filtered
            self.write(t)
            return 0
        rest = t.filter(pc.invert(hit))
        if rest.num_rows:
            self.write(rest)
        self.replaced += t.num_rows - rest.num_rows
        return t.num_rows - rest.num_rows

    # -- publishing ------------------------------------------------------------------------------------
    def commit(self) -> int:
        """Publish the new files and the removal of the dropped ones as one Delta commit; rows now stored."""
        for folder in list(self.open):
            self._finish(folder)
        crash_point("files written")  # every new file complete, none committed yet
        now_ms = int(time.time() * 1000)
        removes = [
            RemoveAction(
                e["path"], self.operation != "compact", now_ms, e["size"], e["values"] or None
            )
            for e in self.dropped
        ]
        after = sum(e["rows"] for e in self.keep) + sum(
            json.loads(a.stats)["numRecords"] for a in self.new
        )
        meta = {
            "ccdash": {
                "operation": self.operation,
                "source": self.source,
                "rowsBefore": self.rows_before,
                "rowsAfter": after,
                "rowsReplaced": self.replaced,
            }
        }
        props = CommitProperties(custom_metadata=meta)
        schema = delta_schema(self.table)
        part_by = [self.table.partition_column] if self.table.partition_column else None
        if self.delta is None:
            create_table_with_add_actions(
                str(self.root),
                schema,
                self.new,
                mode="error",
                partition_by=part_by,
                name=self.table.name,
                configuration=CONFIGURATION,
                commit_properties=props,
            )
            (self.root / CREATING).unlink(missing_ok=True)
        else:
            self.delta.create_write_transaction(
                [*self.new, *removes],
                mode="append",
                schema=schema,
                partition_by=part_by,
                commit_properties=props,
            )
        self.committed = True
        crash_point("published")  # the new commit is in; removed files not yet vacuumed
        vacuum(self.root)
        return after

    def close(self) -> None:
        """Give up (when commit was not called): this change's files go."""
        try:
            for part in self.open.values():
                with contextlib.suppress(OSError, pa.ArrowException):
                    part.appender.close()  # the temporary file is gone either way
        finally:
            self.open.clear()
            if not self.committed:
                for path in self.written:
                    path.unlink(missing_ok=True)
                if self.delta is None:
                    (self.root / CREATING).unlink(missing_ok=True)
                _remove_empty_folders(self.root)


OURS = re.compile(r"part-(\d{6,})-[0-9a-f]{8}-\d+\.parquet")


def _sweep_creating(root: Path) -> None:
    """A writer of a new table was killed before its first commit: its files go (they are ours by
    name and by the marker; without the marker, Parquet files without a log are refused)."""
    if (root / DELTA_LOG).is_dir() or not (root / CREATING).exists():
        return
    old = set(files(root)) if (root / LEGACY_MANIFEST).is_file() else set()  # a migration's
    for p in root.rglob("*"):
        if p.is_file() and (OURS.fullmatch(p.name) or p.name.endswith(".tmp")) and p not in old:
            p.unlink(missing_ok=True)
    (root / CREATING).unlink(missing_ok=True)
    _remove_empty_folders(root)


def _sweep_uncommitted(root: Path, version: int) -> None:
    """What a killed writer left (call it holding the table's lock): temporary files, and files named
    for a version after the table's current one (no commit can list them). Files an old version
    lists stay for vacuum: a query may still read them."""
    for p in root.rglob("*"):
        if not p.is_file() or p.parts[len(root.parts)] == DELTA_LOG:
            continue
        m = OURS.fullmatch(p.name)
        if p.name.endswith(".tmp") or (m and int(m.group(1)) > version):
            p.unlink(missing_ok=True)


def vacuum(root: Path | str, retention_hours: int | None = None) -> list[str]:
    """Delete the files no version younger than the retention lists, and the files no commit ever
    listed (a killed writer's) once they are as old; what went. Hold the table's lock."""
    hours = RETENTION_HOURS if retention_hours is None else retention_hours
    table = _load(root)
    gone = table.vacuum(hours, dry_run=True, enforce_retention_duration=False)
    if gone:  # a real vacuum is a commit of its own: only when there is something to delete
        table.vacuum(hours, dry_run=False, enforce_retention_duration=False)
        _remove_empty_folders(Path(root))
    return gone


def _remove_empty_folders(root: Path) -> None:
    """Empty partition folders, and the table's own folder while it holds nothing."""
    for d in [*sorted((d for d in root.rglob("*") if d.is_dir()), reverse=True), root]:
        with contextlib.suppress(OSError):
            d.rmdir()


def compact(
    root: Path | str, table: Table, rows_per_file: int = COMPACT_ROWS, timezone: str = "UTC"
) -> tuple[int, int]:
    """Merge each partition's small files into files of up to `rows_per_file` rows, in one commit
    (hold the table's lock); (files before, files after). Every file read is verified first."""
    root = Path(root)
    w = Writer(root, table, timezone=timezone, operation="compact")
    before = len(w.keep)
    try:
        by_part: dict[str, list[dict]] = {}
        for f in w.keep:
            by_part.setdefault(f["path"].rpartition("/")[0], []).append(f)
        for folder, entries in sorted(by_part.items()):
            small = [e for e in entries if e["rows"] < rows_per_file]
            if len(small) < 2:
                continue
            for e in small:
                w.keep.remove(e)
                w.dropped.append(e)
                for batch in read_ahead(verified_batches(root, root / e["path"])):
                    w.write(pa.Table.from_batches([batch]))
                    if folder in w.open and w.open[folder].appender.rows >= rows_per_file:
                        w._finish(folder)
            if folder in w.open:
                w._finish(folder)
        if not w.dropped:
            return before, before
        w.commit()
        return before, len(w.keep) + len(w.new)
    finally:
        w.close()


def history(root: Path | str, limit: int = 10) -> list[dict]:
    """The table's recent commits, newest first: version, time (UTC), operation, source, and rows
    before and after it and replaced by id (None for a commit another program made)."""
    out = []
    for c in _load(root).history(limit):
        mine = c.get("ccdash") or {}
        op = mine.get("operation") or str(c.get("operation", "")).lower()
        out.append(
            {
                "version": c.get("version"),
                "at": pd.Timestamp(c.get("timestamp", 0), unit="ms", tz="UTC"),
                "operation": op,
                "source": mine.get("source"),
                "rows_before": mine.get("rowsBefore"),
                "rows_after": mine.get("rowsAfter"),
                "rows_replaced": mine.get("rowsReplaced"),
            }
        )
    return out


def restore(root: Path | str, version: int) -> int:
    """Make `version` the table's current state again, by a new commit (hold the table's lock); the
    version now current. Refused when vacuum has already deleted a file that version needs."""
    root = Path(root)
    current = _load(root)
    if not 0 <= version < current.version():
        raise DatasetError(
            f"{root.name} has versions 0 to {current.version()}; cannot restore {version}"
        )
    missing = [p for p in files_at(root, version) if not p.exists()]
    if missing:
        raise DatasetError(
            f"{root.name} cannot go back to version {version}: {len(missing)} of its files were "
            f"deleted after {RETENTION_HOURS} hours (e.g. {missing[0].relative_to(root)})"
        )
    current.restore(
        version,
        commit_properties=CommitProperties(
            custom_metadata={"ccdash": {"operation": "restore", "source": f"version {version}"}}
        ),
    )
    return _load(root).version()


def files_at(root: Path | str, version: int) -> list[Path]:
    return [Path(u.removeprefix("file://")) for u in _load(root, version).file_uris()]


def _legacy_manifest(root: Path) -> dict:
    """The file list of a folder written before tables were Delta tables (read only, to serve and
    convert it)."""
    p = root / LEGACY_MANIFEST
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(m, dict) or not all(
            isinstance(f, dict) and isinstance(f.get("path"), str) for f in m["files"]
        ):
            raise ValueError("not a list of files")
        paths = [f["path"] for f in m["files"]]
        if len(set(paths)) != len(paths):
            raise ValueError("a file is listed twice")
        return m
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DatasetError(
            f"{root.name}/{LEGACY_MANIFEST} cannot be read: {_first_line(e)}"
        ) from None


def migrate(root: Path | str, table: Table, timezone: str = "UTC") -> int | None:
    """Turn a folder in the old format (a `_manifest.json` and its files) into a Delta table, every
    file verified and rewritten (hold the table's lock); rows stored, or None when there was nothing
    to convert. The old files go with the old manifest, once the commit is in."""
    root = Path(root)
    if not (root / LEGACY_MANIFEST).is_file():
        return None
    if (root / DELTA_LOG).is_dir():  # converted before, and that process stopped before tidying
        _drop_legacy(root, [])
        return rows(root)
    old = [root / f["path"] for f in _legacy_manifest(root)["files"]]
    w = Writer(root, table, timezone=timezone, operation="migrate", source=LEGACY_MANIFEST)
    try:
        for path in old:
            for batch in read_ahead(verified_batches(root, path)):
                w.write(pa.Table.from_batches([batch]))
        stored = w.commit()
    finally:
        w.close()
    _drop_legacy(root, old)
    return stored


def _drop_legacy(root: Path, old: list[Path]) -> None:
    """After the conversion's commit: every file it does not list goes (the old files, their
    sidecars, a killed old writer's), then the old manifest."""
    live = set(files(root))
    for p in [*old, *root.rglob("*.keys.npy"), *root.rglob("*.parquet")]:
        if p not in live:
            p.unlink(missing_ok=True)
    (root / LEGACY_MANIFEST).unlink(missing_ok=True)
    _remove_empty_folders(root)


def read_stored(directory: Path | str, table: str) -> pa.Table:
    """Every stored row of a table, whatever form it is stored in (tools and tests; pages query the store)."""
    p = extract_path(Path(directory), table)
    if p is None:
        raise FileNotFoundError(f"no {table} extract in {directory}")
    if not p.is_dir():
        return pq.read_table(p) if p.name.endswith(".parquet") else pa_csv.read_csv(p)
    schema = arrow_schema(table)
    parts = [pq.read_table(f).cast(schema) for f in files(p)]
    return pa.concat_tables(parts) if parts else schema.empty_table()
