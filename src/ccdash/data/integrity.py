"""Is a stored extract whole and plausible? Checked once per version of the file, before it is served.

Parquet pages carry CRC checksums (written by files.write_parquet_atomic); a full read verifies every
page, and plausibility bounds catch what a file without checksums cannot prove (a flipped bit that turns
a date into the year 290301 BC).
"""

from __future__ import annotations

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


def implausible(batch: pa.RecordBatch) -> str | None:
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
    """One line saying what is wrong with a Parquet extract, or None when every page reads and is plausible."""
    try:
        f = pq.ParquetFile(path, page_checksum_verification=True)
        for batch in f.iter_batches(batch_size=131_072):
            problem = implausible(batch)
            if problem:
                return f"implausible values ({problem})"
    except (OSError, pa.ArrowException, ValueError, OverflowError) as e:
        return f"damaged ({str(e).splitlines()[0][:160]})"
    return None
