"""Every registered named query returns the same result on a real Spark cluster (through Spark Connect and
sqlglot) as on DuckDB, for the demo data as single files and as a partitioned dataset.

Run by `make test-spark`, which starts a standalone cluster (one master, two workers) and a Spark Connect
server with the scripts in the pyspark package, and sets CCDASH_SPARK_URL. Counts and other integers must be
equal; floats (rates, medians, expected counts) agree within a relative 1e-9, since the two engines add in
different orders."""

from __future__ import annotations

import dataclasses
import math
import os
import shutil
import time
from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from ccdash.data.ingest import ingest
from ccdash.data.profile import load_profile
from ccdash.data.store import Store
from ccdash.metrics.registry import all_queries
from tests.apptest import desk_app
from tests.query_calls import sample_calls
from tests.test_ingest import HEADER, NOW, csv_text, write

pytestmark = pytest.mark.spark
RTOL = 1e-9


@pytest.fixture(scope="module")
def spark_url() -> str:
    url = os.environ.get("CCDASH_SPARK_URL")
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(
            "CCDASH_SPARK_URL is not set in CI: run these tests with `make test-spark`, which starts the cluster"
        )
    if shutil.which("java") is None:
        pytest.skip(
            "Java is absent: `make test-spark` needs a JRE (apt-get install openjdk-17-jre-headless)"
        )
    pytest.skip("no Spark cluster: `make test-spark` starts one and runs these tests")


@pytest.fixture(scope="module", params=["single files", "partitioned dataset"])
def data(request, city_dir, tmp_path_factory):
    if request.param == "single files":
        return city_dir
    d = tmp_path_factory.mktemp("spark") / "city"
    shutil.copytree(city_dir, d)
    src = write(
        tmp_path_factory.mktemp("src"),
        "one.csv",
        csv_text(
            [
                HEADER,
                "S-1,2026-11-10 08:00:00,,new,waste,whatsapp,Coblong,-6.8848,107.6154,Sampah,X",
            ]
        ),
    )
    ingest(
        src, "complaints", d, load_profile(d / "city.toml"), now=NOW
    )  # the complaints become a dataset
    assert (d / "complaints" / "_delta_log").is_dir()
    return d


def _plain(x):
    """A value as plain Python for comparison: frames as lists of row tuples in a stable order."""
    if isinstance(x, pd.DataFrame):
        df = x.copy()
        for c in df.columns:
            if pd.api.types.is_datetime64_any_dtype(df[c]):
                df[c] = df[c].astype("datetime64[us]")
        rows = [tuple(_plain(v) for v in r) for r in df.itertuples(index=False)]
        return list(df.columns), sorted(rows, key=repr)
    if dataclasses.is_dataclass(x):
        return _plain(dataclasses.asdict(x))
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NaT or x is pd.NA:
        return None
    if isinstance(x, (np.integer,)) or (
        isinstance(x, float) and x.is_integer() and abs(x) < 2**53 and False
    ):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, pd.Timestamp):
        return x.to_pydatetime()
    if isinstance(x, date) and not isinstance(x, datetime):
        return datetime(x.year, x.month, x.day)
    return x


def same(a, b, where: str) -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert a is not None and b is not None, f"{where}: {a!r} vs {b!r}"
        assert math.isclose(float(a), float(b), rel_tol=RTOL, abs_tol=1e-12), (
            f"{where}: {a!r} vs {b!r}"
        )
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, (list, tuple)):
        assert isinstance(b, (list, tuple)) and len(a) == len(b), (
            f"{where}: {len(a)} vs {len(b)} items"
        )
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert (a == b and type(a) is type(b)) or (
            isinstance(a, int) and isinstance(b, int) and a == b
        ), f"{where}: {a!r} ({type(a).__name__}) vs {b!r} ({type(b).__name__})"


def test_every_named_query_returns_the_same_on_spark_as_on_duckdb(spark_url, data, profile):
    from ccdash.data.spark_store import SparkStore

    duck = Store(data, profile.facts_file)
    spark = SparkStore(data, profile.facts_file, url=spark_url)
    registry = all_queries()
    calls = sample_calls(duck, profile)
    assert set(calls) == set(registry)
    nonempty = 0
    for name, args in calls.items():
        expected, got = registry[name](duck, *args), registry[name](spark, *args)
        same(_plain(expected), _plain(got), name)
        nonempty += bool(len(expected)) if hasattr(expected, "__len__") else expected is not None
    assert nonempty >= len(calls) - 1  # the comparisons are of real results, not of empty ones
    assert spark.problems == duck.problems


@pytest.mark.parametrize("data", ["partitioned dataset"], indirect=True)
def test_spark_reads_only_the_months_a_date_filter_needs(spark_url, data, profile):
    from ccdash.data.spark_store import SparkStore
    from ccdash.metrics.filters import Filters, where

    spark = SparkStore(data, profile.facts_file, url=spark_url)
    w, p = where(Filters(start=date(2026, 8, 23), end=date(2026, 11, 20)))
    spark.refresh()
    plan = "\n".join(
        spark.spark.sql(
            f"EXPLAIN SELECT count(*) FROM complaints WHERE {w}".replace("$", ":"), args=p
        )
        .toPandas()
        .iloc[:, 0]
    )
    assert (
        "PartitionFilters: [" in plan
        and "created_month" in plan.split("PartitionFilters: [")[1].split("]")[0]
    )


def test_the_pages_show_the_same_numbers_on_spark(spark_url, city_dir, monkeypatch):
    """The Overview and Complaints pages through the app with CCDASH_ENGINE=spark: every tile as on DuckDB."""
    import streamlit as st

    def tiles(engine: str, page: str) -> dict:
        st.cache_data.clear()
        monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
        monkeypatch.setenv("CCDASH_ENGINE", engine)
        monkeypatch.setenv("CCDASH_SPARK_URL", spark_url)
        at = desk_app(300)
        t = time.perf_counter()
        at.run()
        if page != "overview":
            at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception and not at.error, (engine, page, at.exception, at.error)
        return {m.label: m.value for m in at.metric}, time.perf_counter() - t

    for page in ("overview", "complaints"):
        (duck, duck_s), (spark, spark_s) = tiles("duckdb", page), tiles("spark", page)
        assert duck and spark == duck, page
        assert spark_s > duck_s  # computed on the cluster, not answered from DuckDB's cache
