"""A mapping's `select`: the raw file(s) as the view `source`, turned into rows by one SQL SELECT run
by DuckDB, before the mapping's simple forms and the same validation as any file.

DuckDB reads nested JSON, unnests arrays, splits strings and has CASE, so an export that needs a
program today (records inside arrays, coordinates as one "lon,lat" field, a closing time that exists
only as "last activity") needs one statement instead. The statement is checked to be a single query
(sqlglot) and runs in a sandbox: an in-memory database that can read only the staged copies of the
given files (no other file, no network, no extension), with its configuration locked and its memory
bounded, spilling to the staging folder.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import sqlglot
from sqlglot import exp

from .ingest.errors import IngestError
from .ingest.read import (  # _as_strings: the same text form as every other reader
    BATCH_ROWS,
    MAX_JSON_BYTES,
    ReadAgain,
    Source,
    _as_strings,
    read_batches,
)

MEMORY_LIMIT = "1GB"  # DuckDB spills past this to the staging folder
SOURCE_FILE = "source_file"  # the column that names each row's file (without its folder)


def select_problem(sql: str) -> str | None:
    """Why `sql` is not one query (a SELECT, WITH ... SELECT or a UNION of them), or None."""
    try:
        statements = [s for s in sqlglot.parse(sql, read="duckdb") if s is not None]
    except sqlglot.errors.ParseError as e:
        first = str(e).splitlines()[0]
        return f"not valid SQL ({first[:160]})"
    if len(statements) != 1:
        return f"one statement expected, found {len(statements)}"
    if not isinstance(statements[0], exp.Query):
        return f"a SELECT expected, found {statements[0].key.upper()}"
    return None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _stage(src: Source, path: Path | str, data: bytes | None, folder: Path) -> str:
    """A relation over one file's staged copy: Parquet as it is, JSON (a document or lines) as its
    decompressed bytes, anything else through ccdash's own reader (encodings, separators, ragged
    rows) into Parquet of text columns."""
    folder.mkdir(parents=True)
    head = src.head.lstrip(b"\xef\xbb\xbf").lstrip()
    if src.head[:4] == b"PAR1" or src.suffix.endswith(".parquet"):
        target, reader = folder / "file.parquet", "read_parquet({})"
    elif head[:1] in (b"[", b"{") or src.suffix.endswith((".json", ".jsonl", ".ndjson")):
        target = folder / "file.json"
        reader = f"read_json({{}}, maximum_object_size={MAX_JSON_BYTES}, sample_size=-1)"
    else:
        target, reader = folder / "file.parquet", "read_parquet({})"
        try:
            _write_text_parquet(path, data, src.name, False, target)
        except ReadAgain:  # a row Arrow's reader cannot take: the csv module reads it all again
            _write_text_parquet(path, data, src.name, True, target)
    if not target.exists():  # decompressed, inside the sandbox's one readable folder
        with open(target, "wb") as out:
            for chunk in src.chunks():
                out.write(chunk)
    source = reader.format(_literal(str(target)))
    return f"SELECT *, {_literal(src.name)} AS {SOURCE_FILE} FROM {source}"


def _write_text_parquet(path, data, name: str, python_csv: bool, target: Path) -> None:
    """Writes a CSV's rows (every column text) to `target`, a batch at a time."""
    writer = None
    try:
        seen = 0
        for df in read_batches(path, data=data, name=name, python_csv=python_csv):
            counts = df.attrs.get("field_counts")
            if counts is not None and (counts != df.shape[1]).any():
                at = int((counts != df.shape[1]).argmax())
                raise IngestError(
                    f"{name}: row {seen + at + 1:,} has {counts[at]} fields and the header "
                    f"{df.shape[1]}; a file read through a select must have whole rows"
                )
            seen += len(df)
            table = pa.Table.from_pandas(df.astype(object), preserve_index=False)
            table = table.cast(pa.schema([(c, pa.string()) for c in table.column_names]))
            if writer is None:
                writer = pq.ParquetWriter(target, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def selected_batches(
    files: Sequence[tuple[Path | str, bytes | None, str]],
    select: str,
    rows: int | None = None,
) -> Iterator[pd.DataFrame]:
    """The rows `select` makes of `files` ((path, bytes or None, name) each), as frames of text,
    `rows` at a time. Several files are one `source`, matched by column name (a column one file lacks
    is null in its rows), each row naming its file in `source_file`."""
    rows = rows or BATCH_ROWS
    names = " + ".join(name for _p, _d, name in files)
    staging = Path(tempfile.mkdtemp(prefix="ccdash-select-"))
    try:
        parts = []
        for i, (path, data, name) in enumerate(files):
            src = Source(path, data, name)
            if src.blank():
                raise IngestError(f"{name}: empty file")
            parts.append(_stage(src, path, data, staging / str(i)))
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"SET memory_limit = {_literal(MEMORY_LIMIT)}")
            con.execute(f"SET temp_directory = {_literal(str(staging / 'spill'))}")
            con.execute(f"SET allowed_directories = [{_literal(str(staging) + '/')}]")
            con.execute("SET enable_external_access = false")
            con.execute("SET autoinstall_known_extensions = false")
            con.execute("SET autoload_known_extensions = false")
            con.execute("SET lock_configuration = true")
            try:
                con.execute("CREATE VIEW source AS " + " UNION ALL BY NAME ".join(parts))
                reader = con.sql(select).to_arrow_reader(rows)
            except duckdb.Error as e:
                raise IngestError(f"{names}: {_duckdb_line(e, staging, files)}") from None
            _refuse_nested(reader.schema, names)
            first_row = 0
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    break
                except duckdb.Error as e:
                    raise IngestError(f"{names}: {_duckdb_line(e, staging, files)}") from None
                if batch.num_rows:
                    yield _as_strings(batch.to_pandas(), names, first_row)
                    first_row += batch.num_rows
            if first_row == 0:
                raise IngestError(f"{names}: the mapping's select gives no rows")
        finally:
            con.close()
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refuse_nested(schema: pa.Schema, names: str) -> None:
    for f in schema:
        if pa.types.is_nested(f.type):
            raise IngestError(
                f"{names}: the mapping's select gives {f.name} as a "
                f"{'list' if pa.types.is_list(f.type) else 'record'}; pick one value from it "
                f"(e.g. {f.name}[1], unnest({f.name}) or {f.name}.field)"
            )


def _duckdb_line(error: Exception, staging: Path, files) -> str:
    """DuckDB's message in one line, the staged copies named by their files' names (never a path)."""
    text = " ".join(re.split(r"\s+LINE \d+:", str(error))[0].split())  # not the SQL's echo
    for i, (_p, _d, name) in enumerate(files):
        for suffix in ("file.json", "file.parquet"):
            text = text.replace(str(staging / str(i) / suffix), name)
    text = text.replace(str(staging), "(staging)")
    return f"the mapping's select failed: {text[:300]}"
