"""The app under Streamlit's AppTest, with every below-the-fold section drawn (no browser scrolls here;
tests/test_lazy.py and tests/browser check the sections that wait for the reader)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ccdash.app.lazy import EVERYTHING
from tests.paths import DASHBOARD


def desk_app(timeout: float = 60) -> AppTest:
    at = AppTest.from_file(str(DASHBOARD), default_timeout=timeout)
    at.session_state[EVERYTHING] = True
    return at
