"""Shared fixtures: a small deterministic city generated once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ccdash.data import demo
from ccdash.data.profile import load_profile
from ccdash.data.store import Store
from tests.paths import REPO_ROOT

# The app reads complaint summaries that are there but never writes them into a test's folders (the
# session's city is shared): tests/test_summary.py writes them where it means to.
os.environ.setdefault("CCDASH_SUMMARIES", "read")

SHARED = REPO_ROOT.parent / "shared"
EXTERNAL = SHARED / "data" / "external"
FIXTURE_END = "2026-11-20"


def needs_shared(*parts: str) -> Path:
    """A path under ../shared/data/external, or skip the test when it is absent."""
    p = EXTERNAL.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} is not here (../shared absent)")
    return p


@pytest.fixture(scope="session")
def city_dir(tmp_path_factory) -> Path:
    """A small synthetic city: 120 days, about 4,000 complaints (read-only: copy before writing)."""
    out = tmp_path_factory.mktemp("city")
    demo.generate(out, seed=7, complaints=4000, end=FIXTURE_END, days=120)
    return out


def summarised_copy(city_dir: Path, tmp_path_factory, store_class=Store) -> Store:
    """A store on a copy of the small city whose complaint summaries are written (data.summary)."""
    d = tmp_path_factory.mktemp("summarised") / "city"
    shutil.copytree(city_dir, d, ignore=shutil.ignore_patterns("_integrity", "_summaries"))
    store = store_class(d, load_profile(d / "city.toml").facts_file)
    assert store.build_summaries() is not None
    return store


@pytest.fixture
def writable_city(city_dir, tmp_path) -> Path:
    """A fresh copy of the small city that a test may change."""
    dst = tmp_path / "city"
    shutil.copytree(city_dir, dst)
    return dst


@pytest.fixture(scope="session")
def profile(city_dir):
    return load_profile(city_dir / "city.toml")


@pytest.fixture(scope="session")
def store(city_dir, profile):
    s = Store(city_dir, profile.facts_file)
    yield s
    s.close()
