"""Partitioned datasets for the benchmark, built fast from a generated single-file one.

`partitioned(src_dir, out_dir, copies)` writes src_dir's complaints as a Delta table
(`complaints/created_month=YYYY-MM/*.parquet` and its `_delta_log/`), `copies` times over: each copy k > 0
gets ids prefixed `Rk-` and times shifted back by k x 7 minutes (the generator would take hours at 100M;
replicas keep its daily and weekly shape). DuckDB does the copying in a child process, and one commit lists its
files, with the statistics ccdash's own writer records; the small extracts and the profile are
copied as they are.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
from deltalake.transaction import AddAction, create_table_with_add_actions

from ccdash.data import dataset
from ccdash.data.schema import TABLES

SHIFT_MIN = 7
SMALL = (
    "cctv_sites.parquet",
    "wifi_points.parquet",
    "wifi_usage.parquet",
    "city.toml",
    "districts.geojson",
    "kecamatan.csv",
    "tour.toml",
)

COPY = """
import duckdb, sys
src, out, copies = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = duckdb.connect()
con.execute("SET threads TO 2"); con.execute("SET memory_limit = '6GB'"); con.execute("SET preserve_insertion_order = false")
con.execute("SET enable_progress_bar = false")
cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{src}')").fetchall()]
times = ("created_at", "due_at", "closed_at")
def copy(k):
    sel = []
    for c in cols:
        if c.startswith("h3_"):
            sel.append(f"CAST({c} AS BIGINT) AS {c}")  # as ccdash stores H3 cells
        elif k == 0:
            sel.append(c)
        elif c == "complaint_id":
            sel.append(f"'R{k}-' || complaint_id AS complaint_id")
        elif c in times:
            sel.append(f"{c} - INTERVAL {k * SHIFT} MINUTE AS {c}")
        else:
            sel.append(c)
    return (f"SELECT *, strftime(created_at, '%Y-%m') AS created_month FROM (SELECT {', '.join(sel)} "
            f"FROM read_parquet('{src}'))")
for k in range(copies):  # one copy at a time: memory stays bounded, each adds its own files per month
    con.execute(f"COPY ({copy(k)}) TO '{out}' (FORMAT parquet, PARTITION_BY (created_month), COMPRESSION zstd, "
                f"ROW_GROUP_SIZE 122880, FILENAME_PATTERN 'part-copy{k}-{{uuid}}', APPEND)")
""".replace("SHIFT", str(SHIFT_MIN))


def partitioned(src_dir: Path, out_dir: Path, copies: int = 1) -> Path:
    """out_dir with a partitioned complaints table (built once: an existing table is kept)."""
    root = out_dir / "complaints"
    if (root / "_delta_log").is_dir():
        return out_dir
    shutil.rmtree(root, ignore_errors=True)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in SMALL:
        if (src_dir / name).exists():
            shutil.copy(src_dir / name, out_dir / name)
    t = time.time()
    subprocess.run(
        [sys.executable, "-c", COPY, str(src_dir / "complaints.parquet"), str(root), str(copies)],
        check=True,
    )
    files = sorted(p for p in root.rglob("*.parquet"))
    actions = []
    for p in files:
        ids = pq.read_table(p, columns=["complaint_id"]).column(0)
        lo, hi = pc.min_max(ids).values()
        stats = {
            "numRecords": len(ids),
            "minValues": {"complaint_id": lo.as_py()},
            "maxValues": {"complaint_id": hi.as_py()},
        }
        actions.append(
            AddAction(
                p.relative_to(root).as_posix(),
                p.stat().st_size,
                {"created_month": p.parent.name.split("=", 1)[1]},
                int(p.stat().st_mtime * 1000),
                True,
                json.dumps(stats),
            )
        )
    create_table_with_add_actions(
        str(root),
        dataset.delta_schema(TABLES["complaints"]),
        actions,
        partition_by=["created_month"],
        configuration=dataset.CONFIGURATION,
    )
    rows = dataset.rows(root)
    print(
        f"[bench] {out_dir.name}: {rows:,} rows in {len(files)} files, built in {time.time() - t:.0f} s",
        file=sys.stderr,
    )
    return out_dir


if __name__ == "__main__":
    partitioned(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
