"""Where each extract lives on disk, and writing one atomically."""

from __future__ import annotations

import fcntl
import gzip
import os
import signal
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .clock import localized
from .schema import TABLES

ROW_GROUP = 122_880
# A column gets a Parquet dictionary when its first rows repeat: at most one distinct value in two.
DICTIONARY_SHARE = 0.5
# Told from the first 16,384 rows (20 ms for a complaints file; a whole row group took 150 ms),
# and only when there are at least 1,000.
DICTIONARY_SAMPLE = (1_000, 16_384)
ARROW_TYPES = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "timestamp": pa.timestamp("us", tz="UTC"),  # an instant; read in the city's zone
    "date": pa.date32(),
}

SUFFIXES = (".parquet", ".csv", ".csv.gz")
DELTA_LOG = "_delta_log"  # a folder with one is a Delta table (ccdash.data.dataset)
LEGACY_MANIFEST = "_manifest.json"  # a table folder written before tables were Delta tables
CREATING = "_creating"  # in a table folder while its first commit is being written


def is_table_folder(d: Path) -> bool:
    """A table's folder: a Delta log, an old manifest, or Parquet files that lost their log (which
    the store then reports: a table folder is never passed over for a file beside it)."""
    if (d / DELTA_LOG).is_dir() or (d / LEGACY_MANIFEST).is_file():
        return True
    return d.is_dir() and not (d / CREATING).exists() and any(d.rglob("*.parquet"))


def extract_path(directory: Path, table: str) -> Path | None:
    """Where a table is read from: its table folder, else a single Parquet file, else CSV; None when none."""
    d = Path(directory) / table
    if is_table_folder(d):
        return d
    for suffix in SUFFIXES:
        p = Path(directory) / f"{table}{suffix}"
        if p.exists():
            return p
    return None


def version_path(path: Path) -> Path:
    """What changes size or mtime when the extract does: a Delta table's log folder (each commit adds
    a file to it), an old folder's manifest, else the file."""
    if not path.is_dir():
        return path
    return path / LEGACY_MANIFEST if (path / LEGACY_MANIFEST).is_file() else path / DELTA_LOG


def data_version(directory: Path) -> tuple:
    """A cheap fingerprint of every extract (name, size, mtime): changes when a file is replaced."""
    out = []
    for table in TABLES:
        p = extract_path(directory, table)
        if p is not None:
            try:
                st = version_path(p).stat()
            except (
                FileNotFoundError
            ):  # replaced between the two looks: the next look sees the new one
                continue
            out.append((p.name, st.st_size, st.st_mtime_ns))
    return tuple(out)


class LockTimeout(RuntimeError):
    """Another writer held a table's lock for longer than we would wait."""


@contextmanager
def table_lock(directory: Path | str, table: str, timeout_s: float = 900.0):
    """Hold the one writer's lock of a table (CLI, upload and any watcher alike), from reading the stored
    rows to publishing the new file: two appends at once would otherwise each rewrite the file from the
    same old rows, and one would lose the other's.

    An exclusive flock on DATA_DIR/_ingest/<table>.lock; the kernel releases it when a process dies.
    """
    lock_dir = Path(directory) / "_ingest"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{table}.lock", "a+") as fh:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockTimeout(
                        f"another ingest of {table} has been running for over {timeout_s:.0f} s"
                    ) from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def remove_stale_temp(directory: Path | str, table: str) -> list[Path]:
    """Temporary files a killed writer of `table` left behind (call it holding the table's lock)."""
    directory = Path(directory)
    stale = [
        *directory.glob(f".{table}.*.tmp"),
        *(directory / "rejects").glob(f".{table}-*.tmp"),
        *(directory / "_ingest").glob(f".{table}.json.*.tmp"),
    ]
    for p in stale:
        p.unlink(missing_ok=True)
    return stale


CRASH_ENV = "CCDASH_CRASH_AT"


def crash_point(name: str) -> None:
    """A named moment of a write where a test can kill this process for certain: with
    CCDASH_CRASH_AT=<name> in the environment the process dies here by SIGKILL, as `kill -9` would
    kill it, so a crash test produces each outcome on purpose instead of guessing a delay."""
    if os.environ.get(CRASH_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def _atomic(path: Path, write) -> None:
    """Write through a temporary file in the same folder, then rename over the target."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; extracts are meant to be read
        crash_point(f"before rename {path.name}")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def arrow_schema(table: str) -> pa.Schema:
    t = TABLES[table]
    fields = [pa.field(c.name, ARROW_TYPES[c.type]) for c in t.columns]
    # H3 cells as int64 (every H3 id fits in 63 bits): Delta and Spark have no unsigned integers.
    fields += [pa.field(h, pa.int64()) for h in t.stored_names()[len(t.columns) :]]
    return pa.schema(fields)


def as_instants(t: pa.Table, timezone: str) -> pa.Table:
    """A table whose naive timestamps (files written before times were stored as instants, or a
    single-file extract) are read as wall times of `timezone`: every timestamp an instant in UTC. A
    repeated wall time (fall back) is read as the first, a skipped one as after the gap."""
    for i, field in enumerate(t.schema):
        if pa.types.is_timestamp(field.type) and field.type.tz is None:
            aware = pc.assume_timezone(
                t.column(i), timezone, ambiguous="earliest", nonexistent="latest"
            )
            t = t.set_column(i, field.name, aware.cast(pa.timestamp("us", tz="UTC")))
    return t


def conform(df: pd.DataFrame, table: str, timezone: str = "UTC") -> pa.Table:
    """A frame as an Arrow table with the canonical types of `table`, columns in canonical order.
    Naive times are wall times of `timezone` (ingest passes them already in UTC)."""
    t = TABLES[table]
    df = df[t.stored_names()]  # copy-on-write: the caller's frame is not changed below
    for c in t.columns:
        if c.type == "date":
            d = pd.to_datetime(df[c.name], errors="coerce")
            df[c.name] = [None if pd.isna(x) else x.date() for x in d]
        elif c.type == "timestamp":
            times = pd.to_datetime(df[c.name], errors="coerce")
            df[c.name] = localized(times, timezone).astype("datetime64[us, UTC]")
        elif c.type == "str" and not isinstance(df[c.name].dtype, pd.StringDtype):
            df[c.name] = df[c.name].astype(object).where(df[c.name].notna(), None).astype("string")
    return pa.Table.from_pandas(df, schema=arrow_schema(table), preserve_index=False)


def write_parquet_atomic(
    df: pd.DataFrame, path: Path, table: str | None = None, timezone: str = "UTC"
) -> None:
    """Write a frame as Parquet (typed as `table` when given; naive times are wall times of
    `timezone`) through a temporary file."""
    if table is not None:
        arrow = conform(df, table, timezone)
        # Row groups of DuckDB's own size: sorted by time, a date filter skips most of them.
        # Page checksums: a page damaged on disk is caught when the store verifies a new file version.
        _atomic(
            path,
            lambda tmp: pq.write_table(
                arrow,
                tmp,
                compression="zstd",
                row_group_size=ROW_GROUP,
                write_page_checksum=True,
                use_dictionary=dictionary_columns(arrow),
            ),
        )
    else:
        _atomic(
            path,
            lambda tmp: df.to_parquet(
                tmp, index=False, compression="zstd", write_page_checksum=True
            ),
        )


def dictionary_columns(t: pa.Table) -> list[str]:
    """The columns worth a Parquet dictionary: those whose values repeat in the first rows
    (statuses, categories, districts, cells, templated text). Parquet gives up a dictionary that
    grows too large, but only after hashing every value of the chunk into it: for ids, times,
    coordinates and phone numbers that was a third of writing a month's file, and the file larger."""
    fewest, most = DICTIONARY_SAMPLE
    head = t.slice(0, most)
    if head.num_rows < fewest:  # too few rows to tell: Parquet's default, all of them
        return head.column_names
    out = []
    for name, col in zip(head.column_names, head.columns):
        values = len(col) - col.null_count
        try:
            distinct = pc.count_distinct(col).as_py()
        except pa.ArrowNotImplementedError:  # a type it cannot count: Parquet's own default
            distinct = 0
        if distinct <= values * DICTIONARY_SHARE:
            out.append(name)
    return out


class ParquetAppender:
    """A Parquet extract written a batch at a time to a temporary file beside `path`, with the row groups
    and page checksums of write_parquet_atomic, and published by rename only by commit(): until then
    readers see the old file, and close() without commit leaves nothing behind."""

    def __init__(self, path: Path, table: str, timezone: str = "UTC"):
        self.path, self.table, self.schema = Path(path), table, arrow_schema(table)
        self.timezone = timezone  # what naive times handed in are wall times of
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
        )
        os.close(fd)
        self.tmp: str | None = tmp
        self.writer: pq.ParquetWriter | None = None  # opened by the first rows (their dictionaries)
        self.pending: list[pa.Table] = []
        self.buffered = self.rows = 0

    def write(self, data: pd.DataFrame | pa.Table | pa.RecordBatch) -> None:
        """Rows in the table's canonical form (a frame is conformed first); written in whole row groups."""
        t = (
            conform(data, self.table, self.timezone)
            if isinstance(data, pd.DataFrame)
            else (pa.Table.from_batches([data]) if isinstance(data, pa.RecordBatch) else data)
        )
        t = as_instants(t.select(self.schema.names), self.timezone).cast(self.schema)
        self.pending.append(t)
        self.buffered += t.num_rows
        self.rows += t.num_rows
        if self.buffered >= ROW_GROUP:
            whole = pa.concat_tables(self.pending)
            cut = self.buffered - self.buffered % ROW_GROUP
            self._write(whole.slice(0, cut))
            self.pending, self.buffered = [whole.slice(cut)], self.buffered - cut

    def _write(self, t: pa.Table) -> None:
        if self.writer is None:
            assert self.tmp is not None, "write after close"
            self.writer = pq.ParquetWriter(
                self.tmp,
                self.schema,
                compression="zstd",
                write_page_checksum=True,
                use_dictionary=dictionary_columns(t),
            )
        self.writer.write_table(t, row_group_size=ROW_GROUP)

    def flush(self) -> None:
        """Write what is buffered as one (smaller) row group."""
        if self.buffered:
            self._write(pa.concat_tables(self.pending))
        self.pending, self.buffered = [], 0

    def commit(self) -> None:
        if self.pending or self.writer is None:  # no rows at all: a file with the schema alone
            self._write(pa.concat_tables(self.pending or [self.schema.empty_table()]))
        self.pending = []
        assert self.writer is not None and self.tmp is not None, "commit after close"
        self.writer.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.path)
        self.tmp = None

    def close(self) -> None:
        """Give up (when commit was not called): the temporary file goes."""
        if self.tmp is not None:
            try:
                if self.writer is not None:
                    self.writer.close()
            finally:
                Path(self.tmp).unlink(missing_ok=True)
                self.tmp = None


class CsvAppender:
    """Rows appended to a temporary CSV beside `path` (one header), published by commit() only."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fh: TextIO | None = None

    def write(self, df: pd.DataFrame) -> None:
        if self.fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
            self.fh = os.fdopen(fd, "w", encoding="utf-8", newline="")
            df.to_csv(self.fh, index=False, date_format="%Y-%m-%d %H:%M:%S")
        else:
            df.to_csv(self.fh, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S")

    def commit(self) -> Path | None:
        """The published file, or None when no row was written."""
        if self.fh is None:
            return None
        self.fh.close()
        os.chmod(self.tmp, 0o644)
        os.replace(self.tmp, self.path)
        self.fh = None
        return self.path

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()
            Path(self.tmp).unlink(missing_ok=True)
            self.fh = None


def write_csv_atomic(df: pd.DataFrame, path: Path) -> None:
    """CSV, gzipped when the name ends in .gz (no name or time in the gzip header: same data, same bytes)."""
    if str(path).endswith(".gz"):
        text = df.to_csv(index=False, date_format="%Y-%m-%d %H:%M:%S")
        _atomic(
            path, lambda tmp: Path(tmp).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
        )
    else:
        _atomic(path, lambda tmp: df.to_csv(tmp, index=False, date_format="%Y-%m-%d %H:%M:%S"))


@contextmanager
def flocked(lock_file: Path):
    """An exclusive flock on `lock_file` (made, with its folder, if missing) for the block: the
    small shared records of the data folder (alerts, sources) are read and written under one."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def write_text_atomic(text: str, path: Path) -> None:
    _atomic(path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
