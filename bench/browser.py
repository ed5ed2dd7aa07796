"""Browser settle time: how long a person waits for each page in chromium, beside a bare Streamlit page.

    python -m bench.browser [--scale 1M] [--loads 5] [--out docs/benchmarks-browser.md]

Each load opens a fresh tab (nothing cached in the browser) at 1920x1080 and counts from navigation to
the last change of the page (the script run over, charts and maps drawn, then nothing changing for
1.5 s). The floor is a bare Streamlit page (a title and one metric): what any Streamlit app costs here.
ccdash's pages are loaded with a district no earlier load used (?kecamatan=...), so no filter-dependent
query comes from the cache; the competent pandas Overview (bench/competent_app.py) is warmed once (its
one-off Parquet load) and then timed. "First screen" is what a reader who does not scroll waits for
(sections below the fold are drawn when scrolled to); "whole page" scrolls to each waiting section as
soon as it appears, until every one is drawn: the cost of everything. Each section is a fragment, so its
arrival reruns it alone (ccdash.app.lazy). The targets are #25's: the first screen within 2x the floor
(Overview) or 2.5x (the others), the whole page within 3x.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.run import dataset, log  # noqa: E402

PAGES = {
    "overview": "",
    "complaints": "complaints",
    "cctv": "cctv",
    "wifi": "wifi",
    "coverage": "coverage",
    "data": "data",
}
TARGET = {"overview": 2.0}  # times the floor; every other page's first screen 2.5
WHOLE_TARGET = 3.0  # times the floor: every page scrolled through to its end
QUIET_MS = 1500
BARE = 'import streamlit as st\nst.title("Bare page")\nst.metric("Tile", 1)\n'

# Installed in the page before its scripts run: the time of the last DOM change since navigation.
OBSERVE = """
window.__last = performance.now();
new MutationObserver(() => { window.__last = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""


LAZY = "[class*='st-key-lazy_']"  # a section waiting below the fold (ccdash.app.lazy)
SCROLL_TO_WAITING = f"""() => {{ const e = document.querySelector("{LAZY}"); if (e) e.scrollIntoView({{block: "center"}}); }}"""


def settle(browser, url: str, ready: str, timeout_s: float = 120, whole: bool = False) -> float:
    """Seconds from navigation to the page's last change, once it has been quiet for QUIET_MS; with `whole`,
    every section below the fold is scrolled to as soon as it appears."""
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    page.add_init_script(OBSERVE)
    try:
        page.goto(url)
        page.wait_for_selector(ready, timeout=timeout_s * 1000)
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if whole:  # in one step in the page: a section can be drawn (and its placeholder gone) at any moment
                page.evaluate(SCROLL_TO_WAITING)
            running = page.locator("[data-testid=stStatusWidget]").count() > 0
            quiet = page.evaluate("performance.now() - window.__last")
            if not running and quiet >= QUIET_MS and not (whole and page.locator(LAZY).count()):
                return page.evaluate("window.__last") / 1000
            page.wait_for_timeout(100)
        raise RuntimeError(f"{url} did not settle within {timeout_s:.0f} s")
    finally:
        ctx.close()


def unused_filters(d: Path):
    """?kecamatan=... links, each selecting districts no earlier one selected together: every district alone,
    then every pair. No timed load finds a filter-dependent query in the cache an earlier load filled."""
    with open(d / "kecamatan.csv", newline="") as f:
        names = [row["kecamatan"] for row in csv.DictReader(f)]
    for combo in itertools.chain(((n,) for n in names), itertools.combinations(names, 2)):
        yield "&".join(f"kecamatan={k}" for k in combo)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.browser")
    ap.add_argument("--scale", default="1M")
    ap.add_argument("--loads", type=int, default=5)
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks-browser.md")
    a = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, FLAGS, start_app, stop_app

    started = time.time()
    d = dataset(a.scale, False)
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        bare = Path(tmp) / "bare.py"
        bare.write_text(BARE)
        procs = []
        try:
            proc, url = start_app(d, script=bare)
            procs.append(proc)
            settle(
                browser, url, "[data-testid=stMetric]"
            )  # the server's first page: imports, untimed
            results["bare Streamlit page (floor)"] = [
                settle(browser, url, "[data-testid=stMetric]") for _ in range(a.loads)
            ]
            log("floor measured")
            proc, url = start_app(d)
            procs.append(proc)
            settle(
                browser, f"{url}/?lang=en", "[data-testid=stMetric]"
            )  # untimed: imports, store, facts
            links = unused_filters(d)
            for name, path in PAGES.items():
                ready = "[data-testid=stDataFrame]" if name == "data" else "[data-testid=stMetric]"
                results[name] = [
                    settle(browser, f"{url}/{path}?lang=en&{next(links)}", ready)
                    for _ in range(a.loads)
                ]
                results[f"{name}, whole page"] = [
                    settle(browser, f"{url}/{path}?lang=en&{next(links)}", ready, whole=True)
                    for _ in range(a.loads)
                ]
                log(f"{name} measured")
            proc, url = start_app(
                d,
                extra_env={
                    "BASELINE_PARQUET": str(d / "complaints.parquet"),
                    "BASELINE_PAGE": "overview",
                },
                script=REPO / "bench" / "competent_app.py",
            )
            procs.append(proc)
            settle(browser, url, "[data-testid=stMetric]")  # its one-off Parquet load, untimed
            results["competent pandas Overview"] = [
                settle(browser, url, "[data-testid=stMetric]") for _ in range(a.loads)
            ]
        finally:
            for proc in procs:
                stop_app(proc)
            browser.close()

    floor = statistics.median(results["bare Streamlit page (floor)"])
    lines = [
        "# Browser settle time",
        "",
        f"Measured {date.today():%Y-%m-%d} on this machine ({os.cpu_count()} cores, {platform.machine()}, "
        f"chromium with software rendering) by `python -m bench.browser --scale {a.scale} --loads {a.loads}` "
        f"in {time.time() - started:.0f} s, on the {a.scale} synthetic complaints.",
        "",
        (__doc__ or "").split("\n\n")[2].replace("\n", " "),
        "",
        "| page | median | min | max | × floor | target |",
        "|---|---|---|---|---|---|",
    ]
    for name, times in results.items():
        med = statistics.median(times)
        ratio = med / floor
        target = (
            TARGET.get(name, 2.5)
            if name in PAGES
            else WHOLE_TARGET
            if name.endswith(", whole page")
            else None
        )
        mark = (
            ""
            if target is None
            else (f"≤ {target:g}x " + ("ok" if ratio <= target else "**missed**"))
        )
        lines.append(
            f"| {name} | {med:.2f} s | {min(times):.2f} s | {max(times):.2f} s | {ratio:.2f}x | {mark} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    a.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
