"""Reset view: after the reader zooms a desk map, one click draws it again at the view it opened on."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from tests.browser.conftest import Page, poll


def pixels(locator) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(locator.screenshot())).convert("RGB"), dtype=int)


def settled(locator) -> np.ndarray:
    """The map's pixels once two looks in a row agree (tiles of layers drawn, transitions over)."""
    last = [pixels(locator)]

    def look():
        now = pixels(locator)
        same = now.shape == last[0].shape and np.abs(now - last[0]).mean() < 0.05
        last[0] = now
        return same

    poll(look, bool, every_s=0.7)
    return last[0]


def test_reset_view_returns_the_map_to_its_opening_view(browser, app_url):
    tab = Page(browser, 1600, 1200)
    try:
        page = tab.goto(f"{app_url}/?lang=en", wait_for="[data-testid=stDeckGlJsonChart] canvas")
        deck = page.locator("[data-testid=stDeckGlJsonChart]").first
        # Drawn first: the outlines and hexagons are there (a blank canvas is one colour).
        start = poll(lambda: settled(deck), lambda px: px.std() > 10)
        box = deck.bounding_box()
        centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

        def zoom_in() -> np.ndarray:
            page.mouse.dblclick(*centre)  # double-click zooms in (the wheel scrolls the page)
            return settled(deck)

        # Again until the view has moved: a click that lands before the map takes input is lost.
        zoomed = poll(zoom_in, lambda px: np.abs(px - start).mean() > 20, every_s=1)
        assert np.abs(zoomed - start).mean() > 20
        page.get_by_role("button", name="Reset view").first.click()
        back = poll(
            lambda: settled(deck),
            lambda px: px.shape == start.shape and np.abs(px - start).mean() < 2,
        )
        assert np.abs(back - start).mean() < 2
        assert tab.errors == []
    finally:
        tab.close()
