"""Is a stored extract whole and plausible? Checked once per version of the file, before it is served.

Parquet pages carry CRC checksums (written by files.write_parquet_atomic); a full read verifies every
page, and plausibility bounds catch what a file without checksums cannot prove (a flipped bit that turns
a date into the year 290301 BC).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

EARLIEST, LATEST = (
    datetime(1900, 1, 1),
    datetime(2200, 1, 1),
)  # outside: not a time any city recorded
BOUNDS = {"lat": (-90.0, 90.0), "lon": (-180.0, 180.0)}


def implausible(batch: pa.RecordBatch | pa.Table) -> str | None:
    for name, col in zip(batch.schema.names, batch.columns):
        if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
            if pa.types.is_timestamp(col.type) and col.type.tz is not None:
                col = col.cast(pa.timestamp(col.type.unit))  # an instant, compared as naive UTC
            lo, hi = pc.min_max(col).values()
            if lo.is_valid and (
                lo.as_py() < EARLIEST.date()
                if pa.types.is_date(col.type)
                else lo.as_py() < EARLIEST
            ):
                return f"{name} holds {lo.as_py()}, before {EARLIEST:%Y}"
            if hi.is_valid and (
                hi.as_py() > LATEST.date() if pa.types.is_date(col.type) else hi.as_py() > LATEST
            ):
                return f"{name} holds {hi.as_py()}, after {LATEST:%Y}"
        elif name in BOUNDS and pa.types.is_floating(col.type):
            lo, hi = pc.min_max(col).values()
            a, b = BOUNDS[name]
            if lo.is_valid and not (a <= lo.as_py() and hi.as_py() <= b):
                return f"{name} holds {lo.as_py()}..{hi.as_py()}, outside {a:g}..{b:g}"
    return None


def check_parquet(path: Path | str) -> str | None:
    """One line saying what is wrong with a Parquet extract, or None when every page reads and is plausible.

    Read one column chunk at a time (a row group's pages of one column, read through a 1 MiB buffer):
    a server re-reads every file in the background, and reading each row group's chunks whole took
    the pages' process from 0.4 GB to 3.1 GB at 10M complaints (docs/benchmarks.md); a chunk at a
    time, the reader's own peak is 0.23 GB (0.40 GB for 131,072-row batches) at 1M."""
    try:
        f = pq.ParquetFile(
            path, page_checksum_verification=True, buffer_size=1 << 20, pre_buffer=False
        )
        names = f.schema_arrow.names
        for group in range(f.num_row_groups):
            for name in names:
                problem = implausible(f.read_row_group(group, columns=[name], use_threads=False))
                if problem:
                    return f"implausible values ({problem})"
    except (OSError, pa.ArrowException, ValueError, OverflowError) as e:
        return f"damaged ({str(e).splitlines()[0][:160]})"
    return None


# What was verified, so that a server start need not read every file again (docs/storage.md).
LEDGER = Path("_integrity") / "verified.json"
TAIL_BYTES = 1 << 16  # the footer and the last pages: a replaced or truncated file changes them


def fingerprint(path: Path) -> dict:
    """Size, mtime and a hash of a Parquet file's footer (its schema, row groups, offsets and
    statistics; the last 64 KiB of another file): cheap to take, and any rewrite, append or truncation
    changes it. A page rotting in the middle is what the background read is for."""
    st = path.stat()
    with open(path, "rb") as fh:
        size = TAIL_BYTES
        if st.st_size >= 12:
            fh.seek(st.st_size - 8)
            end = fh.read(8)
            if end[4:] == b"PAR1":
                size = int.from_bytes(end[:4], "little") + 8
        fh.seek(max(0, st.st_size - size))
        tail = hashlib.sha256(fh.read(size)).hexdigest()[:32]
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "tail": tail}


class Ledger:
    """The data folder's record of Parquet files verified whole and plausible (a full read): a file whose
    fingerprint still matches its record is served at once, and read again in the background. Kept in
    DATA_DIR/_integrity/verified.json under a file lock (every process and replica shares it); a
    read-only folder keeps it in memory only."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.path = self.directory / LEDGER
        self._memory: dict[str, dict] = {}
        self._file: tuple[tuple, dict] | None = None  # (mtime, records): one parse per version

    def _key(self, path: Path) -> str:
        try:
            return Path(path).resolve().relative_to(self.directory.resolve()).as_posix()
        except ValueError:
            return str(Path(path).resolve())

    def _read(self) -> dict:
        """The records, parsed once per version of the file (a start asks for every data file)."""
        try:
            st = self.path.stat()
            mtime = (st.st_mtime_ns, st.st_size, st.st_ino)
            if self._file is None or self._file[0] != mtime:
                self._file = (mtime, json.loads(self.path.read_text(encoding="utf-8")))
            return dict(self._file[1])
        except (OSError, ValueError):
            return {}

    def trusted(self, path: Path) -> bool:
        """Whether the file is, by its fingerprint, the one a full read found sound."""
        key = self._key(path)
        record = self._memory.get(key) or self._read().get(key)
        if not record:
            return False
        try:
            now = fingerprint(Path(path))
        except OSError:
            return False
        return all(record.get(k) == v for k, v in now.items())

    def record(self, path: Path, sound: bool) -> None:
        """After a full read: remember a sound file, forget a damaged one."""
        from .files import flocked, write_text_atomic

        key = self._key(path)
        try:
            entry = {
                **fingerprint(Path(path)),
                "verified_at": datetime.now().isoformat(timespec="seconds"),
            }
        except OSError:
            return
        if sound:
            self._memory[key] = entry
        else:
            self._memory.pop(key, None)
        try:
            with flocked(self.path.with_suffix(".lock")):
                records = self._read()
                if sound:
                    records[key] = entry
                else:
                    records.pop(key, None)
                # Files that are gone (compacted, replaced) leave the record.
                records = {k: v for k, v in records.items() if (self.directory / k).exists()}
                write_text_atomic(json.dumps(records, indent=0, sort_keys=True), self.path)
        except OSError:  # a read-only data folder: this process remembers, the next one reads again
            pass
