"""Partitioned datasets for the benchmark, built fast from a generated single-file one.

`partitioned(src_dir, out_dir, copies)` writes src_dir's complaints as a ccdash dataset
(`complaints/created_month=YYYY-MM/*.parquet` and its `_manifest.json`), `copies` times over: each copy k > 0
gets ids prefixed `Rk-` and times shifted back by k x 7 minutes (the generator would take hours at 100M;
replicas keep its daily and weekly shape). DuckDB does the copying in a child process; the small extracts
and the profile are copied as they are.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from ccdash.data import dataset

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
    if k == 0:
        return f"SELECT *, strftime(created_at, '%Y-%m') AS created_month FROM read_parquet('{src}')"
    sel = []
    for c in cols:
        if c == "complaint_id":
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
    """out_dir with a partitioned complaints dataset (built once: an existing manifest is kept)."""
    root = out_dir / "complaints"
    if (root / "_manifest.json").exists():
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
    for p in (
        files
    ):  # the id sidecars ingest writes (an append then opens only the files that hold its ids)
        np.save(
            dataset._sidecar(p),
            np.sort(dataset.hash_ids(pq.read_table(p, columns=["complaint_id"]).column(0))),
        )
    manifest = {
        "format": "ccdash-dataset/1",
        "table": "complaints",
        "version": 1,
        "partition_column": "created_month",
        "files": [
            {
                "path": p.relative_to(root).as_posix(),
                "rows": pq.ParquetFile(p).metadata.num_rows,
                "partition": p.parent.name,
            }
            for p in files
        ],
        "retired": [],
    }
    (root / "_manifest.json").write_text(json.dumps(manifest, indent=1))
    rows = sum(f["rows"] for f in manifest["files"])
    print(
        f"[bench] {out_dir.name}: {rows:,} rows in {len(files)} files, built in {time.time() - t:.0f} s",
        file=sys.stderr,
    )
    return out_dir


if __name__ == "__main__":
    partitioned(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
