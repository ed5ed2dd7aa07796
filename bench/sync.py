"""Pulling from a database: `python -m bench.sync --out docs/benchmarks-sync.md`.

Starts a real PostgreSQL (Debian's, as the tests do) on loopback, fills a complaints table on the
server (generate_series: nothing passes through Python), then times `python -m ccdash sync --once`
in a child process of its own (wall time and peak resident memory from wait4, so nothing else is
counted):

1. a full pull of --rows rows into an empty store (targets: >= 100,000 rows/s, < 1 GB peak);
2. an incremental pull of --changed changed rows (a status change, a later updated_at) into a store
   of --store-rows rows (target: < 2 s end to end).

Each timed run is a fresh process on a store that no earlier run has read (no warm cache of ours).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.servers import start_postgres  # noqa: E402

SOURCES = """
[[source]]
name = "complaints-db"
kind = "complaints"
type = "postgresql"
connection_env = "BENCH_DSN"
query = "SELECT * FROM complaints"
cursor = "updated_at"
every = "5m"
"""

FILL = """
INSERT INTO complaints
SELECT 'C-' || i,
       timestamp '2026-01-01' + (i % 300) * interval '1 day' + (i % 1440) * interval '1 minute',
       CASE WHEN i % 3 = 0 THEN timestamp '2026-01-02' + (i % 300) * interval '1 day' END,
       CASE WHEN i % 3 = 0 THEN 'resolved' ELSE 'new' END,
       (ARRAY['road_damage','waste','flooding','drainage','street_light'])[1 + i % 5],
       (ARRAY['lapor','whatsapp','instagram','website'])[1 + i % 4],
       (ARRAY['Coblong','Lengkong','Cicendo','Sukajadi','Regol','Antapani'])[1 + i % 6],
       -6.95 + (i % 1000) / 10000.0, 107.55 + (i % 997) / 10000.0,
       timestamptz '2026-11-01 00:00+00' + (i % 86400) * interval '1 second'
FROM generate_series({start}, {stop}) AS i
"""


def timed(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, last line) of a child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    out = proc.stdout.read() if proc.stdout else ""
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out}")
    return elapsed, usage.ru_maxrss / 1024, (out.strip().splitlines() or [""])[-1]


def empty_city(folder: Path) -> Path:
    demo = REPO / "src" / "ccdash" / "shipped" / "demo"
    folder.mkdir(parents=True)
    for name in ("city.toml", "kecamatan.csv", "districts.geojson", "tour.toml"):
        shutil.copy(demo / name, folder / name)
    (folder / "sources.toml").write_text(SOURCES)
    return folder


def fill(url: str, rows: int) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS complaints")
        conn.execute(
            "CREATE TABLE complaints (complaint_id text PRIMARY KEY, created_at timestamp, "
            "closed_at timestamp, status text, category text, channel text, kecamatan text, "
            "lat double precision, lon double precision, updated_at timestamptz NOT NULL)"
        )
        step = 1_000_000
        for start in range(1, rows + 1, step):
            conn.execute(FILL.format(start=start, stop=min(rows, start + step - 1)))
        conn.execute("CREATE INDEX ON complaints (updated_at)")
        conn.execute("ANALYZE complaints")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--store-rows", type=int, default=10_000_000)
    ap.add_argument("--changed", type=int, default=5_000)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ccdash-bench-sync-"))
    server = start_postgres(work / "pg")
    env = {**os.environ, "BENCH_DSN": server.url}
    sync = [sys.executable, "-m", "ccdash", "sync", "--once", "--data-dir"]
    rows_out = []
    try:
        fill(server.url, a.rows)
        city = empty_city(work / "full")
        s, mb, line = timed([*sync, str(city)], env)
        rows_out.append(
            (
                f"full pull, {a.rows:,} rows into an empty store",
                s,
                mb,
                f"{a.rows / s:,.0f} rows/s",
                line,
            )
        )
        shutil.rmtree(city)
        fill(server.url, a.store_rows)
        city = empty_city(work / "incremental")
        s0, _mb0, _ = timed([*sync, str(city)], env)  # the store (untimed setup; its own process)
        import psycopg

        with psycopg.connect(server.url, autocommit=True) as conn:
            conn.execute(
                "UPDATE complaints SET status = 'resolved', closed_at = created_at + interval '2 days', "
                "updated_at = now() WHERE complaint_id IN (SELECT complaint_id FROM complaints "
                f"WHERE status = 'new' ORDER BY complaint_id LIMIT {a.changed})"
            )
        s, mb, line = timed([*sync, str(city)], env)
        rows_out.append(
            (
                f"incremental pull, {a.changed:,} changed rows into a {a.store_rows:,}-row store",
                s,
                mb,
                f"(the store's own full pull: {s0:,.0f} s)",
                line,
            )
        )
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    lines = [
        "# Pulling from PostgreSQL",
        "",
        f"Generated by `python -m bench.sync` on {platform.node()} ({os.cpu_count()} cores), "
        f"{time.strftime('%Y-%m-%d')}. Each run is `python -m ccdash sync --once` in a fresh "
        "process; peak memory from wait4. Targets: a full pull >= 100,000 rows/s under 1 GB; "
        "an incremental pull of 5,000 changed rows into a 10M-row store under 2 s.",
        "",
        "| run | seconds | peak MB | rate | sync's line |",
        "|---|---:|---:|---|---|",
    ]
    for what, s, mb, rate, line in rows_out:
        lines.append(f"| {what} | {s:,.2f} | {mb:,.0f} | {rate} | {line.replace('|', '/')} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        a.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
