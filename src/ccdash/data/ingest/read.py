"""Reading any supported file (CSV in common encodings and separators, gzipped or not, Parquet, JSON) as
frames of text columns, a batch of rows at a time, so that memory does not grow with the file."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import IngestError

BATCH_ROWS = 100_000  # rows a batch holds: ~25 MB of text at the size of a typical complaint row
BLOCK_BYTES = (
    4 << 20
)  # Arrow's CSV block; a row longer than this is read by Python's csv module instead
HEAD_BYTES = 65_536
GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


class ReadAgain(Exception):
    """Arrow's CSV reader failed after some batches were handed out (a ragged row, a row longer than a
    block): the file must be read again from the start by Python's csv module."""


class Source:
    """A file on disk or bytes in memory: fresh streams of its (decompressed) bytes and its first bytes."""

    def __init__(self, path: Path | str, data: bytes | None = None, name: str | None = None):
        self.path, self.data = Path(path), data
        self.name = name or self.path.name
        try:
            with self._raw() as fh:
                magic = fh.read(2)
        except FileNotFoundError:
            raise IngestError(f"{self.name}: file not found") from None
        except IsADirectoryError:
            raise IngestError(f"{self.name}: is a folder, not a file") from None
        self.gzipped = magic == b"\x1f\x8b"  # whatever the name says
        self.suffix = self.name.lower().removesuffix(".gz") if self.gzipped else self.name.lower()
        with self.open() as fh:
            self.head = self._guard(lambda: fh.read(HEAD_BYTES))

    def _raw(self) -> BinaryIO:
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")

    def open(self) -> BinaryIO:
        raw = self._raw()
        return cast(BinaryIO, gzip.GzipFile(fileobj=raw, mode="rb")) if self.gzipped else raw

    def _guard(self, read):
        try:
            return read()
        except GZIP_ERRORS as e:
            raise IngestError(
                f"{self.name}: a damaged or truncated gzip file ({e}); nothing was read"
            ) from None

    def chunks(self, size: int = 16 << 20) -> Iterator[bytes]:
        with self.open() as fh:
            while chunk := self._guard(lambda: fh.read(size)):
                yield chunk

    def blank(self) -> bool:
        """Whether the file holds nothing but white space (read whole only when its head is blank)."""
        return not self.head.strip() and all(not c.strip() for c in self.chunks())

    def encoding(self) -> str:
        """UTF-8 when every byte of the file decodes as UTF-8 (one streaming pass), else Windows-1252 or
        Latin-1; binary and UTF-16 files are refused from their first bytes."""
        head = self.head
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
            raise IngestError(
                f"{self.name}: unreadable encoding (NUL bytes: UTF-16 or binary?); save it as UTF-8 text"
            )
        for enc in ("utf-8-sig", "cp1252", "latin-1"):
            decoder = codecs.getincrementaldecoder(enc)()
            try:
                for chunk in self.chunks():
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
            text = head.decode(enc, errors="ignore")
            controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
            if controls > max(8, len(text) // 200):
                raise IngestError(
                    f"{self.name}: unreadable encoding (control characters: binary file?)"
                )
            return "utf-8" if enc == "utf-8-sig" else enc
        raise IngestError(
            f"{self.name}: unreadable encoding"
        )  # pragma: no cover - latin-1 decodes anything


def read_batches(
    path: Path | str,
    data: bytes | None = None,
    name: str | None = None,
    python_csv: bool = False,
    rows: int | None = None,
) -> Iterator[pd.DataFrame]:
    """Any supported file as DataFrames of strings (None for empty cells), `rows` rows at a time.

    Unusable files raise IngestError with one line, from the first batch where that can be known. A CSV is
    read by Arrow's streaming parser; a row it cannot read (ragged, or longer than a block) sends the file
    to Python's csv module, which keeps every row with its field count in attrs["field_counts"].
    """
    rows = rows or BATCH_ROWS
    src = Source(path, data, name)
    if src.blank():
        raise IngestError(f"{src.name}: empty file")
    if src.head[:4] == b"PAR1" or src.suffix.endswith(".parquet"):
        batches = _parquet(src, rows)
    else:
        encoding = src.encoding()
        head = src.head.decode(encoding, errors="ignore").lstrip("\ufeff").lstrip()[:1]
        if src.suffix.endswith(".json") or head in ("[", "{"):
            batches = _json(src, encoding, rows)
        else:
            batches = _csv(src, encoding, rows, python_csv)
    n = 0
    for df in batches:
        n += len(df)
        yield df
    if n == 0:
        raise IngestError(f"{src.name}: no rows")


def read_table(
    path: Path | str, data: bytes | None = None, name: str | None = None
) -> pd.DataFrame:
    """The whole file as one frame of strings (small files; ingest reads in batches)."""
    try:
        parts = list(read_batches(path, data, name))
    except ReadAgain:
        parts = list(read_batches(path, data, name, python_csv=True))
    counts = [p.attrs.get("field_counts") for p in parts]
    out = pd.concat(parts, ignore_index=True)
    out.attrs["field_counts"] = (
        np.concatenate(counts) if all(c is not None for c in counts) else None
    )
    return out


def _parquet(src: Source, rows: int) -> Iterator[pd.DataFrame]:
    try:
        f = pq.ParquetFile(
            src.open()
            if src.gzipped
            else (io.BytesIO(src.data) if src.data is not None else src.path)
        )
        for batch in f.iter_batches(batch_size=rows):
            yield _as_strings(batch.to_pandas())
    except (pa.ArrowInvalid, OSError) as e:
        raise IngestError(
            f"{src.name}: not a readable Parquet file ({str(e).splitlines()[0]})"
        ) from None


def _json(src: Source, encoding: str, rows: int) -> Iterator[pd.DataFrame]:
    """JSON is read whole: an array of objects has no streaming form in the standard library."""
    text = b"".join(src.chunks()).decode(encoding)
    try:
        raw = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as e:
        raise IngestError(f"{src.name}: not valid JSON ({e.msg} at line {e.lineno})") from None
    del text
    if isinstance(raw, dict):
        lists = [v for v in raw.values() if isinstance(v, list)]
        raw = lists[0] if len(lists) == 1 else raw
    if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
        raise IngestError(f"{src.name}: not a table (JSON must be an array of objects)")
    for i in range(0, len(raw), rows):
        yield _as_strings(pd.DataFrame.from_records(raw[i : i + rows]))


SEPARATORS = (",", ";", "\t", "|")  # ties go to the first


def _field_count(line: str, sep: str) -> int:
    """How many fields `line` has with this separator, quotes respected: `"Tanggal, Jam";Kategori` is
    two fields with a semicolon and not three with a comma."""
    return len(next(csv.reader([line], delimiter=sep, skipinitialspace=True), []))


def _header(src: Source, encoding: str) -> tuple[str, list[str], int]:
    """The separator, the column names (checked: a table has a separator and mostly named columns) and
    the number of lines before the data."""
    text = src.head.decode(encoding, errors="ignore").lstrip("\ufeff")
    lines = text.splitlines()
    at = next((i for i, ln in enumerate(lines) if ln.strip()), 0)
    first = lines[at] if lines else ""
    if len(src.head) == HEAD_BYTES and at == len(lines) - 1 and not text.endswith(("\n", "\r")):
        # The first HEAD_BYTES hold no line break after the header: it is cut, and whatever it
        # seemed to say (a column named twice, an empty name) would be about a fragment.
        raise IngestError(
            f"{src.name}: the header line is longer than {HEAD_BYTES // 1024} KB "
            f"(not a table, or a header of thousands of columns)"
        )
    sep = max(SEPARATORS, key=lambda candidate: _field_count(first, candidate))
    if _field_count(first, sep) < 2:
        raise IngestError(
            f"{src.name}: not a table (no comma, semicolon or tab in the header line)"
        )
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep, skipinitialspace=True))]
    unnamed = sum(1 for h in header if not h)
    if unnamed * 2 >= len(header):
        raise IngestError(
            f"{src.name}: not a table (the header line has {unnamed} empty column names of {len(header)})"
        )
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise IngestError(f"{src.name}: the header names a column twice ({', '.join(dup)})")
    return sep, header, at + 1


def _csv(src: Source, encoding: str, rows: int, python_csv: bool) -> Iterator[pd.DataFrame]:
    sep, header, skip = _header(src, encoding)
    if python_csv or not all(header):
        yield from _python_csv(src, encoding, sep, header, rows)
        return
    parse = pacsv.ParseOptions(delimiter=sep, newlines_in_values=True)
    names = [f"c{i}" for i in range(len(header))]  # the checked header's names replace Arrow's own
    read = pacsv.ReadOptions(
        block_size=BLOCK_BYTES, encoding=encoding, column_names=names, skip_rows=skip
    )
    convert = pacsv.ConvertOptions(
        column_types={c: pa.string() for c in names}, strings_can_be_null=True, null_values=[""]
    )
    handed_out = False
    fh = src.open()
    try:
        if src.head.startswith(b"\xef\xbb\xbf"):
            fh.read(3)
        reader = pacsv.open_csv(fh, read_options=read, parse_options=parse, convert_options=convert)
        pending, n = [], 0
        for batch in _guarded(src, reader):
            pending.append(batch)
            n += batch.num_rows
            if n >= rows:
                whole = pa.Table.from_batches(pending)
                for at in range(0, n - rows + 1, rows):
                    yield _arrow_strings(whole.slice(at, rows), header)
                    handed_out = True
                rest = whole.slice(n - n % rows)
                pending, n = rest.to_batches(), rest.num_rows
        if n:
            yield _arrow_strings(pa.Table.from_batches(pending, schema=reader.schema), header)
    except pa.ArrowInvalid:
        if handed_out:
            raise ReadAgain() from None
        yield from _python_csv(src, encoding, sep, header, rows)
    finally:
        fh.close()


def _guarded(src: Source, reader) -> Iterator[pa.RecordBatch]:
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            return
        except GZIP_ERRORS as e:
            raise IngestError(
                f"{src.name}: a damaged or truncated gzip file ({e}); nothing was read"
            ) from None
        if batch.num_rows:
            yield batch


def _arrow_strings(table: pa.Table, header: list[str]) -> pd.DataFrame:
    """Trim and turn blanks into nulls in Arrow, column by column (pandas' .str is 10x slower)."""
    cols = []
    for col in table.columns:
        col = pa.compute.utf8_trim_whitespace(col)
        cols.append(
            pa.compute.if_else(pa.compute.equal(col, ""), pa.scalar(None, pa.string()), col)
        )
    # Rows of nothing but separators are not rows.
    table = pa.table(cols, names=header)
    empty = None
    for col in table.columns:
        empty = (
            pa.compute.is_null(col)
            if empty is None
            else pa.compute.and_(empty, pa.compute.is_null(col))
        )
    if pa.compute.any(empty).as_py():
        table = table.filter(pa.compute.invert(empty))
    return table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)


def _python_csv(
    src: Source, encoding: str, sep: str, header: list[str], rows: int
) -> Iterator[pd.DataFrame]:
    """Rows that do not all have the header's number of fields, or one huge cell. Every row is kept, padded
    or cut to the header, with its field count (attrs["field_counts"]) so that ingest rejects it for that
    reason instead of reading values under the wrong columns."""
    csv.field_size_limit(2**31 - 1)  # one huge cell is a value, not an error
    width = len(header)
    with src.open() as fh:
        text = io.TextIOWrapper(
            fh, encoding="utf-8-sig" if encoding == "utf-8" else encoding, newline=""
        )
        reader = csv.reader(text, delimiter=sep, skipinitialspace=True)
        try:
            while not any(f.strip() for f in src._guard(lambda: next(reader))):
                pass  # blank lines, then the header (checked by _header)
            records, counts = [], []
            while True:
                r = src._guard(lambda: next(reader, None))
                if r is not None and any(f.strip() for f in r):
                    records.append(r)
                    counts.append(len(r))
                if records and (r is None or len(records) >= rows):
                    df = pd.DataFrame(
                        [(x + [""] * width)[:width] for x in records], columns=header, dtype=object
                    )
                    out = _as_strings(df)
                    out.attrs["field_counts"] = np.array(counts, dtype=np.int64)
                    yield out
                    records, counts = [], []
                if r is None:
                    return
        except csv.Error as e:
            raise IngestError(f"{src.name}: not a readable CSV ({e})") from None


def _as_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as trimmed text, with empty cells as missing (vectorised)."""
    out = {}
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.DatetimeTZDtype):  # an instant: written with its offset, kept
            s = s.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        elif pd.api.types.is_datetime64_any_dtype(s):  # a wall time
            s = s.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif not isinstance(s.dtype, pd.StringDtype):
            s = s.astype(object).where(s.notna(), None).astype("string")
        s = s.str.strip()
        out[str(c).strip()] = s.mask(s == "")
    return pd.DataFrame(out, index=range(len(df)))
