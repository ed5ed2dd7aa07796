"""What a hostile link, a hostile extract or a crowd of anonymous visitors can do in a real browser: nothing."""

from __future__ import annotations

import urllib.parse

import pandas as pd
import pytest

from tests.browser.conftest import Page, poll, start_app, stop_app
from tests.browser.test_wall import rss_mb

pytestmark = pytest.mark.browser

EVIL = "https://evil.example/"


def test_link_parameters_are_shown_as_plain_text(browser, app_url):
    params = [
        ("kecamatan", f"[Session expired]({EVIL}login)"),
        ("category", "![t](http://127.0.0.1:9/track.png)"),
        ("channel", ":red-background[FAKE WARNING] :material/home:"),
        (f"[x]({EVIL})", "1"),
        ("from", "A" * 100_000),
    ]
    tab = Page(browser)
    page = tab.goto(f"{app_url}/?lang=en&" + urllib.parse.urlencode(params))
    notice = page.locator("[data-testid=stAlertContentInfo]").first
    text = notice.inner_text()
    assert (
        "Session expired" in text
        and "track.png" in text
        and "FAKE WARNING" in text
        and "[x](" in text
    )
    assert notice.locator("a").count() == 0 and notice.locator("img").count() == 0
    assert notice.locator("span[style]").count() == 0  # no colour or icon from the URL
    assert page.locator("a[href*='evil.example'], img[src*='127.0.0.1:9']").count() == 0
    assert len(text) < 1_000  # the 100 KB parameter is cut
    tab.close()


@pytest.fixture
def hostile_city(browser, writable_city):
    """A city whose extract carries HTML in the names that charts draw."""
    c = pd.read_parquet(writable_city / "complaints.parquet")
    c.loc[c.category == "waste", "category"] = f'<a href="{EVIL}">click</a>'
    # Every agency: the wall's chart shows only the lowest on-time rates, whichever they are.
    c["agency"] = "<b>Bold</b> agency " + c.agency.astype(str)
    c.to_parquet(writable_city / "complaints.parquet", index=False)
    proc, url = start_app(writable_city)
    yield url
    stop_app(proc)


@pytest.mark.parametrize(
    "path, literal",
    [
        ("/complaints?lang=en", f'<a href="{EVIL}">click</a>'),
        ("/?mode=wall&view=complaints&lang=en", "<b>Bold</b> agency "),
    ],
)
def test_html_in_data_is_text_in_charts(browser, hostile_city, path, literal):
    tab = Page(browser)
    page = tab.goto(hostile_city + path, wait_for=".js-plotly-plot")
    tab.reveal()  # the category bars are below the fold on the Complaints page
    plots = page.locator(".js-plotly-plot")
    labels = poll(  # a loaded browser draws a chart's labels a while after the chart itself
        lambda: " ".join(plots.nth(i).inner_text() for i in range(plots.count())),
        lambda text: literal in text,
    )
    assert literal in labels  # shown literally, tags and all
    assert page.locator(".js-plotly-plot a, a[href*='evil.example']").count() == 0
    assert page.locator(".js-plotly-plot b").count() == 0
    tab.close()


def test_anonymous_visitors_cannot_send_files_or_grow_the_server(browser, writable_city, tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('admin_password = "s3cret-test"\n')
    proc, url = start_app(writable_city, extra_args=(f"--secrets.files={secrets}",))
    try:
        warm = Page(browser)
        warm.goto(f"{url}/data?lang=en", wait_for="text=Sign in as admin")
        warm.close()
        before = rss_mb(proc.pid)
        for _ in range(6):
            tab = Page(browser)
            page = tab.goto(f"{url}/data?lang=en", wait_for="text=Sign in as admin")
            assert page.locator("input[type=file]").count() == 0
            tab.close()
        assert rss_mb(proc.pid) - before < 60
    finally:
        stop_app(proc)
