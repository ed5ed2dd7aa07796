"""The README's "Another city" steps, followed on New York's 311 export in a temporary folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import desk_app
from tests.paths import MAPPINGS_DIR, PROFILES_DIR, REPO_ROOT

from .conftest import needs_shared


@pytest.fixture(scope="module")
def nyc(tmp_path_factory):
    src = needs_shared("nyc-311-sample", "311_Service_Requests.csv")
    city = tmp_path_factory.mktemp("nyc")
    shutil.copy(PROFILES_DIR / "nyc.toml", city / "city.toml")  # step 1
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ccdash",
            "ingest",
            "--kind",
            "complaints",
            str(src),  # step 2
            "--mapping",
            str(MAPPINGS_DIR / "nyc311.toml"),
            "--data-dir",
            str(city),
        ],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT / "src")},
    )
    assert out.returncode == 0, out.stderr
    assert "1,000 rows read, 999 accepted, 1 rejected" in out.stdout
    return city


def run(monkeypatch, city, page=None, **params) -> AppTest:  # step 3, as AppTest
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city))
    at = desk_app(60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page", [None, "complaints", "data"])
def test_every_page_of_the_new_city_works_in_its_own_words(monkeypatch, nyc, page):
    at = run(monkeypatch, nyc, page)
    assert not [w for w in at.warning if "Data problem" in w.value]
    labels = [m.label for m in at.metric]
    if page != "data":
        assert "Open backlog · now" in labels and not [
            x for x in labels if "CCTV" in x or "Wifi" in x
        ]
    if page is None:
        assert at.multiselect(key="f_kecamatan").label == "Borough"
        assert "BROOKLYN" in at.multiselect(key="f_kecamatan").options


def test_the_new_city_on_the_wall_and_the_tour(monkeypatch, nyc):
    for view in ("overview", "complaints", "alerts"):
        at = run(monkeypatch, nyc, mode="wall", view=view)
        assert not at.error and "_panel_failures" not in at.session_state
    at = run(monkeypatch, nyc, tour="1", step="1")
    assert "New York City in numbers" in [t.value for t in at.text]
