"""Every named query declares what it reads and speaks SQL that Spark SQL and Trino can run."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlglot
from sqlglot import exp

from ccdash.data.portable import TARGETS, leftovers, transpile
from ccdash.data.schema import TABLES
from ccdash.data.store import Store
from ccdash.data.summary import DERIVED_FROM, KEYED_ON
from ccdash.metrics.registry import all_queries
from tests.conftest import summarised_copy
from tests.query_calls import sample_calls


class RecordingStore(Store):
    """The real store, writing down every statement a query sends."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.sent: list[tuple[str, dict]] = []

    def query(self, sql, params=None):
        self.sent.append((sql, dict(params or {})))
        return super().query(sql, params)


class Recorded(dict):
    """Query name -> its statements, and the folder they ran on."""

    def __init__(self, statements: dict, directory):
        super().__init__(statements)
        self.directory = directory


@pytest.fixture(scope="module", params=["rows", "summaries"])
def recorded(request, city_dir, profile, tmp_path_factory):
    """Each registered query run once with filters that touch every clause, reading the rows and again
    the complaint summaries (data.summary); its statements and params."""
    if request.param == "rows":
        store = RecordingStore(city_dir, profile.facts_file, summaries="off")
    else:
        store = summarised_copy(city_dir, tmp_path_factory, RecordingStore)
    calls = sample_calls(store, profile)
    registry = all_queries()
    assert set(calls) == set(registry), "every registered query needs sample arguments here"
    out = {}
    for name, args in calls.items():
        store.sent.clear()
        registry[name](store, *args)
        out[name] = list(store.sent)
        assert out[name], f"{name} sent no SQL"
    yield Recorded(out, store.directory)
    store.close()


def _tables_read(sql: str) -> set[str]:
    """The tables a statement reads (a summary view counts as the table it is made from)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
    return {DERIVED_FROM.get(t.name, t.name) for t in tree.find_all(exp.Table)} - ctes


def test_the_summary_run_reads_the_summaries(recorded):
    statements = [sql for runs in recorded.values() for sql, _ in runs]
    if not any("complaints_tail" in sql for sql in statements):
        assert not any("complaints_created" in sql for sql in statements)
        return  # the rows' run
    for view in DERIVED_FROM:
        assert any(view in sql for sql in statements), view


def test_each_query_declares_exactly_the_tables_it_reads(recorded):
    registry = all_queries()
    for name, statements in recorded.items():
        read = set().union(*(_tables_read(sql) for sql, _ in statements))
        declared = set(registry[name].tables) | ({"districts"} if registry[name].facts else set())
        if "complaints" in read and any("complaints_tail" in sql for sql, _ in statements):
            # Answered from the summaries: a table their key names may stand in for its rows.
            read |= declared & set(KEYED_ON)
        assert read == declared, f"{name} reads {sorted(read)} but declares {sorted(declared)}"
        assert read <= set(TABLES) | {"districts"}


@pytest.mark.parametrize("dialect", TARGETS)
def test_every_query_transpiles_to_sql_the_target_parses_with_no_duckdb_only_names(
    recorded, dialect
):
    for name, statements in recorded.items():
        for sql, params in statements:
            out = transpile(sql, dialect)
            assert not leftovers(out), f"{name} in {dialect}: {leftovers(out)}\n{out}"
            sqlglot.parse_one(out, read=dialect)  # the target's own parser accepts it
            # Values stay bound: every parameter the query uses is a placeholder in the target's text.
            for key in params:
                if f"${key}" in sql:
                    assert f":{key}" in out, f"{name}: parameter {key} lost in {dialect}"


def test_transpiled_spark_sql_gives_the_same_numbers_when_read_back(recorded, city_dir, profile):
    """DuckDB -> Spark SQL -> DuckDB runs on the store and returns what the original did."""
    store = Store(recorded.directory, profile.facts_file)
    try:
        for name, statements in recorded.items():
            for sql, params in statements:
                back = sqlglot.transpile(transpile(sql, "spark"), read="spark", write="duckdb")[0]
                a = store.query(sql, params).reset_index(drop=True)
                b = store.query(back, params).reset_index(drop=True)
                b.columns = a.columns  # Spark upper-cases nothing, but aliases may be re-quoted
                if "ORDER BY" not in sql.upper():  # no order asked for: compare as sets of rows
                    a = a.sort_values(list(a.columns)).reset_index(drop=True)
                    b = b.sort_values(list(b.columns)).reset_index(drop=True)
                pd.testing.assert_frame_equal(a, b, check_dtype=False, obj=name)
    finally:
        store.close()


def test_duckdb_only_forms_are_caught():
    assert leftovers(transpile("SELECT mode(x), hex(y) FROM t GROUP BY ALL", "spark"))
    assert leftovers("SELECT to_days(3)") == ["TO_DAYS"]
    trino = transpile("SELECT median(x) FROM t", "trino")
    assert "APPROX_PERCENTILE" in trino and "PERCENTILE_CONT" not in trino
