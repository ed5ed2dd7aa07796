"""A server start: seconds from opening a data folder to the first answer (the KPI tiles), with and
without the integrity ledger, and with and without the complaint summaries written by an earlier
start (data.summary; without them the stock tiles read every complaint of all time).
`python -m bench.start --data bench/cache/10M-partitioned [--runs 3]`.

Each run is a fresh process (no cache of an earlier run in memory). The operating system's page cache
is dropped before each run when this process may (root, /proc/sys/vm/drop_caches), and the table says
whether it was; when it is not, every run reads warm files and the difference is the verification's
own cost (CPU), not the disk's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import sys, time
t0 = time.perf_counter()
from ccdash.data.store import Store
from ccdash.data.profile import load_profile
from ccdash.metrics import complaints
from ccdash.metrics.filters import Filters
d = sys.argv[1]
p = load_profile(d + "/city.toml")
s = Store(d, p.facts_file, verify_in_background=False)  # reads summaries that are there
newest = complaints.latest_complaint(s)
complaints.kpis(s, Filters(start=newest.date()), newest)
print(time.perf_counter() - t0)
s.close()
"""


def drop_caches() -> bool:
    try:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def one(data: Path, recorded: bool, summaries: bool) -> tuple[float, bool]:
    if not recorded:
        shutil.rmtree(data / "_integrity", ignore_errors=True)
    aside = data / ".summaries-aside"
    if not summaries:
        (data / "_summaries").rename(aside)
    try:
        dropped = drop_caches()
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(data)], check=True, capture_output=True, text=True
        )
    finally:
        if not summaries:
            aside.rename(data / "_summaries")
    return float(out.stdout.strip().splitlines()[-1]), dropped


def write_summaries(data: Path) -> float:
    """Write the summaries once (what a server does in the background on a new version)."""
    from ccdash.data.profile import load_profile
    from ccdash.data.store import Store

    s = Store(data, load_profile(data / "city.toml").facts_file, verify_in_background=False)
    t = time.perf_counter()
    s.build_summaries()
    s.close()
    return time.perf_counter() - t


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, action="append", required=True)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    print(
        "| data | files | start, every file read (s) | start, files on record (s) | "
        "start, on record + summaries (s) | summaries written once (s) | page cache dropped |"
    )
    print("|---|---|---|---|---|---|---|")
    for data in args.data:
        files = len(list(data.rglob("*.parquet")))
        shutil.rmtree(data / "_summaries", ignore_errors=True)
        written = write_summaries(data)
        cold, warm, summed, dropped = [], [], [], []
        for _ in range(args.runs):  # alternate, so no mode always runs on a warmer machine
            for times, recorded, summaries in (
                (cold, False, False),
                (warm, True, False),  # the record the previous run left
                (summed, True, True),
            ):
                t, d = one(data, recorded, summaries)
                times.append(t)
                dropped.append(d)
        print(
            f"| {data.name} | {files} | {statistics.median(cold):.2f} | {statistics.median(warm):.2f} "
            f"| {statistics.median(summed):.2f} | {written:.1f} | {'yes' if all(dropped) else 'no'} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
