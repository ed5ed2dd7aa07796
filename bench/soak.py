"""Accelerated wall soak: a real browser on `?mode=wall` with 4-second views and a 5-second refresh, the
server's RSS sampled every 10 s. Growth is fitted after the warm-up and extrapolated to a day of the
default playlist (a view change every 20 s on average, a redraw every 30 s).

    python -m bench.soak --minutes 30 [--out bench/cache/soak.md]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ccdash.data.profile import DEMO_DIR

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FAST_VIEW_S, DEFAULT_VIEW_S = 4.0, 20.0  # the default playlist: 100 s over 5 views


def soak(minutes: float, warmup_s: float = 120.0, view: str | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, FLAGS, start_app, stop_app
    from tests.browser.test_wall import (  # the same fast wall as the short soak test
        FAST_PLAYLIST,
        rss_mb,
    )

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "data"
        shutil.copytree(DEMO_DIR, d)
        toml = (d / "city.toml").read_text()
        toml = re.sub(r"playlist = \[.*?\n\]", FAST_PLAYLIST, toml, flags=re.S)
        (d / "city.toml").write_text(toml.replace("refresh_seconds = 30", "refresh_seconds = 5"))
        proc, url = start_app(d)
        samples = []
        try:
            with sync_playwright() as p:
                b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                page = b.new_page(viewport={"width": 1920, "height": 1080})
                page.goto(f"{url}/?mode=wall&lang=en" + (f"&view={view}" if view else ""))
                start = time.time()
                titles, changes, last, tick, doubled = set(), 0, None, 0, 0
                while time.time() - start < minutes * 60:
                    page.wait_for_timeout(
                        1_000
                    )  # the title every second: the views must really rotate
                    headings = page.locator(".st-key-wall_view_title")
                    doubled += (
                        headings.count() > 1
                    )  # two views on screen at once: counted, reported
                    title = headings.first.inner_text().strip()
                    titles.add(title)
                    changes += title != last
                    last, tick = title, tick + 1
                    if tick % 10 == 0:
                        samples.append((time.time() - start, rss_mb(proc.pid)))
                        print(
                            f"{samples[-1][0]:7.0f} s  {samples[-1][1]:7.1f} MB  {len(titles)} views, "
                            f"{changes} changes",
                            flush=True,
                        )
                errors = page.locator("[data-testid=stException]").count()
                b.close()
        finally:
            stop_app(proc)
    t = np.array([s for s, _ in samples])
    mb = np.array([m for _, m in samples])
    after = t >= warmup_s
    slope_per_s = float(np.polyfit(t[after], mb[after], 1)[0]) if after.sum() >= 3 else float("nan")
    # Per view shown: the fast wall changes view every 4 s, the default one every 20 s. A pinned view
    # changes nothing: its growth (clock, refreshes) is per hour as measured.
    per_day = slope_per_s * (1 if view else FAST_VIEW_S / DEFAULT_VIEW_S) * 86_400
    return {
        "minutes": minutes,
        "views": len(titles),
        "view_changes": changes,
        "exceptions": errors,
        "doubled_samples": doubled,
        "rss_start": float(mb[after][0]),
        "rss_end": float(mb[-1]),
        "rss_max": float(mb.max()),
        "slope_mb_per_h_fast": slope_per_s * 3600,
        "mb_per_day_default": per_day,
        "samples": len(samples),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--out", type=Path)
    ap.add_argument(
        "--view", help="pin one view: growth with the clock and refreshes but no view change"
    )
    a = ap.parse_args()
    r = soak(a.minutes, view=a.view)
    table = (
        "| soak | views seen, changes | samples with two views | after warm-up | at the end | peak | "
        "growth, fast wall | extrapolated to a day of the default playlist |\n"
        "|---|---|---|---|---|---|---|---|\n"
        f"| {r['minutes']:.0f} min of {'the pinned ' + a.view + ' view' if a.view else '4 s views'} | {r['views']}, {r['view_changes']:,} | "
        f"{r['doubled_samples']} | {r['rss_start']:.0f} MB | "
        f"{r['rss_end']:.0f} MB | {r['rss_max']:.0f} MB "
        f"| {r['slope_mb_per_h_fast']:+.1f} MB/h | {r['mb_per_day_default']:+.0f} MB/day |\n"
    )
    print(table)
    if (r["views"] < 5 and not a.view) or r["exceptions"]:
        print(
            f"the wall did not rotate through its views ({r['views']} seen) or showed an exception",
            file=sys.stderr,
        )
        return 1
    if a.out:
        a.out.parent.mkdir(parents=True, exist_ok=True)
        a.out.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
