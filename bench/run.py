"""Benchmark: `python -m bench.run --scales 100k,1M,10M --out docs/benchmarks.md [--quick]`.

Generates complaint datasets (cached in bench/cache, not committed), then measures in separate
processes: server-side render time per page (AppTest, changing filters, p50/p95), bytes sent per
render, peak RSS, named-query latency, ingest throughput, and the same pages in a naive Streamlit
baseline (bench/baseline_app.py). Prints a table and writes it to --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CACHE = REPO / "bench" / "cache"
SCALES = {"100k": 100_000, "1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}
REPLICAS = {
    "100M": 10
}  # built from the 10M dataset by bench.scale (ten shifted copies), partitioned
BASELINE_PAGES = ["overview", "complaints"]
BASELINES = {"baseline": "naive", "competent": "competent"}
TARGET_P95 = {"1M": 1.0, "10M": 3.0, "100M": 2.0}
TARGET_RATIO = 5.0
TARGET_BYTES = 2 * 1024 * 1024
TARGET_RSS_MB_10M = 1536
TARGET_RSS_MB_100M = 2048
TARGET_APPEND_S = 1.0  # a day's extract (5,000 rows) into 10M stored rows
TARGET_INGEST = 300_000
TARGET_BIG_INGEST_MB = 1024  # peak memory to ingest a large file, whatever its size


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def dataset(scale: str, need_csv: bool) -> Path:
    if scale in REPLICAS:
        from bench.scale import partitioned

        return partitioned(dataset("10M", False), CACHE / scale, REPLICAS[scale])
    d = CACHE / scale
    if not (d / "complaints.parquet").exists():
        log(f"generating {scale} complaints into {d}")
        # In a child process, so the runner stays small (its children inherit nothing heavy).
        subprocess.run(
            [
                sys.executable,
                "-m",
                "ccdash.data.demo",
                "--seed",
                "42",
                "--complaints",
                str(SCALES[scale]),
                "--out",
                str(d),
                "--parquet-only",
            ],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )
    if need_csv and not (d / "complaints.csv").exists():
        log(f"writing the baseline's CSV for {scale}")
        copy = (
            f"COPY (SELECT * EXCLUDE (h3_r7, h3_r8, h3_r9) FROM read_parquet('{d / 'complaints.parquet'}')) "
            f"TO '{d / 'complaints.csv'}' (HEADER)"
        )
        subprocess.run(
            [sys.executable, "-c", "import duckdb, sys; duckdb.execute(sys.argv[1])", copy],
            check=True,
        )
    return d


def big_csv(rows: int) -> Path:
    """The first `rows` complaints of the 10M dataset as one CSV (about 1.3 GB at 5M rows), written by
    DuckDB in a child process."""
    src = dataset("10M", False) / "complaints.parquet"
    out = CACHE / f"ingest-{rows}.csv"
    if not out.exists():
        log(f"writing a {rows:,}-row CSV for the large-file ingest")
        copy = (
            f"COPY (SELECT * EXCLUDE (h3_r7, h3_r8, h3_r9) FROM read_parquet('{src}') LIMIT {rows}) "
            f"TO '{out}' (HEADER)"
        )
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import duckdb, sys; duckdb.execute('SET enable_progress_bar = false'); "
                "duckdb.execute(sys.argv[1])",
                copy,
            ],
            check=True,
        )
    return out


def worker(*args: str, timeout: int = 3600) -> dict:
    cmd = [sys.executable, "-m", "bench.worker", *args]
    log(" ".join(args))
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    r = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=timeout, env=env)
    if r.returncode != 0:
        raise RuntimeError(f"worker failed: {' '.join(args)}\n{r.stderr[-3000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def spark_beside_duckdb(single: Path, runs: int) -> dict:
    """The query table's calls at 10M, partitioned, on DuckDB and on the local standalone cluster."""
    from bench.scale import partitioned

    data = partitioned(single, CACHE / "10M-partitioned", 1)
    cluster = [str(REPO / "deploy" / "spark" / "cluster.sh")]
    subprocess.run(
        [*cluster, "start", sys.executable], check=True, cwd=REPO, stdout=subprocess.DEVNULL
    )
    try:
        return {
            "duckdb": worker(
                "--variant", "ccdash", "--what", "queries", "--data", str(data), "--runs", str(runs)
            ),
            "spark": worker(
                "--variant",
                "ccdash",
                "--what",
                "queries",
                "--data",
                str(data),
                "--runs",
                str(runs),
                "--spark-url",
                "sc://127.0.0.1:15002",
            ),
        }
    finally:
        subprocess.run([*cluster, "stop", sys.executable], cwd=REPO, stdout=subprocess.DEVNULL)


def mark(ok: bool | None) -> str:
    return "" if ok is None else ("ok" if ok else "**missed**")


def fmt_s(x) -> str:
    return "–" if x is None else (f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run")
    ap.add_argument("--scales", default="100k,1M,10M")
    ap.add_argument(
        "--baseline-scales", default="100k,1M", help="the naive baseline gets slow past 1M"
    )
    ap.add_argument("--competent-scales", default="1M,10M", help="the fair pandas baseline")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument(
        "--big-ingest-rows", type=int, default=5_000_000, help="0: skip the large-file ingest"
    )
    ap.add_argument(
        "--append-runs", type=int, default=5, help="a day's extract into 10M rows; 0: skip"
    )
    ap.add_argument(
        "--spark",
        action="store_true",
        help="the named queries on a local Spark cluster beside DuckDB "
        "(10M; needs Java and requirements-spark-test.txt)",
    )
    ap.add_argument("--quick", action="store_true", help="fewer runs, fewer pages")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    a = ap.parse_args(argv)
    scales = a.scales.split(",")
    base_scales = set(a.baseline_scales.split(","))
    competent_scales = set(a.competent_scales.split(",")) & set(scales)
    runs = 4 if a.quick else a.runs
    started = time.time()
    results = {}
    for scale in scales:
        d = dataset(scale, scale in base_scales)
        r = {
            "pages": worker(
                "--variant", "ccdash", "--what", "pages", "--data", str(d), "--runs", str(runs)
            ),
            "queries": worker(
                "--variant", "ccdash", "--what", "queries", "--data", str(d), "--runs", str(runs)
            ),
        }
        if scale in REPLICAS:  # the same pages over the whole two years
            r["all_time"] = worker(
                "--variant",
                "ccdash",
                "--what",
                "pages",
                "--data",
                str(d),
                "--runs",
                str(max(3, runs // 2)),
                "--since",
                "2000-01-01",
            )
        else:
            r["ingest"] = worker(
                "--variant",
                "ccdash",
                "--what",
                "ingest",
                "--data",
                str(d),
                "--ingest-rows",
                str(min(SCALES[scale], 1_000_000)),
            )
        if scale in base_scales:
            r["baseline"] = worker(
                "--variant",
                "baseline",
                "--what",
                "pages",
                "--data",
                str(d),
                "--runs",
                str(runs),
                "--pages",
                ",".join(BASELINE_PAGES),
            )
        if scale in competent_scales:
            r["competent"] = worker(
                "--variant",
                "competent",
                "--what",
                "pages",
                "--data",
                str(d),
                "--runs",
                str(runs),
                "--pages",
                ",".join(BASELINE_PAGES),
            )
        results[scale] = r
    big = None
    if a.big_ingest_rows:
        f = big_csv(a.big_ingest_rows)
        big = {
            "file_mb": f.stat().st_size / 2**20,
            "ccdash": worker(
                "--variant",
                "ccdash",
                "--what",
                "ingest-file",
                "--data",
                str(CACHE / "10M"),
                "--file",
                str(f),
            ),
            "pandas": worker(
                "--variant",
                "pandas",
                "--what",
                "ingest-file",
                "--data",
                str(CACHE / "10M"),
                "--file",
                str(f),
            ),
        }
    append = None
    if a.append_runs:
        from bench.scale import partitioned

        append = worker(
            "--variant",
            "ccdash",
            "--what",
            "append",
            "--runs",
            str(a.append_runs),
            "--data",
            str(partitioned(dataset("10M", False), CACHE / "10M-partitioned", 1)),
        )
    spark = None
    if a.spark:
        spark = spark_beside_duckdb(dataset("10M", False), runs)
    coverage = worker(
        "--variant",
        "ccdash",
        "--what",
        "coverage",
        "--data",
        str(CACHE / scales[0]),
        "--runs",
        str(runs),
    )

    lines = [
        "# Benchmarks",
        "",
        f"Measured {date.today():%Y-%m-%d} on this machine ({os.cpu_count()} cores, {platform.machine()}, "
        f"Python {platform.python_version()}) by `python -m bench.run --scales {a.scales}"
        f"{' --quick' if a.quick else ''}` in {time.time() - started:.0f} s. Synthetic Bandung complaints "
        "(`ccdash.data.demo`, seed 42, two years) at each scale; CCTV and wifi stay at city size.",
        "",
        "Render time is the server-side run of the whole page (app frame included) in Streamlit's AppTest, "
        f"over {runs} runs that each select districts no earlier run selected (the untimed first render has no "
        "filter), so no filter-dependent query can come from the cache; the *cache hits* column counts the "
        "named-query calls that did (the filter-independent ones: the filter options, the newest complaint, "
        "per-10k tables), out of all calls in the timed runs. Bytes are the serialized elements of one render "
        "(what goes to the browser); peak RSS is the measuring process's.",
        "",
        "Two baselines render the same Overview and Complaints:",
        "",
        "- *naive* (`bench/baseline_app.py`): the usual Streamlit dashboard, the CSV read into pandas under "
        "`st.cache_data` (a copy per rerun), boolean masks, pandas group-bys, raw points to pydeck;",
        "- *competent* (`bench/competent_app.py`): what a careful pandas user writes: Parquet read once into a "
        "shared frame (`st.cache_resource`), category dtypes, the map pre-aggregated to H3, the same metric "
        "definitions. It does less than ccdash's pages: no agency/channel/status filters, no clickable charts, "
        "choropleth, layers or language switch, no staleness, and no result cache.",
        "",
        "A baseline's one-off data load is its *first render* column, outside its p50/p95. The ratio is "
        "baseline p95 / ccdash p95: **below 1 means ccdash is slower**.",
        "",
        "## Pages",
        "",
        "| scale | page | first render | p50 | p95 | cache hits | bytes/render | naive p95 (ratio) | "
        "competent p95 (ratio) | targets |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scale, r in results.items():
        for page, m in r["pages"]["result"].items():
            cmp = {}
            for variant in BASELINES:
                b = r.get(variant, {}).get("result", {}).get(page)
                cmp[variant] = (b, b["p95_s"] / m["p95_s"] if b else None)
            checks = []
            if scale in TARGET_P95:
                checks.append(
                    f"p95 ≤ {TARGET_P95[scale]:g} s {mark(m['p95_s'] <= TARGET_P95[scale])}"
                )
            naive_ratio = cmp["baseline"][1]
            if naive_ratio is not None and scale == "1M":
                checks.append(f"≥ {TARGET_RATIO:g}x naive {mark(naive_ratio >= TARGET_RATIO)}")
            checks.append(f"≤ 2 MB {mark(m['bytes_max'] <= TARGET_BYTES)}")
            shown = [
                f"{fmt_s(b['p95_s'])} ({ratio:.2f}x)" if b else "–" for b, ratio in cmp.values()
            ]
            lines.append(
                f"| {scale} | {page} | {fmt_s(m['first_s'])} | {fmt_s(m['p50_s'])} | {fmt_s(m['p95_s'])} | "
                f"{m.get('cache_hits', 0)} of {m.get('query_requests', 0)} | {m['bytes_max'] / 1024:,.0f} KB | "
                f"{shown[0]} | {shown[1]} | {'; '.join(checks)} |"
            )
        if "summaries_s" in r["pages"]:
            lines.append(
                f"| {scale} | (complaint summaries written before the timed runs) | "
                f"{fmt_s(r['pages']['summaries_s'])} | | | | | | | (reported) |"
            )
        for page, m in r.get("all_time", {}).get("result", {}).items():
            lines.append(
                f"| {scale} all time | {page} | {fmt_s(m['first_s'])} | {fmt_s(m['p50_s'])} | "
                f"{fmt_s(m['p95_s'])} | {m.get('cache_hits', 0)} of {m.get('query_requests', 0)} | "
                f"{m['bytes_max'] / 1024:,.0f} KB | | | (reported) |"
            )
        for variant, name in BASELINES.items():
            for page, b in r.get(variant, {}).get("result", {}).items():
                lines.append(
                    f"| {scale} | {name} {page} | {fmt_s(b['first_s'])} | {fmt_s(b['p50_s'])} | "
                    f"{fmt_s(b['p95_s'])} | – | {b['bytes_max'] / 1024:,.0f} KB | | | |"
                )
    lines += [
        "",
        "## Memory and ingest",
        "",
        "Ingest reads a CSV of the scale's complaints (at most 1M rows): *clean* is ISO dates in UTF-8; "
        "*messy* is the same rows as US 12-hour dates (`%m/%d/%Y %I:%M:%S %p`, declared in a mapping), "
        "Latin-1 text, and blank districts, agencies, due dates and descriptions that ingest derives.",
        "",
        "| scale | ccdash pages peak RSS | summaries writer peak RSS (its own process) | "
        "integrity re-read peak RSS (its own process) | naive peak RSS | "
        "competent peak RSS | ingest rows | clean rows/s (first run in a process) | clean, again | "
        "messy rows/s | targets |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for scale, r in results.items():
        rss = max(r["pages"]["peak_rss_mb"], r.get("all_time", {}).get("peak_rss_mb", 0))
        other = [r.get(v, {}).get("peak_rss_mb") for v in BASELINES]
        ing = r.get("ingest", {}).get("result")
        checks = [f"ingest ≥ 300k/s {mark(ing['rows_per_s'] >= TARGET_INGEST)}"] if ing else []
        if scale == "10M":
            checks.insert(0, f"RSS ≤ 1.5 GB {mark(rss <= TARGET_RSS_MB_10M)}")
        if scale == "100M":
            checks.insert(0, f"RSS ≤ 2 GB {mark(rss <= TARGET_RSS_MB_100M)}")
        cells = (
            (
                f"{ing['rows']:,} | {ing['rows_per_s']:,.0f} | {ing['rows_per_s_again']:,.0f} | "
                f"{ing['messy_rows_per_s']:,.0f}"
            )
            if ing
            else "– | – | – | –"
        )
        apart = [
            max(r["pages"].get(k, 0), r.get("all_time", {}).get(k, 0))
            for k in ("writer_peak_rss_mb", "verifier_peak_rss_mb")
        ]
        lines.append(
            f"| {scale} | {rss:,.0f} MB | "
            + " | ".join(f"{x:,.0f} MB" if x else "–" for x in apart)
            + " | "
            + " | ".join(f"{x:,.0f} MB" if x else "–" for x in other)
            + f" | {cells} | {'; '.join(checks)} |"
        )
    if big:
        c, p = big["ccdash"], big["pandas"]
        ok = c["peak_rss_mb"] <= TARGET_BIG_INGEST_MB
        lines += [
            "",
            f"A large file: {c['result']['rows']:,} rows of clean CSV ({big['file_mb']:,.0f} MB), ingested into "
            "an empty store. ccdash reads, checks and writes it a batch of rows at a time; for comparison, "
            "`pandas.read_csv(dtype=str)` of the same file, which only reads it whole and checks nothing.",
            "",
            "| what | time | rows/s | peak RSS | peak / file size | target |",
            "|---|---|---|---|---|---|",
            f"| ccdash ingest | {fmt_s(c['result']['seconds'])} | {c['result']['rows'] / c['result']['seconds']:,.0f} | "
            f"{c['peak_rss_mb']:,.0f} MB | {c['peak_rss_mb'] / big['file_mb']:.2f}x | "
            f"≤ {TARGET_BIG_INGEST_MB:,} MB {mark(ok)} |",
            f"| pandas.read_csv only | {fmt_s(p['result']['seconds'])} | "
            f"{p['result']['rows'] / p['result']['seconds']:,.0f} | {p['peak_rss_mb']:,.0f} MB | "
            f"{p['peak_rss_mb'] / big['file_mb']:.2f}x | |",
        ]
    if append:
        m = append["result"]
        lines += [
            "",
            f"## Appending a day's extract to {m['stored']:,} stored rows",
            "",
            f"A CSV of {m['rows']:,} complaints, {m['replaced']:,} of them with ids already stored (open "
            "complaints now resolved: they replace the stored rows) and the rest new, appended to the 10M "
            "dataset partitioned by month (`bench.scale`), each run on its own hard-linked copy and a "
            "different extract. The run includes reading, checking, H3 cells, the new month's file, "
            "rewriting the files that held the replaced ids (each read with its page checksums verified), and the Delta commit. Beside it, what the former "
            "single-file store did on every append: copy every stored row into a new file.",
            "",
            "| what | first run in a process | p50 of the others | slowest | peak RSS | target |",
            "|---|---|---|---|---|---|",
            f"| append {m['rows']:,} rows (dataset) | {fmt_s(m['first_s'])} | {fmt_s(m['p50_s'])} | "
            f"{fmt_s(m['max_s'])} | {append['peak_rss_mb']:,.0f} MB | ≤ {TARGET_APPEND_S:g} s "
            f"{mark(m['max_s'] <= TARGET_APPEND_S)} |",
            f"| copy every stored row (the former append) | {fmt_s(m['rewrite_s'])} | | | | |",
        ]
    if spark:
        d, k = spark["duckdb"]["result"], spark["spark"]["result"]
        lines += [
            "",
            "## The same named queries on Spark (10M, partitioned, 90-day window)",
            "",
            "The local standalone cluster of `make test-spark` (one master, two workers of one core and 1 GB "
            "each, a Spark Connect server; `deploy/spark/cluster.sh`) on this 2-core machine, beside embedded "
            "DuckDB in one process, over the same files. The results are the same (tests/spark); the times "
            "are not: on one box Spark pays for planning, scheduling and a gRPC round trip on every query: "
            f"**slower on {sum(k[n]['p50_s'] > d[n]['p50_s'] for n in d)} of {len(d)} queries here**. It "
            "earns its place when the data or the number of command centers outgrows one machine.",
            "",
            "| query | DuckDB p50 | DuckDB p95 | Spark p50 | Spark p95 | Spark / DuckDB (p50) |",
            "|---|---|---|---|---|---|",
        ]
        for n in d:
            lines.append(
                f"| {n} | {fmt_s(d[n]['p50_s'])} | {fmt_s(d[n]['p95_s'])} | {fmt_s(k[n]['p50_s'])} | "
                f"{fmt_s(k[n]['p95_s'])} | {k[n]['p50_s'] / d[n]['p50_s']:.1f}x |"
            )
        lines.append(
            f"\nPeak RSS of the measuring process: DuckDB {spark['duckdb']['peak_rss_mb']:,.0f} MB; "
            f"Spark client {spark['spark']['peak_rss_mb']:,.0f} MB (the cluster's JVMs not counted)."
        )
    c = coverage["result"]
    lines += [
        "",
        "## Wifi coverage explorer (city-sized: wifi points do not grow with complaints)",
        "",
        "| what | time | target |",
        "|---|---|---|",
        f"| whole-city coverage, H3 resolution {c['res']} ({c['cells']:,} cells), uncached, p95 | "
        f"{fmt_s(c['coverage_p95_s'])} | ≤ 2 s {mark(c['coverage_p95_s'] <= 2)} |",
        f"| planner, N = 20, p95 | {fmt_s(c['plan20_p95_s'])} | ≤ 5 s {mark(c['plan20_p95_s'] <= 5)} |",
    ]
    lines += [
        "",
        "## Named queries (DuckDB, 90-day window, a new district every run)",
        "",
        "| query | " + " | ".join(f"{s} p50 | {s} p95" for s in results) + " |",
        "|---|" + "---|---|" * len(results),
    ]
    names = list(next(iter(results.values()))["queries"]["result"])
    for n in names:
        cells = []
        for s in results:
            m = results[s]["queries"]["result"][n]
            cells += [fmt_s(m["p50_s"]), fmt_s(m["p95_s"])]
        lines.append(f"| {n} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
