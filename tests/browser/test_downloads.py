"""Downloads in a real browser: a file asked for right after a change holds the change."""

from __future__ import annotations

import csv
import io
from pathlib import Path


def plan_rows(download) -> list[dict]:
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_a_plan_downloaded_right_after_changing_n_is_the_new_plan(tab, app_url):
    """N typed and the download clicked at once (no Enter): the browser sends the new N as the input
    loses focus, just before the click asks for the file; the file waits for the run with the new N
    (it was the previous plan: 20 points)."""
    page = tab.goto(f"{app_url}/coverage?lang=en")
    tab.reveal()
    button = page.get_by_role("button", name="Download the plan (CSV)")
    with page.expect_download() as got:
        button.click()
    assert len(plan_rows(got.value)) == 20  # the default
    page.get_by_label("New points").fill("5")
    with page.expect_download() as got:
        button.click()
    assert len(plan_rows(got.value)) == 5
    tab.settle()
    with page.expect_download() as got:  # and the table on screen is that plan
        button.click()
    assert len(plan_rows(got.value)) == 5
    assert tab.errors == []
