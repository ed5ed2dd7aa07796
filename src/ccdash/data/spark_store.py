"""The named queries on a Spark cluster through Spark Connect: Store's interface and views, over the same files.

Each statement is the named query's own DuckDB SQL, turned into Spark SQL by sqlglot (`portable.transpile`;
`$name` parameters become bound `:name` arguments, never text). The views have the same names, columns and
types as Store's (H3 cells as BIGINT: an H3 index's top bit is always 0), read from the same dataset
manifests or single files, so that every page runs unchanged. The cluster must see the data folder at the
same path, or at `data_path` (a shared filesystem or an object-store URL that mirrors DATA_DIR).

Needs only the Spark Connect client (`pip install -r requirements-spark.txt`), imported when this engine is
chosen: `[engine] kind = "spark"` in the profile, or CCDASH_ENGINE=spark.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pandas as pd

from . import dataset
from .files import extract_path
from .portable import transpile
from .reference import load_facts, respelled
from .schema import TABLES
from .store import BaseStore, bound, column_types, folder_timezone, quote_ident, wall_times

SPARK_TYPES = {
    "VARCHAR": "STRING",
    "BIGINT": "BIGINT",
    "UBIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "TIMESTAMP": "TIMESTAMP",
    "TIMESTAMPTZ": "TIMESTAMP",  # Spark's TIMESTAMP is an instant, read in the session's zone
    "DATE": "DATE",
}


class EngineError(RuntimeError):
    """The configured engine cannot be used (client missing, cluster unreachable)."""


def _why(e: Exception) -> str:
    """One line: a gRPC error's status and details, else the message's first line."""
    cause: BaseException | None = e
    while cause is not None:  # the client wraps the gRPC error (retries exceeded)
        code, details = getattr(cause, "code", None), getattr(cause, "details", None)
        if callable(code) and callable(details):
            return f"{code().name}: {details()}"[:200]
        cause = cause.__cause__ or cause.__context__
    return str(e).splitlines()[0][:200]


class SparkStore(BaseStore):
    """Temporary views in one Spark Connect session, rebuilt when a file in the data folder changes."""

    def __init__(
        self,
        directory: Path | str,
        facts_file: Path | None = None,
        expected: tuple[str, ...] | None = None,
        url: str = "sc://127.0.0.1:15002",
        data_path: str | None = None,
        timezone: str | None = None,
    ):
        try:
            from pyspark.sql import SparkSession
        except ImportError:
            raise EngineError(
                '[engine] kind = "spark" needs the Spark Connect client: '
                "pip install -r requirements-spark.txt"
            ) from None
        self.directory = Path(directory)
        self.facts_file = facts_file
        self.timezone = timezone or folder_timezone(self.directory)
        self.expected = tuple(expected) if expected is not None else tuple(TABLES)
        self.url = url
        self.data_path = (data_path or str(self.directory.resolve())).rstrip("/")
        try:
            from pyspark.sql.connect.client.retries import DefaultPolicy

            self.spark = SparkSession.builder.remote(url).getOrCreate()
            # A cluster that is down is said within seconds (the client's default retries for over 10 minutes).
            self.spark.client.set_retry_policies(
                [DefaultPolicy(max_retries=2, initial_backoff=500, max_backoff=2000)]
            )
            # Stored times are instants, read in the city's zone (days and months are the city's;
            # toPandas gives its wall times). Naive files of older versions are its wall times.
            self.spark.conf.set("spark.sql.session.timeZone", self.timezone)
            self.spark.conf.set("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        except Exception as e:
            raise EngineError(f"Spark Connect at {url} cannot be reached ({_why(e)})") from None
        self._lock = threading.Lock()
        self._version = None
        self.problems = {}

    def _remote(self, path: Path) -> str:
        """A local path under the data folder as the cluster sees it."""
        return (
            self.data_path
            + "/"
            + Path(path).resolve().relative_to(self.directory.resolve()).as_posix()
        )

    def _frame(self, table: str, path: Path | None):
        t = TABLES[table]
        if path is not None and path.is_dir():
            files = dataset.files(path)
            if files:
                return self.spark.read.option("basePath", self._remote(path)).parquet(
                    *(self._remote(f) for f in files)
                ), True
        elif path is not None and path.name.endswith(".parquet"):
            return self.spark.read.parquet(self._remote(path)), False
        elif path is not None:
            return self.spark.read.option("header", True).csv(self._remote(path)), False
        cols = ", ".join(
            f"CAST(NULL AS {SPARK_TYPES[ty]}) AS {quote_ident(c).replace(chr(34), '`')}"
            for c, ty in column_types(table).items()
        )
        extra = f", CAST(NULL AS STRING) AS {t.partition_column}" if t.partition_column else ""
        return self.spark.sql(f"SELECT {cols}{extra} WHERE false"), None

    def _view(self, table: str, path: Path | None) -> None:
        t = TABLES[table]
        df, partitioned = self._frame(table, path)
        df.createOrReplaceTempView(f"_raw_{table}")
        cols = [
            f"CAST(`{c}` AS {SPARK_TYPES[ty]}) AS `{c}`" for c, ty in column_types(table).items()
        ]
        if t.partition_column:
            cols.append(
                f"`{t.partition_column}`"
                if partitioned is not False
                else f"date_format(`{t.partition_by}`, 'yyyy-MM') AS `{t.partition_column}`"
            )
        self.spark.sql(
            f"CREATE OR REPLACE TEMP VIEW {table} AS SELECT {', '.join(cols)} FROM _raw_{table}"
        )

    def _rebuild(self) -> dict[str, str]:
        problems = {}
        for table in TABLES:
            path = extract_path(self.directory, table)
            if path is None and table in self.expected:
                problems[table] = f"no {table} extract in {self.directory}"
            try:
                self._view(table, path)
            except Exception as e:
                problems[table] = f"{path.name if path else table} cannot be read: {_why(e)}"
                self._view(table, None)
        union = " UNION ".join(
            f"SELECT DISTINCT kecamatan FROM {t}"
            for t in ("complaints", "cctv_sites", "wifi_points")
        )
        names = self.spark.sql(union).toPandas()["kecamatan"].tolist()
        facts = respelled(load_facts(self.facts_file), names)
        self.spark.createDataFrame(
            facts
            if len(facts)
            else pd.DataFrame(
                {
                    "kecamatan": pd.Series(dtype=str),
                    "population": pd.Series(dtype="int64"),
                    "area_ha": pd.Series(dtype=float),
                    "centroid_lat": pd.Series(dtype=float),
                    "centroid_lon": pd.Series(dtype=float),
                }
            )
        ).createOrReplaceTempView("_district_facts")
        self.spark.sql(
            "CREATE OR REPLACE TEMP VIEW districts AS SELECT CAST(kecamatan AS STRING) AS kecamatan, "
            "CAST(population AS BIGINT) AS population, CAST(area_ha AS DOUBLE) AS area_ha, "
            "CAST(centroid_lat AS DOUBLE) AS centroid_lat, CAST(centroid_lon AS DOUBLE) AS centroid_lon "
            "FROM _district_facts"
        )
        return problems

    def query(self, sql: str, params: dict | list | None = None) -> pd.DataFrame:
        """One named query's statement in Spark SQL, its values bound as arguments."""
        self.refresh()
        args = dict(bound(params, self.timezone))
        return wall_times(
            self.spark.sql(transpile(sql, "spark"), args=args).toPandas(), self.timezone
        )

    def scalar(self, sql: str, params: dict | list | None = None):
        df = self.query(sql, params)
        return None if df.empty else df.iat[0, 0]

    def describe(self, table: str) -> pd.DataFrame:
        df = self.spark.table(table)
        return pd.DataFrame(
            {
                "column_name": df.columns,
                "column_type": [f.dataType.simpleString() for f in df.schema],
            }
        )

    def close(self) -> None:
        pass  # the Connect session ends with the process; the cluster stays
