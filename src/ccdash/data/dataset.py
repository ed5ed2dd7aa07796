"""A table stored as an append-only, Hive-partitioned Parquet dataset.

    DATA_DIR/<table>/
        _manifest.json                                       the files that are the table now
        created_month=2026-10/part-000042-1a2b3c4d-0.parquet  rows, never changed once listed
        created_month=2026-10/part-000042-1a2b3c4d-0.keys.npy the sorted 64-bit hashes of its ids

An append writes new files and then publishes a new manifest by rename: a reader sees the old list or the
new one, never a mix, and a file no manifest lists (a killed writer's) is invisible and goes at the next
write. A row whose id is already stored replaces the stored row: the files holding such ids (found by
their hash sidecar, then matched exactly) are rewritten without them. Files a manifest drops stay on disk
for GRACE_S, so that a query that started on the old list can finish. Hold the table's lock to write.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .files import (
    MANIFEST,
    ROW_GROUP,
    ParquetAppender,
    arrow_schema,
    crash_point,
    extract_path,
    write_text_atomic,
)
from .schema import Table

FORMAT = "ccdash-dataset/1"
GRACE_S = 120.0  # a dropped file outlives the manifest that dropped it by this long
COMPACT_ROWS = 1_000_000  # compact merges a partition's files into files of up to this many rows
HASH_CHUNK = 262_144  # ids hashed at a time (each becomes a Python string while it is hashed)
BUFFERED_ROWS = (
    2 * ROW_GROUP
)  # rows held for all open partitions at most, before the biggest is flushed


class DatasetError(RuntimeError):
    """A dataset's manifest cannot be read."""


def is_dataset(path: Path | str | None) -> bool:
    return path is not None and (Path(path) / MANIFEST).is_file()


def read_manifest(root: Path | str) -> dict:
    """The manifest ({version, files: [{path, rows, partition}], retired: [{path, at}]}); empty when none."""
    p = Path(root) / MANIFEST
    try:
        m = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"format": FORMAT, "version": 0, "files": [], "retired": []}
    except (OSError, ValueError) as e:
        raise DatasetError(f"{p} cannot be read: {e}") from None
    if not isinstance(m, dict) or m.get("format") != FORMAT or not isinstance(m.get("files"), list):
        raise DatasetError(f"{p} is not a {FORMAT} manifest")
    return m


def files(root: Path | str) -> list[Path]:
    """The Parquet files that make up the table now, in the order they were written."""
    return [Path(root) / f["path"] for f in read_manifest(root)["files"]]


def rows(root: Path | str) -> int:
    return sum(f["rows"] for f in read_manifest(root)["files"])


KEY_SEPARATOR = "\x1f"  # ASCII unit separator: joins the parts of a key of several columns


def key_strings(table: Table, rows: pa.Table) -> pa.Array:
    """Each row's key as one string (parts joined by KEY_SEPARATOR; a date as YYYY-MM-DD)."""
    parts = [rows.column(name).cast(pa.string()) for name in table.key]
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, KEY_SEPARATOR)
    return joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined


def hash_ids(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """64-bit hashes of ids as strings (the sidecars' and the ingest's id sets' hash)."""
    arr = values.cast(pa.string())
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    out = np.empty(len(arr), dtype=np.uint64)
    for at in range(0, len(arr), HASH_CHUNK):
        part = arr.slice(at, HASH_CHUNK).to_numpy(zero_copy_only=False)
        out[at : at + len(part)] = pd.util.hash_array(part, categorize=False)
    return out


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(".parquet") + ".keys.npy")


class Writer:
    """One change to a dataset: new rows, rows replaced by id, or everything replaced; commit() publishes it."""

    def __init__(
        self, root: Path | str, table: Table, replace: bool = False, timezone: str = "UTC"
    ):
        # `timezone`: the city's. Partitions are its calendar months, and naive times (files written
        # before times were stored as instants) are its wall times.
        self.root, self.table, self.timezone = Path(root), table, timezone
        self.root.mkdir(parents=True, exist_ok=True)
        old = read_manifest(self.root)
        self.retired = old.get("retired", [])
        self.keep = [] if replace else list(old["files"])
        self.dropped = list(old["files"]) if replace else []
        self.version = old["version"] + 1
        self.tag = secrets.token_hex(4)
        self.open: dict[str, ParquetAppender] = {}
        self.hashes: dict[str, list[np.ndarray]] = {}
        self.new: list[dict] = []
        self.written: list[
            Path
        ] = []  # files of this change, removed again unless commit() publishes them
        self.committed = False
        self.sweep()

    # -- writing ---------------------------------------------------------------------------------------
    def _path(self, partition: str) -> Path:
        n = len(self.written)
        rel = f"{partition}/" if partition else ""
        return self.root / f"{rel}part-{self.version:06d}-{self.tag}-{n}.parquet"

    def _partitions(self, t: pa.Table) -> list[tuple[str, pa.Table]]:
        col = self.table.partition_by
        if col is None:
            return [("", t)]
        ts = t.column(col)
        # The city's calendar month of each instant (a naive time is already a wall time).
        if ts.type.tz is not None:
            ts = ts.cast(pa.timestamp("us", tz=self.timezone))
        months = pc.add(
            pc.multiply(pc.year(ts), 100), pc.month(ts)
        )  # 202611: integers sort and compare fast
        months = months.combine_chunks() if isinstance(months, pa.ChunkedArray) else months

        def name(m):
            return f"{self.table.partition_column}=" + (
                "__null__" if m is None else f"{m // 100:04d}-{m % 100:02d}"
            )

        lo, hi = pc.min_max(months).values()
        if lo.as_py() == hi.as_py() and months.null_count == 0:  # a day's extract: one month
            return [(name(lo.as_py()), t)]
        order = pc.array_sort_indices(
            months, null_placement="at_end"
        )  # one sort, then a slice per month
        t, months = t.take(order), months.take(order)
        runs = pc.run_end_encode(months)
        out, start = [], 0
        for month, end in zip(runs.values.to_pylist(), runs.run_ends.to_pylist()):
            out.append((name(month), t.slice(start, end - start)))
            start = end
        return out

    def write(self, t: pa.Table) -> None:
        """Rows in the table's stored schema, spread over their partitions."""
        for part, rows_ in self._partitions(t):
            if part not in self.open:
                path = self._path(part)
                self.written.append(path)
                self.open[part] = ParquetAppender(path, self.table.name, self.timezone)
                self.hashes[part] = []
            self.open[part].write(rows_)
            if self.table.key:
                self.hashes[part].append(hash_ids(key_strings(self.table, rows_)))
        while (
            sum(a.buffered for a in self.open.values()) > BUFFERED_ROWS
        ):  # many months at once: memory stays flat
            max(self.open.values(), key=lambda a: a.buffered).flush()

    def _finish(self, part: str) -> None:
        appender = self.open[part]
        appender.commit()  # on failure it stays open, and close() removes its temporary file
        del self.open[part]
        hashes = self.hashes.pop(part)
        if self.table.key:
            np.save(
                _sidecar(appender.path),
                np.sort(np.concatenate(hashes)) if hashes else np.empty(0, np.uint64),
            )
        self.new.append(
            {
                "path": appender.path.relative_to(self.root).as_posix(),
                "rows": appender.rows,
                "partition": part,
            }
        )

    def replace_ids(self, ids: pa.Array | pa.ChunkedArray) -> int:
        """Drop the stored rows whose id is among `ids` (the files holding them are rewritten); how many."""
        if not self.table.key or not self.keep or not len(ids):
            return 0
        ids = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        wanted = np.unique(hash_ids(ids))
        dropped = 0
        for entry in list(self.keep):
            path = self.root / entry["path"]
            try:
                theirs = np.load(_sidecar(path), mmap_mode="r")
                small, big = (wanted, theirs) if len(wanted) < len(theirs) else (theirs, wanted)
                at = np.searchsorted(big, small).clip(0, max(len(big) - 1, 0))
                if not len(big) or not (big[at] == small).any():
                    continue
            except FileNotFoundError:
                pass  # no sidecar (written by hand): read the ids themselves
            stored = pq.read_table(path)
            if not pc.any(pc.is_in(key_strings(self.table, stored), value_set=ids)).as_py():
                continue  # a hash shared by another id: the file stays
            self.keep.remove(entry)
            self.dropped.append(entry)
            dropped += self.copy_without(
                stored, ids
            )  # the rest lands in the same partition, in this change's file
        return dropped

    def copy_without(self, t: pa.Table, ids: pa.Array) -> int:
        """Write the rows of `t` whose id is not among `ids`; how many were left out."""
        if not self.table.key or not len(ids):
            self.write(t)
            return 0
        hit = pc.is_in(key_strings(self.table, t), value_set=ids)
        rest = t.filter(pc.invert(hit))
        if rest.num_rows:
            self.write(rest)
        return t.num_rows - rest.num_rows

    # -- publishing ------------------------------------------------------------------------------------
    def commit(self) -> int:
        """Publish: the new files, then the manifest that lists them (the one atomic step). Rows now stored."""
        for part in list(self.open):
            self._finish(part)
        crash_point("files written")  # every new file complete, none listed yet
        now = time.time()
        manifest = {
            "format": FORMAT,
            "table": self.table.name,
            "version": self.version,
            "partition_column": self.table.partition_column,
            "files": self.keep + self.new,
            "retired": self.retired + [{"path": e["path"], "at": now} for e in self.dropped],
        }
        write_text_atomic(json.dumps(manifest, indent=1), self.root / MANIFEST)
        self.committed = True
        crash_point("published")  # the new manifest is in place; the old files not yet swept
        self.sweep()
        return sum(f["rows"] for f in manifest["files"])

    def close(self) -> None:
        """Give up (when commit was not called): this change's files go."""
        try:
            for appender in self.open.values():
                with contextlib.suppress(OSError, pa.ArrowException):
                    appender.close()  # the temporary file is gone either way
        finally:
            self.open.clear()
            if not self.committed:
                for path in self.written:
                    path.unlink(missing_ok=True)
                    _sidecar(path).unlink(missing_ok=True)
                _remove_empty_folders(self.root)

    def sweep(self) -> list[Path]:
        """Remove what no reader can see: files no manifest lists (a killed writer's) and files dropped over
        GRACE_S ago. Returns them."""
        m = read_manifest(self.root)
        now = time.time()
        expired = [r for r in m.get("retired", []) if now - r["at"] > GRACE_S]
        listed = {f["path"] for f in m["files"]} | {
            r["path"] for r in m.get("retired", []) if r not in expired
        }
        listed |= (
            {p.relative_to(self.root).as_posix() for p in self.written}
            if not self.committed
            else set()
        )
        gone = []
        for p in self.root.rglob("*"):
            if not p.is_file() or p.name == MANIFEST:
                continue
            rel = p.relative_to(self.root).as_posix()
            owner = rel.removesuffix(".keys.npy") + ".parquet" if rel.endswith(".keys.npy") else rel
            if owner not in listed:
                p.unlink(missing_ok=True)
                gone.append(p)
        if expired and self.committed:
            m["retired"] = [r for r in m["retired"] if r not in expired]
            write_text_atomic(json.dumps(m, indent=1), self.root / MANIFEST)
        _remove_empty_folders(self.root)
        return gone


def _remove_empty_folders(root: Path) -> None:
    """Empty partition folders, and the dataset's own folder while it has no manifest yet."""
    for d in [*sorted((d for d in root.rglob("*") if d.is_dir()), reverse=True), root]:
        with contextlib.suppress(OSError):
            d.rmdir()


def compact(
    root: Path | str, table: Table, rows_per_file: int = COMPACT_ROWS, timezone: str = "UTC"
) -> tuple[int, int]:
    """Merge each partition's small files into files of up to `rows_per_file` rows, in one change (hold the
    table's lock); (files before, files after). `timezone`: the city's (see Writer)."""
    w = Writer(root, table, timezone=timezone)
    before = len(w.keep)
    try:
        by_part: dict[str, list[dict]] = {}
        for f in w.keep:
            by_part.setdefault(f.get("partition", ""), []).append(f)
        for part, entries in sorted(by_part.items()):
            small = [e for e in entries if e["rows"] < rows_per_file]
            if len(small) < 2:
                continue
            for e in small:
                w.keep.remove(e)
                w.dropped.append(e)
                for batch in pq.ParquetFile(Path(root) / e["path"]).iter_batches(
                    batch_size=ROW_GROUP
                ):
                    w.write(pa.Table.from_batches([batch]))
                    if part in w.open and w.open[part].rows >= rows_per_file:
                        w._finish(part)
            if part in w.open:
                w._finish(part)
        if not w.dropped:
            return before, before
        w.commit()
        return before, len(w.keep) + len(w.new)
    finally:
        w.close()


def read_stored(directory: Path | str, table: str) -> pa.Table:
    """Every stored row of a table, whatever form it is stored in (tools and tests; pages query the store)."""
    p = extract_path(Path(directory), table)
    if p is None:
        raise FileNotFoundError(f"no {table} extract in {directory}")
    if not p.is_dir():
        return pq.read_table(p) if p.name.endswith(".parquet") else pa_csv.read_csv(p)
    parts = [pq.read_table(f) for f in files(p)]
    return pa.concat_tables(parts) if parts else arrow_schema(table).empty_table()
