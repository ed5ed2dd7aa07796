"""The named queries in other engines' SQL: sqlglot transpiles DuckDB SQL to Spark SQL and Trino.

This is the seam where ccdash meets a bigger engine. Parameters stay bound (`$name` becomes `:name`).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

TARGETS = ("spark", "trino")

# Functions DuckDB has and the targets do not; none may be left in transpiled text.
DUCKDB_ONLY = (
    "TO_DAYS",
    "TO_HOURS",
    "TO_MINUTES",
    "TO_SECONDS",
    "MODE(",
    "HEX(",
    "GENERATE_SERIES",
    "UNNEST",
    "EPOCH",
    "STRFTIME",
    "STRPTIME",
    "LIST_",
    "ARG_MAX",
    "ARG_MIN",
    "QUANTILE",
    "GROUP BY ALL",
    "ORDER BY ALL",
    "READ_PARQUET",
    "READ_CSV",
    "::",
    "$",
)


def _trino_median(node: exp.Expression) -> exp.Expression:
    # Trino has no exact median: its approx_percentile (a stated tolerance) is the closest standard form.
    if isinstance(node, exp.Median):
        return exp.ApproxQuantile(this=node.this, quantile=exp.Literal.number(0.5))
    return node


def _timestamp_diff(node: exp.Expression) -> exp.Expression:
    # date_diff('second', a, b) on timestamps: Spark's TIMESTAMPDIFF says so unambiguously (its DATEDIFF with a
    # unit reads back as a difference of dates in sqlglot).
    if (
        isinstance(node, exp.DateDiff)
        and node.unit is not None
        and node.unit.name.upper() in TIME_UNITS
    ):
        return exp.TimestampDiff(this=node.this, expression=node.expression, unit=node.unit)
    return node


TIME_UNITS = ("SECOND", "MINUTE", "HOUR")


def _epoch_seconds(node: exp.Expression) -> exp.Expression:
    # DuckDB's epoch(ts) is seconds with their fraction; Spark's UNIX_TIMESTAMP drops the fraction (and
    # reads back as a parse of text): spelled as Spark's microseconds over a million instead.
    if isinstance(node, exp.TimeToUnix):
        micros = exp.UnixMicros(this=node.this.copy())
        return exp.Div(this=micros, expression=exp.Literal.number("1000000.0"))
    return node


def _double_literals(node: exp.Expression) -> exp.Expression:
    # 3600.0 is a DECIMAL in both engines, but DuckDB divides by it in DOUBLE while Spark keeps a DECIMAL of
    # six places (79.801389 h instead of 79.8013888...): spell such literals as doubles for Spark.
    if isinstance(node, exp.Literal) and node.is_number and any(ch in node.this for ch in ".eE"):
        return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
    return node


def transpile(sql: str, dialect: str) -> str:
    """One DuckDB statement in `dialect`'s SQL."""
    if dialect not in TARGETS:
        raise ValueError(f"unknown target dialect {dialect!r}; have {TARGETS}")
    tree = sqlglot.parse_one(sql, read="duckdb").transform(_timestamp_diff)
    if dialect == "trino":
        tree = tree.transform(_trino_median)
    if dialect == "spark":
        tree = tree.transform(_epoch_seconds).transform(_double_literals)
    return tree.sql(dialect=dialect)


def leftovers(sql: str) -> list[str]:
    """DuckDB-only names still in a transpiled statement (empty when it is portable)."""
    upper = sql.upper()
    return [name for name in DUCKDB_ONLY if name in upper]
