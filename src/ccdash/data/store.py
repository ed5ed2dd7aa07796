"""The only module that imports duckdb: one connection per process, a cursor per query."""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import tempfile
import threading
import weakref
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from . import dataset, summary
from .clock import instant
from .files import data_version, extract_path, version_path
from .integrity import Ledger, check_parquet
from .profile import ProfileError, load_profile, profile_path
from .reference import file_version, load_facts, respelled
from .schema import H3_COLUMNS, TABLES
from .verifier import Verifier, VerifierStopped

# The attached summary databases are named this and their folder's key (data.summary).
SUMMARY_DATABASE = "summary_"
MEMORY_LIMIT = "2GB"  # DuckDB's share of a server process (CCDASH_DUCKDB_MEMORY overrides)
SQL_TYPES = {
    "str": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "timestamp": "TIMESTAMPTZ",  # instants, read in the city's zone (the connection's TimeZone)
    "date": "DATE",
}


def _literal(text: str | Path) -> str:
    """A SQL string literal (file paths only; values from users are always bound parameters)."""
    return "'" + str(text).replace("'", "''") + "'"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_types(table: str) -> dict[str, str]:
    t = TABLES[table]
    types = {c.name: SQL_TYPES[c.type] for c in t.columns}
    if t.has_location:
        types.update({h: "UBIGINT" for h in H3_COLUMNS})
    return types


def _source_sql(table: str, path: Path | None, files: list[Path] | None = None) -> str:
    """SELECT over one extract, cast to the canonical types, in canonical column order.

    A partitioned table also has its partition column (e.g. created_month, 'YYYY-MM'): read from the
    dataset's folder names, so that a filter on it skips whole folders, and computed for a single file."""
    types = column_types(table)
    t = TABLES[table]
    part = t.partition_column
    if files is None and path is not None and path.is_dir():
        files = dataset.files(path)
    if path is None or files == []:
        cols = ", ".join(f"CAST(NULL AS {t}) AS {quote_ident(c)}" for c, t in types.items())
        extra = f", CAST(NULL AS VARCHAR) AS {quote_ident(part)}" if part else ""
        return f"SELECT {cols}{extra} WHERE false"
    if files is not None:
        hive = (
            f"hive_partitioning = true, hive_types = {{{_literal(part)}: 'VARCHAR'}}"
            if part
            else "hive_partitioning = false"
        )
        src = f"read_parquet([{', '.join(_literal(f) for f in files)}], {hive})"
        extra = f", {quote_ident(part)}" if part else ""
    else:
        if path.name.endswith(".parquet"):
            src = f"read_parquet({_literal(path)})"
        else:
            # A CSV's times are wall times (or carry their offset): read as text, cast below.
            read_types = {c: ("VARCHAR" if v == "TIMESTAMPTZ" else v) for c, v in types.items()}
            type_map = ", ".join(f"{_literal(c)}: {_literal(v)}" for c, v in read_types.items())
            src = f"read_csv({_literal(path)}, header = true, types = {{{type_map}}})"
        extra = (
            f", strftime(CAST({quote_ident(t.partition_by)} AS TIMESTAMPTZ), '%Y-%m') "
            f"AS {quote_ident(part)}"
            if part and t.partition_by
            else ""
        )
    cols = ", ".join(f"CAST({quote_ident(c)} AS {t}) AS {quote_ident(c)}" for c, t in types.items())
    return f"SELECT {cols}{extra} FROM {src}"


def inputs_version(
    directory: Path, facts_file: Path | None, tables=(), facts: bool = False
) -> tuple:
    """Size and mtime of these tables' files (a dataset's manifest) and, with `facts`, of the facts file."""
    out = tuple(
        file_version(p if p is None else version_path(p))
        for p in (extract_path(directory, t) for t in tables)
    )
    return out + ((file_version(facts_file),) if facts else ())


def _within(version: tuple, directory: Path) -> tuple:
    """`version` with its paths relative to `directory`, so that a data folder moved or mounted
    elsewhere (same files, same mtimes) keeps the summaries written for it."""

    def one(entry: tuple) -> tuple:
        path = entry[0]
        if path is None or not Path(path).is_relative_to(directory):
            return entry
        return (Path(path).relative_to(directory).as_posix(), *entry[1:])

    return tuple(one(e) for e in version)


def folder_timezone(directory: Path) -> str:
    """The time zone of the city whose extracts are in `directory` (its profile's; UTC without one)."""
    try:
        return load_profile(profile_path(directory)).timezone
    except ProfileError:
        return "UTC"


def bound(params: dict | list | None, timezone: str) -> dict | list:
    """Query parameters with naive datetimes read as the city's wall times (aware instants)."""

    def one(value):
        if isinstance(value, datetime) and value.tzinfo is None:
            return instant(value, timezone)
        return value

    if params is None:
        return {}
    if isinstance(params, dict):
        return {k: one(v) for k, v in params.items()}
    return [one(v) for v in params]


def wall_times(df: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """A result's instants as naive city-local wall times (what metrics and screens work in)."""
    for c in df.columns:
        if isinstance(df[c].dtype, pd.DatetimeTZDtype):
            df[c] = df[c].dt.tz_convert(timezone).dt.tz_localize(None)
    return df


class SummaryVersionChanged(RuntimeError):
    """The data moved on while its summaries were being asked for."""


def _stop_background(ref: weakref.ref) -> None:
    store = ref()
    if store is not None:
        store.stop_background()


class BaseStore:  # the engine interface every named query takes (Store, SparkStore)
    """Views over the extracts of one folder, rebuilt (by `_rebuild`, which returns the problems it met) when a
    file there or the facts file changes: a cheap version check, then one rebuild under a lock."""

    directory: Path
    facts_file: Path | None
    timezone: str  # the city's: stored instants are read, and naive parameters bound, in it
    problems: dict[str, str]
    _lock: threading.Lock
    _version: tuple | None

    _epoch: int = 0  # raised when a background check finds a served file damaged

    def refresh(self) -> tuple:
        """Point the views at the current files; returns the data version used."""
        version = (data_version(self.directory), file_version(self.facts_file), self._epoch)
        if version == self._version:
            return version
        with self._lock:
            if version == self._version:
                return version
            self.problems = self._rebuild()
            self._version = version
        return version

    def _rebuild(self) -> dict[str, str]:
        raise NotImplementedError

    def query(self, sql: str, params: dict | list | None = None) -> pd.DataFrame:
        """The rows of one statement, its values bound (never SQL text)."""
        raise NotImplementedError

    def scalar(self, sql: str, params: dict | list | None = None) -> Any:
        raise NotImplementedError

    def describe(self, table: str) -> pd.DataFrame:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def summaries(self, at: datetime | None) -> summary.Summaries | None:
        """The complaint summaries that answer figures as of `at`, if this store has them (data.summary);
        `at` None: for what does not depend on the clock (which values occur, the dates spanned)."""
        return None

    def version(self, tables=(), facts: bool = False) -> tuple:
        """The version of exactly these inputs (a named query's cache key): their files' size and mtime."""
        self.refresh()
        return (*inputs_version(self.directory, self.facts_file, tables, facts), self._epoch)


class Store(BaseStore):
    """DuckDB views over the extracts in one folder, rebuilt when a file there changes."""

    def __init__(
        self,
        directory: Path | str,
        facts_file: Path | None = None,
        expected: tuple[str, ...] | None = None,
        timezone: str | None = None,
        verify_in_background: bool = True,
        summaries: str = "read",
        summarize_from_rows: int | None = None,
    ):
        self.directory = Path(directory)
        self.facts_file = facts_file
        self.timezone = timezone or folder_timezone(self.directory)
        self.expected = (
            tuple(expected) if expected is not None else tuple(TABLES)
        )  # a missing one is a problem
        self._con = duckdb.connect(":memory:")
        self._con.execute("SET threads TO 2")
        # Every cursor reads instants in the city's zone: days, months and wall times are the city's.
        self._con.execute(f"SET GLOBAL TimeZone = {_literal(self.timezone)}")
        # DuckDB would take up to 80% of the machine's memory for a big aggregate; past this it spills to disk.
        self._con.execute(
            f"SET memory_limit = {_literal(os.environ.get('CCDASH_DUCKDB_MEMORY', MEMORY_LIMIT))}"
        )
        self._con.execute(
            f"SET temp_directory = {_literal(Path(tempfile.gettempdir()) / 'ccdash-duckdb')}"
        )
        self._lock = threading.Lock()
        self._version: tuple | None = None
        self.problems: dict[str, str] = {}  # table -> what is wrong with its file
        self._checked: dict[
            tuple, str | None
        ] = {}  # file version -> its integrity problem (None: sound)
        # Files served on their ledger record, still to be read in full (verify_pending).
        self._ledger = Ledger(self.directory)
        self._pending: list[tuple[Path, tuple]] = []
        self._reread: set[tuple] = set()
        self._background = verify_in_background
        self._verifier: threading.Thread | None = None
        self._reader: Verifier | None = None  # the process that thread re-reads the files in
        # How a server starts that process (tests put another in its place).
        self.verify_command = [sys.executable, "-m", "ccdash.data.verifier"]
        self.verify_problem: str | None = None  # why the last re-read stopped, if it did
        self._closed = False
        # Complaint summaries (data.summary): "read" attaches them when their folder matches the data;
        # "build" (the app's store) also writes them in the background when it does not, the queries
        # reading the rows until then; "off" reads only the rows (a reference for tests and benches).
        if summaries not in ("off", "read", "build"):
            raise ValueError(f"summaries is 'off', 'read' or 'build', not {summaries!r}")
        self._summaries_mode = summaries
        # Fewer complaints than this are read as rows (already quick): no summary is written for them.
        self._summarize_from = (
            summary.SUMMARIZE_FROM_ROWS if summarize_from_rows is None else summarize_from_rows
        )
        self._summary: summary.Summaries | None = None
        self._summarizer: threading.Thread | None = None
        self.summary_problem: str | None = None  # why the last write failed, if it did
        self._building: duckdb.DuckDBPyConnection | None = None  # the cursor writing them
        self._writer: subprocess.Popen | None = None  # or the process writing them apart
        # How a server starts that process (tests put a slower writer in its place).
        self.summary_command = [sys.executable, "-m", "ccdash.data.summary_writer"]
        # A process that exits while they are written stops the write first: a thread still inside
        # DuckDB when the interpreter finalises aborts the process.
        atexit.register(_stop_background, weakref.ref(self))

    def _rebuild(self) -> dict[str, str]:
        problems = {}
        for table in TABLES:
            path, files = extract_path(self.directory, table), None
            if path is None:
                if table in self.expected:
                    problems[table] = f"no {table} extract in {self.directory}"
            else:
                try:  # a dataset's manifest read once: the files checked are the files served
                    files = dataset.files(path) if path.is_dir() else None
                    damage = self._damage(path, files)
                except dataset.DatasetError as e:
                    damage = str(e)
                if (
                    damage
                ):  # served like a missing file: a banner, and the wall keeps its last good data
                    problems[table] = damage
                    path = None
            try:
                sql = _source_sql(table, path, files if path is not None else None)
                self._con.execute(f"CREATE OR REPLACE VIEW {table} AS {sql}")
                self._con.execute(f"SELECT * FROM {table} LIMIT 0")
            except duckdb.Error as e:
                shown = path.name if path is not None else table
                problems[table] = f"{shown} cannot be read: {str(e).splitlines()[0]}"
                self._con.execute(f"CREATE OR REPLACE VIEW {table} AS {_source_sql(table, None)}")
        # The facts come from data.reference (the geometry code reads the same frame).
        # A table, not a registered frame: registered frames are invisible to the per-query cursors.
        self._con.register("_district_facts", respelled(load_facts(self.facts_file), self._names()))
        self._con.execute(
            "CREATE OR REPLACE TABLE districts AS SELECT CAST(kecamatan AS VARCHAR) AS kecamatan, "
            "CAST(population AS BIGINT) AS population, CAST(area_ha AS DOUBLE) AS area_ha, "
            "CAST(centroid_lat AS DOUBLE) AS centroid_lat, CAST(centroid_lon AS DOUBLE) AS centroid_lon "
            "FROM _district_facts"
        )
        self._con.unregister("_district_facts")
        off = self._summaries_mode == "off" or "complaints" in problems
        path = summary.folder(self.directory, self._summary_key())
        written = None if "complaints" in problems else summary.read_cutoff(path)
        self._summary = None if off or written is None else self._attach_summary(path, written)
        if self._summary is None:
            self._detach_summaries()
        idle = self._summarizer is None or not self._summarizer.is_alive()
        if written is None and self._summaries_mode == "build" and not off and idle:
            self._summarizer = threading.Thread(
                target=self._summarize_quietly, name="ccdash-summarize", daemon=True
            )
            self._summarizer.start()
        return problems

    def _summary_key(self) -> str:
        """The summaries' folder for the complaints now, and the cameras' places and views now."""
        cur = self._con.cursor()  # its own: a writer thread asks too
        try:
            row = cur.execute(summary.CAMERA_VIEWS_SQL).fetchone()
            views = str(row[0]) if row else ""
        except duckdb.Error:  # no readable cameras: none sees a complaint
            views = ""
        finally:
            cur.close()
        version = inputs_version(self.directory, None, ("complaints",))
        return summary.summary_key(
            _within(version, self.directory), self.timezone, views, duckdb.__version__
        )

    def _attach_summary(self, path: Path, cutoff: datetime) -> summary.Summaries | None:
        """Views over a written summary folder of the current complaints (its database attached
        read-only; the one attached before is detached: a query still reading it finishes)."""
        name = SUMMARY_DATABASE + path.name
        database = quote_ident(name)
        try:
            # Not ATTACH IF NOT EXISTS: twice a bench worker's page sat in it for 7 and 13 minutes,
            # a DuckDB thread spinning in AttachDatabase. DuckDB busy-waits there for an attachment of
            # the same file in progress elsewhere (duckdb#18993); the worker had just released
            # another store of the same folder. A plain ATTACH has no such wait: it attaches or
            # fails, and a failure serves the rows until the next refresh.
            if name not in self._attached_summaries():
                self._con.execute(
                    f"ATTACH {_literal(path / summary.DATABASE)} AS {database} (READ_ONLY)"
                )
            for table, view in summary.VIEWS.items():
                self._con.execute(
                    f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {database}.{table}"
                )
                self._con.execute(f"SELECT * FROM {view} LIMIT 0")
        except duckdb.Error:
            self._detach_summaries()
            return None
        self._detach_summaries(keep=name)
        return summary.Summaries(cutoff)

    def _attached_summaries(self) -> list[str]:
        """The names of the summary databases this connection has attached."""
        return [
            name
            for (name,) in self._con.execute(
                "SELECT database_name FROM duckdb_databases() WHERE starts_with(database_name, $p)",
                {"p": SUMMARY_DATABASE},
            ).fetchall()
        ]

    def _detach_summaries(self, keep: str | None = None) -> None:
        """Detach every summary database but `keep` (an earlier version's, or one that failed)."""
        for name in self._attached_summaries():
            if name != keep:
                self._con.execute(f"DETACH DATABASE IF EXISTS {quote_ident(name)}")

    def summaries(self, at: datetime | None) -> summary.Summaries | None:
        self.refresh()
        found = self._summary
        return found if found is not None and (at is None or found.answers(at)) else None

    def build_summaries(self, apart: bool = False) -> Path | None:
        """Write the summaries of the current complaints (unless written already) and attach them at the
        next refresh. Returns their folder; None when there are no complaints to summarise.

        `apart`: in a process of its own (data.summary_writer), as a server writes them. The write's
        memory (DuckDB's up to its limit, and the frames) then goes back to the system when it is over,
        instead of staying in the server's process, and the server's own peak is its pages'."""
        self.refresh()
        if "complaints" in self.problems:
            return None
        key = self._summary_key()
        path = summary.folder(self.directory, key)
        if summary.read_cutoff(path) is None:
            if apart:
                self._write_apart(key)
            else:
                self.write_summaries(key)
            if summary.read_cutoff(path) is None:
                return None  # no complaint to summarise
        with self._lock:
            self._epoch += 1  # the next refresh attaches them (and cached figures are recomputed)
        return path

    def write_summaries(self, key: str) -> None:
        """Write, in this process, the summaries of the complaints at version `key` (`_summary_key`).
        Refused if the data is no longer at that version: the summaries would name the wrong one."""
        self.refresh()
        if self._summary_key() != key:
            raise SummaryVersionChanged(
                "the complaints changed since the summaries were asked for: their next version is "
                "written instead"
            )
        cur = self._con.cursor()
        self._building = cur
        try:
            newest = cur.execute("SELECT CAST(max(created_at) AS DATE) FROM complaints").fetchone()
            if newest is None or newest[0] is None:
                return
            cutoff = summary.cutoff_for(newest[0])
            summary.write(cur, self.directory, key, instant(cutoff, self.timezone), cutoff)
        finally:
            self._building = None
            cur.close()

    def _write_apart(self, key: str) -> None:
        command = [
            *self.summary_command,
            str(self.directory),
            key,
            "--timezone",
            self.timezone,
            *(["--facts", str(self.facts_file)] if self.facts_file is not None else []),
        ]
        child = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self._writer = child
        try:
            _, err = child.communicate()
        finally:
            self._writer = None
        if child.returncode:
            lines = err.decode(errors="replace").strip().splitlines()
            said = lines[-1] if lines else f"exit status {child.returncode}"
            raise RuntimeError(f"the summaries' writer stopped: {said}")

    def _summarize_quietly(self) -> None:
        try:
            cur = self._con.cursor()
            try:
                found = cur.execute("SELECT count(*) FROM complaints").fetchone()
            finally:
                cur.close()
            if (found[0] if found else 0) < self._summarize_from:
                return
            self.build_summaries(apart=True)
            self.summary_problem = None
        except Exception as e:  # a read-only folder, a file replaced mid-scan: the rows still serve
            self.summary_problem = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"

    def _names(self) -> list[str]:
        """Every district name the extracts store (one scan of a low-cardinality column per version)."""
        union = " UNION ".join(
            f"SELECT DISTINCT kecamatan FROM {t}"
            for t in ("complaints", "cctv_sites", "wifi_points")
        )
        return [r[0] for r in self._con.execute(union).fetchall()]

    def _damage(self, path: Path, files: list[Path] | None) -> str | None:
        """What is wrong with an extract's Parquet file(s) (`files`, a dataset's), if anything."""
        for f in files if files is not None else [path] if path.name.endswith(".parquet") else []:
            damage = self._check(f)
            if damage:
                return (
                    f"{path.name}/{f.relative_to(path)} is {damage}"
                    if path.is_dir()
                    else f"{path.name} is {damage}"
                )
        return None

    def _check(self, path: Path) -> str | None:
        """Verify each version of a Parquet file once before it is served (a full read: page checksums and
        plausible values), and record it in the data folder's ledger. A version the ledger already holds
        (verified when it was written, or by an earlier start) is served at once and read again in the
        background, so a server starts in seconds however large the data."""
        key = file_version(path)
        if key not in self._checked:
            if len(self._checked) > 4096:
                self._checked.clear()
            if self._ledger.trusted(path):
                self._checked[key] = None
                self._queue(path, key)
            else:
                self._checked[key] = check_parquet(path)
                self._ledger.record(path, self._checked[key] is None)
        return self._checked[key]

    def _queue(self, path: Path, key: tuple) -> None:
        if key in self._reread:
            return
        self._reread.add(key)
        self._pending.append((path, key))
        if self._background and (self._verifier is None or not self._verifier.is_alive()):
            self._verifier = threading.Thread(
                target=self.verify_pending, args=(True,), name="ccdash-verify", daemon=True
            )
            self._verifier.start()

    def verify_pending(self, apart: bool = False) -> list[str]:
        """Read in full each file served on its ledger record (the background thread calls this; tests
        call it directly). A damaged one becomes a problem at the next refresh, like a damaged new file.
        Returns what was found damaged.

        `apart`: in a process of its own (data.verifier), as a server re-reads them: beside the pages'
        queries in one process the re-read's buffers took it from 0.7 GB to 2.9 GB at 100M. If that
        process stops, the file it was reading stays served on its record (`verify_problem` says why)
        and is read again at the next start."""
        found: list[str] = []
        reader = None
        try:
            while self._pending and not self._closed:
                path, key = self._pending.pop(0)
                if not path.exists():
                    continue
                if apart and reader is None:
                    reader = self._reader = Verifier(self.verify_command)
                try:
                    damage = reader.check(path) if reader is not None else check_parquet(path)
                except VerifierStopped as e:
                    self._reread.discard(key)
                    self.verify_problem = str(e)
                    break
                self._ledger.record(path, damage is None)
                if damage:
                    found.append(f"{path.name} is {damage}")
                    with self._lock:
                        self._checked[key] = damage
                        # The next refresh rebuilds, and every cached query is stale.
                        self._epoch += 1
        finally:
            if reader is not None:
                self._reader = None
                reader.close()
        return found

    def query(self, sql: str, params: dict | list | None = None) -> pd.DataFrame:
        """Run one read-only query with bound parameters on its own cursor."""
        self.refresh()
        cur = self._con.cursor()
        try:
            return wall_times(cur.execute(sql, bound(params, self.timezone)).df(), self.timezone)
        finally:
            cur.close()

    def scalar(self, sql: str, params: dict | list | None = None):
        df = self.query(sql, params)
        return None if df.empty else df.iat[0, 0]

    def describe(self, table: str) -> pd.DataFrame:
        return self.query(f"DESCRIBE {quote_ident(table)}")[["column_name", "column_type"]]

    def stop_summarizing(self, timeout_s: float = 30.0) -> None:
        """Interrupt a summary being written (here or apart) and wait for its thread (at exit, and on
        close). A writer apart is stopped as well: its scratch folder is removed by a later prune."""
        cur, thread, writer = self._building, self._summarizer, self._writer
        if cur is not None:
            with contextlib.suppress(duckdb.Error):
                cur.interrupt()
        if writer is not None:
            writer.terminate()
            try:
                writer.wait(timeout_s)
            except subprocess.TimeoutExpired:
                writer.kill()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout_s)

    def stop_background(self) -> None:
        """Stop the integrity re-read and the summaries' write (at exit, and on close)."""
        self._closed = True  # no further file is re-read
        reader = self._reader
        if reader is not None:
            reader.stop()
        self.stop_summarizing()

    def close(self) -> None:
        self.stop_background()
        self._con.close()
