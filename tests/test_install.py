"""A non-editable install works from any directory: the wheel carries the demo city, the mappings,
the page scripts and Streamlit's settings, and nothing reaches back into a checkout."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.paths import REPO_ROOT

COMPLAINTS = (
    "complaint_id,created_at,status,category,channel,kecamatan,lat,lon\n"
    "W-1,2026-11-01 08:00:00,new,waste,lapor,Coblong,-6.8848,107.6154\n"
    "W-2,2026-11-02 09:30:00,new,flooding,lapor,Gedebage,-6.9500,107.6900\n"
)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """The wheel built from this checkout, installed into a folder of its own (not editable)."""
    root = tmp_path_factory.mktemp("install")
    wheels, site, source = root / "wheels", root / "site", root / "source"
    # Built from a copy of what the package is made of: setuptools' build/ stays out of the checkout.
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(
        REPO_ROOT / "src",
        source / "src",
        ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"),
    )
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = wheels.glob("ccdash-*.whl")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site)]
        + [str(wheel)],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    elsewhere = root / "elsewhere"  # a working directory with nothing of ccdash in it
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCDASH_")}
    env["PYTHONPATH"] = str(site)  # ahead of the checkout's editable path
    return {"site": site, "cwd": elsewhere, "env": env}


def _python(installed: dict, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=installed["cwd"],
        env=installed["env"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_the_installed_package_is_the_one_imported_and_carries_its_data(installed):
    out = _python(
        installed,
        "-c",
        "import ccdash, ccdash.data.profile as p; print(ccdash.__file__); "
        "print(p.data_dir()); print(sorted(x.name for x in p.MAPPINGS_DIR.glob('*.toml')))",
    )
    assert out.returncode == 0, out.stderr
    package_file, data_dir, mappings = out.stdout.splitlines()
    assert Path(package_file).is_relative_to(installed["site"])
    assert Path(data_dir).is_relative_to(installed["site"])
    assert (Path(data_dir) / "city.toml").is_file()
    assert (Path(data_dir) / "complaints.parquet").is_file()
    assert "nyc311.toml" in mappings


def test_importing_ccdash_changes_no_process_setting(installed):
    out = _python(
        installed,
        "-c",
        "import pyarrow as pa; before = pa.default_memory_pool().backend_name; import ccdash, "
        "ccdash.data.ingest; print(before, pa.default_memory_pool().backend_name)",
    )
    assert out.returncode == 0, out.stderr
    before, after = out.stdout.split()
    assert before == after


def test_the_installed_cli_ingests_into_a_folder_with_the_shipped_profile(installed, tmp_path):
    city = tmp_path / "city"
    city.mkdir()
    shipped_profile = installed["site"] / "ccdash" / "shipped" / "demo" / "city.toml"
    sample = tmp_path / "complaints.csv"
    sample.write_text(COMPLAINTS, encoding="utf-8")
    out = _python(
        installed,
        "-m",
        "ccdash",
        "ingest",
        "--kind",
        "complaints",
        str(sample),
        "--data-dir",
        str(city),
        "--profile",
        str(shipped_profile),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "2 rows read, 2 accepted, 0 rejected" in out.stdout, out.stdout
    assert any(city.glob("complaints*")), sorted(p.name for p in city.iterdir())


def test_the_installed_dashboard_draws_the_demo_from_another_directory(installed):
    script = (
        "import pathlib, ccdash\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file(str(pathlib.Path(ccdash.__file__).with_name('dashboard.py')),"
        " default_timeout=240)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "print(len(at.metric), any('sintetis' in c.value.lower() or 'synthetic' in c.value.lower()"
        " for c in at.caption))\n"
    )
    out = _python(installed, "-c", script)
    assert out.returncode == 0, out.stdout + out.stderr
    tiles, synthetic_said = out.stdout.split()
    assert int(tiles) >= 8 and synthetic_said == "True"


def test_ccdash_serve_answers_from_another_directory(installed):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "ccdash", "serve", "--port", str(port), "--address", "127.0.0.1"],
        cwd=installed["cwd"],
        env=installed["env"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 180  # generous: a loaded machine starts Streamlit slowly
        answer = b""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                answer = urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/_stcore/health", timeout=5
                ).read()
                break
            except OSError:
                time.sleep(0.5)
        assert answer == b"ok", proc.stdout.read().decode()[-2000:] if proc.poll() else "no answer"
    finally:
        proc.terminate()
        proc.wait(30)
