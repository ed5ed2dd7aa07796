"""The engine setting: DuckDB by default, Spark by [engine] or CCDASH_ENGINE; a bad or unreachable engine is
one line on screen, never a traceback. (The Spark results themselves: tests/spark, `make test-spark`.)"""

from __future__ import annotations

import shutil

import pytest

from ccdash.data.profile import ProfileError, load_profile
from tests.apptest import desk_app


def _profile_with(tmp_path, city_dir, extra: str):
    p = tmp_path / "city.toml"
    p.write_text(
        (city_dir / "city.toml").read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8"
    )
    for name in ("kecamatan.csv", "districts.geojson", "tour.toml"):
        if (city_dir / name).exists():
            shutil.copy(city_dir / name, tmp_path / name)
    return p


def test_the_default_engine_is_duckdb_and_the_environment_overrides_the_profile(
    tmp_path, city_dir, monkeypatch
):
    monkeypatch.delenv("CCDASH_ENGINE", raising=False)
    monkeypatch.delenv("CCDASH_SPARK_URL", raising=False)
    assert load_profile(city_dir / "city.toml").engine[0] == "duckdb"
    p = _profile_with(
        tmp_path,
        city_dir,
        '[engine]\nkind = "spark"\nspark_url = "sc://spark.example:15002"\n'
        'data_path = "s3a://city/ccdash"\n',
    )
    assert load_profile(p).engine == ("spark", "sc://spark.example:15002", "s3a://city/ccdash")
    monkeypatch.setenv("CCDASH_ENGINE", "duckdb")
    assert load_profile(p).engine[0] == "duckdb"
    monkeypatch.setenv("CCDASH_ENGINE", "trino")
    with pytest.raises(
        ProfileError,
        match=r"^CCDASH_ENGINE: 'trino' is not an engine \(expected one of: duckdb, spark\)$",
    ):
        load_profile(p)


def test_a_spark_url_that_is_not_spark_connect_is_refused_by_the_schema(
    tmp_path, city_dir, monkeypatch
):
    monkeypatch.delenv("CCDASH_ENGINE", raising=False)
    p = _profile_with(
        tmp_path, city_dir, '[engine]\nkind = "spark"\nspark_url = "http://spark:8080"\n'
    )
    with pytest.raises(ProfileError, match=r"\[engine\] spark_url: .*sc://HOST:PORT"):
        load_profile(p)


def test_an_unreachable_spark_cluster_is_one_line_on_the_page(monkeypatch, city_dir):
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    monkeypatch.setenv("CCDASH_ENGINE", "spark")
    monkeypatch.setenv("CCDASH_SPARK_URL", "sc://127.0.0.1:1")
    at = desk_app(120)
    at.run()
    assert not at.exception
    [error] = [e.value.strip("` ") for e in at.error]  # shown as plain text
    assert error.startswith(
        "Spark Connect at sc://127.0.0.1:1 cannot be reached (UNAVAILABLE"
    ) or error.startswith('[engine] kind = "spark" needs the Spark Connect client'), error
    assert "\n" not in error and not at.metric
