"""One benchmark measurement in its own process (so peak RSS is its own): pages, queries, ingest."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
PAGES = ["overview", "complaints", "cctv", "wifi", "coverage", "data"]
KECAMATAN = [
    "Coblong",
    "Regol",
    "Gedebage",
    "Andir",
    "Cicendo",
    "Lengkong",
    "Sukajadi",
    "Antapani",
    "Buahbatu",
    "Cibiru",
    "Kiaracondong",
    "Rancasari",
    "Sukasari",
    "Batununggal",
    "Astanaanyar",
]


def element_bytes(node) -> int:
    """Serialized size of every element the run produced: what goes to the browser."""
    total = 0
    proto = getattr(node, "proto", None)
    children = getattr(node, "children", None)
    if children:
        for ch in children.values():
            total += element_bytes(ch)
    elif proto is not None and hasattr(proto, "SerializeToString"):
        total += len(proto.SerializeToString())
    return total


def peak_rss_mb() -> float:
    """This process's own high-water RSS (VmHWM). Not getrusage's ru_maxrss: Linux carries the
    parent's peak across fork and exec into it."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def hwm_mb(pid: int) -> float:
    """Another process's high-water RSS (VmHWM; its own since its exec), 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


BACKGROUND = {"writer": "ccdash.data.summary_writer", "verifier": "ccdash.data.verifier"}


def children() -> dict[int, str]:
    """This process's children that a store starts, by kind (BACKGROUND): pid -> kind."""
    me, found = os.getpid(), {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            if ppid != me:
                continue
            with open(f"/proc/{entry.name}/cmdline", "rb") as cmdline:
                args = cmdline.read().decode(errors="replace").split("\0")
        except (OSError, ValueError, IndexError):
            continue
        for kind, module in BACKGROUND.items():
            if module in args:
                found[int(entry.name)] = kind
    return found


@contextlib.contextmanager
def watch_background():
    """The peak RSS of each kind of process a store starts beside the pages (the summaries' writer,
    the integrity re-read), read ten times a second: {"writer": MB, "verifier": MB}, 0 if none ran."""
    peak = dict.fromkeys(BACKGROUND, 0.0)
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            for pid, kind in children().items():
                peak[kind] = max(peak[kind], hwm_mb(pid))
            done.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        yield peak
    finally:
        done.set()
        watcher.join()


def pct(values, q):
    return float(np.percentile(values, q)) if values else None


def filter_state(i: int) -> list[str]:
    """The i-th timed run's districts: one, then pairs; never a state an earlier run (or the untimed first
    render, which has no filter) used."""
    n = len(KECAMATAN)
    if i < n:
        return [KECAMATAN[i]]
    j = i - n
    return [KECAMATAN[j % n], KECAMATAN[(j % n + 1 + j // n) % n]]


def _count_queries() -> dict:
    """Count named-query requests (state.run) and executions (Query.__call__): the difference is cache hits.
    Patched before the app imports state.run by name."""
    from ccdash.app import state
    from ccdash.metrics import registry

    counts = {"requests": 0, "executions": 0}
    call, run = registry.Query.__call__, state.run

    def counted_call(self, store, *a, **k):
        counts["executions"] += 1
        return call(self, store, *a, **k)

    def counted_run(query, *a, **k):
        counts["requests"] += 1
        return run(query, *a, **k)

    registry.Query.__call__ = counted_call
    state.run = counted_run
    return counts


WRITTEN: dict[str, float] = {}


def run_pages(
    variant: str, data: Path, runs: int, pages: list[str], since: str | None = None
) -> dict:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    counts = _count_queries() if variant == "ccdash" else {"requests": 0, "executions": 0}
    out = {}
    if variant == "ccdash":  # what the server writes in the background on a new version of the data
        from ccdash.data.profile import load_profile
        from ccdash.data.store import Store

        store = Store(data, load_profile(data / "city.toml").facts_file)
        t = time.perf_counter()
        # As a server writes them: in a process of its own (its peak watched by main).
        store.build_summaries(apart=True)  # a no-op when this version's are written
        WRITTEN["summaries_s"] = time.perf_counter() - t
        store.close()
    at = None
    for page in pages:
        # Each page starts cold, as on a new server: no cached result, and a new store. The last
        # page's store (released by the cache: its background work stopped) is freed now, not when
        # the collector next finds the cycles around its session: a server holds one store, and six
        # stores' DuckDB memory held at once took the all-time pages at 100M from 1.0 GB to 2.0 GB.
        st.cache_data.clear()
        st.cache_resource.clear()
        del at
        gc.collect()
        if variant == "ccdash":
            os.environ["CCDASH_DATA_DIR"] = str(data)
            at = AppTest.from_file(
                str(REPO / "src" / "ccdash" / "dashboard.py"), default_timeout=600
            )
            # The whole page, as the baselines draw it: every section below the fold too (in a
            # browser each is drawn when scrolled to, as a fragment of its own).
            from ccdash.app.lazy import EVERYTHING

            at.session_state[EVERYTHING] = True
            if (
                since
            ):  # a link's date before the data: the page clamps it to the first day (all time)
                at.query_params["from"] = since
        else:
            os.environ["BASELINE_CSV"] = str(data / "complaints.csv")
            os.environ["BASELINE_PARQUET"] = str(data / "complaints.parquet")
            os.environ["BASELINE_PAGE"] = page
            at = AppTest.from_file(str(REPO / "bench" / f"{variant}_app.py"), default_timeout=600)
        t = time.perf_counter()
        at.run()
        if variant == "ccdash" and page != "overview":
            at.switch_page(f"app_pages/{page}.py")
            at.run()
        first = time.perf_counter() - t
        if at.exception:
            raise RuntimeError(f"{variant} {page}: {at.exception[0].value}")
        times, sizes = [], []
        before = dict(counts)
        for i in range(runs):
            t = time.perf_counter()
            at.multiselect(key="f_kecamatan").set_value(filter_state(i)).run()
            times.append(time.perf_counter() - t)
            sizes.append(element_bytes(at._tree))
            if at.exception:
                raise RuntimeError(f"{variant} {page}: {at.exception[0].value}")
        requests = counts["requests"] - before["requests"]
        hits = requests - (counts["executions"] - before["executions"])
        out[page] = {
            "first_s": first,
            "p50_s": pct(times, 50),
            "p95_s": pct(times, 95),
            "bytes_max": max(sizes),
            "bytes_p50": pct(sizes, 50),
            "query_requests": requests,
            "cache_hits": hits,
        }
    return out


def run_queries(data: Path, runs: int, spark_url: str | None = None) -> dict:
    from ccdash.data.clock import reference_now
    from ccdash.data.profile import load_profile
    from ccdash.data.store import Store
    from ccdash.metrics import cctv
    from ccdash.metrics import complaints as q
    from ccdash.metrics.filters import Filters

    profile = load_profile(data / "city.toml")
    if spark_url:  # the same calls on the Spark cluster (through Spark Connect)
        from ccdash.data.spark_store import SparkStore

        store = SparkStore(data, profile.facts_file, url=spark_url)
    else:
        store = Store(data, profile.facts_file)
    at = reference_now(profile, q.latest_complaint(store))
    lo = (at - timedelta(days=89)).date()
    calls = {
        "complaint_kpis": lambda f: q.kpis(store, f, at),
        "daily_trend": lambda f: q.daily_trend(store, f, at),
        "count_by(category)": lambda f: q.count_by(store, f, "category", at),
        "by_kecamatan": lambda f: q.by_kecamatan(store, f, at),
        "category_by_kecamatan": lambda f: q.category_by_kecamatan(store, f, at),
        "agency_scorecard": lambda f: q.agency_scorecard(store, f, at),
        "hex_density(r8)": lambda f: q.hex_density(store, f, at, 8),
        "complaint_rows(1000)": lambda f: q.complaint_rows(store, f, at, 1000),
        "complaints_in_camera_view": lambda f: cctv.complaints_in_view(store, f, at),
        "complaint_cells(r9)": lambda f: q.complaint_cells(store, f, at, 9),
        "filter_options": lambda f: q.filter_options(store),
    }
    out = {}
    for name, fn in calls.items():
        times = []
        for i in range(runs):
            f = Filters(start=lo, end=at.date(), kecamatan=tuple(filter_state(i)))
            t = time.perf_counter()
            fn(f)
            times.append(time.perf_counter() - t)
        out[name] = {"p50_s": pct(times, 50), "p95_s": pct(times, 95)}
    return out


def _messy(src, rng):
    """The same rows as a real export might carry them: US 12-hour dates, blank cells, Latin-1 text."""
    import pandas as pd

    out = src.copy()
    for c in ("created_at", "closed_at", "due_at"):
        out[c] = pd.to_datetime(out[c]).dt.strftime("%m/%d/%Y %I:%M:%S %p")
    n = len(out)
    out.loc[rng.random(n) < 0.05, "kecamatan"] = ""  # found again by point-in-polygon
    out.loc[rng.random(n) < 0.30, "agency"] = ""  # from the profile's category table
    out.loc[rng.random(n) < 0.30, "due_at"] = ""  # from the category's SLA
    out.loc[rng.random(n) < 0.10, "description"] = ""
    out["description"] = out["description"].str.replace("Jalan", "Jalán", regex=False)
    return out


def run_ingest(data: Path, rows: int) -> dict:
    import pandas as pd

    from ccdash.data.ingest import Mapping, ingest
    from ccdash.data.profile import load_profile

    src = pd.read_parquet(data / "complaints.parquet").head(rows)
    src = src.drop(columns=[c for c in src.columns if c.startswith("h3_")])
    profile = load_profile(data / "city.toml")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        clean, messy = Path(tmp) / "complaints.csv", Path(tmp) / "messy.csv"
        src.to_csv(clean, index=False)
        _messy(src, np.random.default_rng(1)).to_csv(messy, index=False, encoding="cp1252")
        mapping_file = Path(tmp) / "us.toml"
        mapping_file.write_text('[dates]\nformat = "%m/%d/%Y %I:%M:%S %p"\n')
        times = []
        for _ in range(
            2
        ):  # the first run in a process pays for growing its heap; the second reuses it
            t = time.perf_counter()
            report = ingest(clean, "complaints", Path(tmp) / "store", profile, replace=True)
            times.append(time.perf_counter() - t)
        out = {
            "rows": report.accepted,
            "seconds": times[0],
            "rows_per_s": report.accepted / times[0],
            "rows_per_s_again": report.accepted / times[1],
        }
        t = time.perf_counter()
        report = ingest(
            messy,
            "complaints",
            Path(tmp) / "store2",
            profile,
            Mapping.load(mapping_file),
            replace=True,
        )
        out |= {
            "messy_rows": report.accepted,
            "messy_rejected": report.rejected,
            "messy_rows_per_s": report.rows_read / (time.perf_counter() - t),
        }
    return out


def run_ingest_file(data: Path, file: Path, variant: str) -> dict:
    """One large CSV, ingested whole by ccdash (into an empty store), or only read by pandas: what a
    whole-file reader costs in memory before it has checked a row."""
    import pandas as pd

    if variant == "pandas":
        t = time.perf_counter()
        n = len(pd.read_csv(file, dtype=str, keep_default_na=False))
        return {"rows": n, "seconds": time.perf_counter() - t}
    from ccdash.data.ingest import ingest
    from ccdash.data.profile import load_profile

    profile = load_profile(data / "city.toml")
    with tempfile.TemporaryDirectory(dir=REPO / "bench" / "cache") as tmp:
        t = time.perf_counter()
        report = ingest(file, "complaints", Path(tmp), profile, replace=True)
        seconds = time.perf_counter() - t
    return {"rows": report.rows_read, "accepted": report.accepted, "seconds": seconds}


def _day_extract(data: Path, out: Path, i: int, rows: int, updates: int) -> None:
    """A day's export: `rows` complaints, of which `updates` repeat stored ids (open ones, now resolved) and the
    rest are new, dated the day after the newest stored complaint."""
    import pandas as pd
    import pyarrow.parquet as pq

    from ccdash.data import dataset

    parts = []
    for f in sorted(dataset.files(data / "complaints"), key=lambda f: f.parent.name, reverse=True):
        parts.append(pq.read_table(f).to_pandas())  # the newest months
        if sum(map(len, parts)) >= 2 * rows:
            break
    src = pd.concat(parts, ignore_index=True)
    src = src.drop(columns=[c for c in src.columns if c.startswith("h3_")])
    rng = np.random.default_rng(i)
    picked = src.iloc[rng.choice(len(src), rows, replace=False)].reset_index(drop=True)
    day = src.created_at.max().normalize() + pd.Timedelta(days=1)
    new = picked.iloc[updates:].copy()
    new["complaint_id"] = [f"DAY{i}-{k}" for k in range(len(new))]
    shift = day - new.created_at.dt.normalize()
    for c in ("created_at", "due_at", "closed_at"):
        new[c] = new[c] + shift
    upd = picked.iloc[:updates].copy()
    upd["status"], upd["closed_at"] = "resolved", upd.created_at + pd.Timedelta(hours=30)
    pd.concat([upd, new]).to_csv(out, index=False)


def run_append(data: Path, runs: int, rows: int = 5000, updates: int = 500) -> dict:
    """A day's extract appended to a partitioned dataset, each run on its own hard-linked copy (files are
    never changed in place, so a copy is the same dataset); beside it, what the former ingest did on every
    append: copy every stored row into a new file."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq

    from ccdash.data import dataset
    from ccdash.data.files import ROW_GROUP, ParquetAppender
    from ccdash.data.ingest import ingest
    from ccdash.data.profile import load_profile

    profile = load_profile(data / "city.toml")
    stored = dataset.rows(data / "complaints")
    times, reports = [], []
    with tempfile.TemporaryDirectory(dir=REPO / "bench" / "cache") as tmp:
        for i in range(runs):
            copy = Path(tmp) / f"run{i}"
            subprocess.run(["cp", "-al", str(data), str(copy)], check=True)
            src = Path(tmp) / f"day{i}.csv"
            _day_extract(data, src, i, rows, updates)
            t = time.perf_counter()
            report = ingest(src, "complaints", copy, profile)
            times.append(time.perf_counter() - t)
            reports.append(report)
            shutil.rmtree(copy)
        single = Path(tmp) / "complaints.parquet"
        t = time.perf_counter()
        out = ParquetAppender(single, "complaints", profile.timezone)
        for f in dataset.files(data / "complaints"):
            for batch in pq.ParquetFile(f).iter_batches(batch_size=ROW_GROUP):
                out.write(pa.Table.from_batches([batch]).select(out.schema.names))
        out.commit()
        rewrite = time.perf_counter() - t
    return {
        "stored": stored,
        "rows": rows,
        "replaced": reports[0].replaced,
        "times": times,
        "first_s": times[0],
        "p50_s": pct(times[1:] or times, 50),
        "max_s": max(times),
        "rewrite_s": rewrite,
    }


def run_coverage(data: Path, runs: int) -> dict:
    """Whole-city wifi coverage and the N=20 planner, cold (no cache)."""
    from ccdash.analysis import coverage as cv
    from ccdash.analysis import planner
    from ccdash.data.profile import load_profile
    from ccdash.data.reference import facts_of, shapes_of
    from ccdash.data.store import Store
    from ccdash.metrics import wifi

    profile = load_profile(data / "city.toml")
    store = Store(data, profile.facts_file)
    res = profile.coverage["res"]
    grid_t, cover_t, plan_t = [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        g = cv.city_grid(shapes_of(profile), facts_of(profile), res)
        grid_t.append(time.perf_counter() - t)
        pts = wifi.points(store)
        pts = pts[pts.status == "active"]
        t = time.perf_counter()
        covered = cv.covered_mask(g, pts.lat, pts.lon, pts.coverage_radius_m)
        cover_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        planner.plan(g, covered, 20, profile.coverage["new_point_radius_m"])
        plan_t.append(time.perf_counter() - t)
    return {
        "cells": len(g.cells),
        "res": res,
        "grid_p50_s": pct(grid_t, 50),
        "cover_p50_s": pct(cover_t, 50),
        "coverage_p95_s": pct([a + b for a, b in zip(grid_t, cover_t)], 95),
        "plan20_p95_s": pct(plan_t, 95),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--variant", choices=["ccdash", "baseline", "competent", "pandas"], required=True
    )
    ap.add_argument(
        "--what",
        choices=["pages", "queries", "ingest", "ingest-file", "coverage", "append"],
        required=True,
    )
    ap.add_argument(
        "--spark-url",
        help="--what queries: run them on this Spark Connect server instead of DuckDB",
    )
    ap.add_argument(
        "--since", help="--what pages: a 'from' date in the URL (before the data: all time)"
    )
    ap.add_argument("--file", type=Path, help="--what ingest-file: the CSV to ingest")
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--ingest-rows", type=int, default=1_000_000)
    a = ap.parse_args()
    if a.what == "pages":
        with watch_background() as background:
            result = run_pages(a.variant, a.data, a.runs, a.pages.split(","), a.since)
        WRITTEN.update({f"{k}_peak_rss_mb": mb for k, mb in background.items() if mb})
    elif a.what == "queries":
        result = run_queries(a.data, a.runs, a.spark_url)
    elif a.what == "append":
        result = run_append(a.data, a.runs)
    elif a.what == "coverage":
        result = run_coverage(a.data, a.runs)
    elif a.what == "ingest-file":
        result = run_ingest_file(a.data, a.file, a.variant)
    else:
        result = run_ingest(a.data, a.ingest_rows)
    result = {"result": result, "peak_rss_mb": peak_rss_mb(), **WRITTEN}
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
