"""Hostile files: `python -m bench.hostile --out docs/benchmarks-hostile.md`.

Builds files meant to exhaust memory (compression bombs, a huge value, a JSON document just under
its limit, large legitimate files at the limits) and ingests each with the command line in its own
process, into a fresh copy of a small city. Reports each process's peak resident memory (from
wait4, so nothing else is counted), its exit code, its one line, and whether the stored data is
unchanged after a refusal. The aim: every file peaks under 1 GB.

A process's peak counts what it held before exec (Linux keeps the high-water mark across execve), so
this process stays small: the files and the city are built by children of their own.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_MB = 1024
HEADER = "complaint_id,created_at,status,category,channel,kecamatan,lat,lon,description\n"


def row(i: int, text: str = "Sampah menumpuk di depan pasar") -> str:
    return f"B-{i},2026-11-01 08:00:00,new,waste,lapor,Coblong,-6.8848,107.6154,{text}\n"


def members(head: bytes, block: bytes, times: int) -> bytes:
    """gzip members concatenated: `block` `times` over after `head`, compressed once."""
    return gzip.compress(head) + gzip.compress(block, compresslevel=9) * times


def csv_bomb(path: Path) -> str:
    block = "".join(row(7) for _ in range(10_000)).encode()
    path.write_bytes(members(HEADER.encode(), block, 1_500))
    return "CSV gzip bomb: identical rows, ~1 GB from 4 MB"


def json_bomb(path: Path) -> str:
    record = json.dumps({"complaint_id": "J", "created_at": "2026-11-01 08:00:00"}) + ","
    path.write_bytes(members(b"[", (record * 20_000).encode(), 500))
    return "JSON gzip bomb: ~1 GB of objects"


def huge_value(path: Path) -> str:
    head = (HEADER + row(1) + "B-2,2026-11-01 08:00:00,new,waste,lapor,Coblong,,,").encode()
    path.write_bytes(members(head, b"x" * (1 << 20), 512))
    return "CSV gzip, one 512 MB value"


def json_at_limit(path: Path) -> str:
    records, size, i = [], 0, 0
    while size < 62 << 20:
        r = {"complaint_id": f"D-{i}", "created_at": "2026-11-01 08:00:00", "status": "new"}
        r |= {"category": "waste", "channel": "lapor", "kecamatan": "Coblong"}
        r |= {"description": "Jalan berlubang di depan sekolah dekat pasar " * 2}
        records.append(r)
        size += len(json.dumps(r)) + 2
        i += 1
    path.write_text(json.dumps(records))
    return f"JSON document of {path.stat().st_size >> 20} MB (just under the 64 MB limit)"


def json_lines(path: Path) -> str:
    with open(path, "w") as fh:
        for i in range(1_000_000):
            r = {"complaint_id": f"L-{i}", "created_at": "2026-11-01 08:00:00", "status": "new"}
            r |= {"category": "waste", "channel": "lapor", "kecamatan": "Coblong"}
            fh.write(json.dumps(r) + "\n")
    return f"JSON lines, 1,000,000 objects ({path.stat().st_size >> 20} MB)"


def long_values(path: Path) -> str:
    with open(path, "w") as fh:
        fh.write(HEADER)
        for i in range(40):
            fh.write(row(i, '"' + "kata " * (3 << 20) + '"'))  # 15 MB each, under the limit
    return "CSV, 40 values of 15 MB (under the value limit)"


def parquet_bomb(path: Path) -> str:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(
        pa.table({"complaint_id": ["P-1"], "description": ["x" * (400 << 20)]}),
        path,
        compression="zstd",
        use_dictionary=False,
    )
    return "Parquet, one 400 MB value compressed by zstd"


CASES: list[tuple[str, Callable[[Path], str]]] = [
    ("bomb.csv.gz", csv_bomb),
    ("bomb.json.gz", json_bomb),
    ("value.csv.gz", huge_value),
    ("bomb.parquet", parquet_bomb),
    ("document.json", json_at_limit),
    ("lines.jsonl", json_lines),
    ("long.csv", long_values),
]


def snapshot(d: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(d.rglob("*")):
        if p.is_file() and p.suffix != ".lock":
            h.update(str(p.relative_to(d)).encode() + p.read_bytes())
    return h.hexdigest()


def ingest_peak(src: Path, city: Path) -> tuple[int, float, str, float]:
    """(exit code, peak MB, first line of output, seconds) of one command-line ingest."""
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, "-m", "ccdash", "ingest", "--kind", "complaints", str(src)]
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            [*cmd, "--data-dir", str(city)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = io.TextIOWrapper(out, encoding="utf-8", errors="replace").read()
    first = (text.strip().splitlines() or [""])[0]
    return proc.returncode, usage.ru_maxrss / 1024, first, time.monotonic() - started


def build(name: str, path: Path) -> str:
    """One case's file (or the city, for name "city"), in a child process; what it is."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.hostile", "--build", name, str(path)],
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")])},
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, help="write the table here (Markdown)")
    ap.add_argument("--build", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.build:
        name, path = a.build[0], Path(a.build[1])
        if name == "city":
            from ccdash.data import demo

            demo.generate(path, seed=7, complaints=4000, end="2026-11-20", days=120)
            print("city")
        else:
            print(dict(CASES)[name](path))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = work / "base"
        build("city", base)
        rows = []
        for name, _ in CASES:
            src = work / name
            what = build(name, src)
            city = work / f"city-{name}"
            shutil.copytree(base, city)
            before = snapshot(city)
            code, peak, line, seconds = ingest_peak(src, city)
            kept = "unchanged" if snapshot(city) == before else "stored"
            size = src.stat().st_size / (1 << 20)
            rows.append((what, f"{size:,.1f}", code, f"{peak:,.0f}", f"{seconds:,.1f}", kept, line))
            print(f"{name}: exit {code}, peak {peak:,.0f} MB, {kept}: {line[:100]}", flush=True)
            src.unlink()
            shutil.rmtree(city)
    worst = max(float(r[3].replace(",", "")) for r in rows)
    lines = [
        "# Hostile files: peak memory of one ingest",
        "",
        f"`make bench-hostile` on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d')}. Each file is ingested by the "
        "command line in its own process into a fresh copy of a small city; peak is that "
        "process's maximum resident memory (wait4). Aim: under "
        f"{TARGET_MB:,} MB for every file; worst here {worst:,.0f} MB "
        f"({'met' if worst < TARGET_MB else 'MISSED'}).",
        "",
        "| file | size on disk (MB) | exit | peak (MB) | seconds | stored data | what ingest said |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for what, size, code, peak, seconds, kept, line in rows:
        said = line.replace("|", "\\|")[:160]
        lines.append(f"| {what} | {size} | {code} | {peak} | {seconds} | {kept} | {said} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if a.out:
        a.out.write_text(table)
    return 0 if worst < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
