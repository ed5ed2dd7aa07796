"""AppTest: every page runs on the demo data without an exception."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ccdash.data.profile import REPO_ROOT

PAGES = ["app_pages/overview.py", "app_pages/complaints.py", "app_pages/cctv.py", "app_pages/wifi.py",
         "app_pages/coverage.py", "app_pages/data.py"]


@pytest.fixture
def app(monkeypatch, city_dir):
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    monkeypatch.delenv("CCDASH_PROFILE", raising=False)
    return AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)


def test_app_runs_on_the_embedded_demo_data(monkeypatch):
    monkeypatch.delenv("CCDASH_DATA_DIR", raising=False)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert at.metric[0].label == "Baru hari ini"


@pytest.mark.parametrize("page", PAGES)
def test_each_page_runs(app, page):
    app.run()
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert any("sintetis" in c.value for c in app.caption)
