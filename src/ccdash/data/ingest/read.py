"""Reading any supported file (CSV in common encodings and separators, gzipped or not, Parquet, JSON) as
frames of text columns, a batch of rows at a time, so that memory does not grow with the file."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
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

# Bounds on the work one file can ask for, checked while reading, before the memory is spent
# (docs/ingest.md, *Limits*). A real extract is far inside every one of them.
MAX_CELL_BYTES = 16 << 20  # one value (free text is then cut at [ingest] max_text_chars)
MAX_LINE_BYTES = 16 << 20  # one line of a CSV or of JSON lines
BATCH_BYTES = 64 << 20  # a batch ends at BATCH_ROWS rows or at this much text, whichever first
MAX_JSON_BYTES = 64 << 20  # a JSON document read whole (JSON lines are read a line at a time)
MAX_INFLATED_BYTES = 16 << 30  # what a compressed file may expand to
MAX_EXPANSION = 200  # times its compressed size: real CSV compresses 5-20 times, a bomb 1,000
EXPANSION_FREE = 64 << 20  # inflated bytes below which the ratio is not judged

_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes that are not UTF-8, under surrogateescape
REPLACED_NOTE = "bytes that are not UTF-8 replaced by \ufffd"


def _mb(n: int) -> str:
    if n < 1 << 20:
        return f"{n / 1024:,.0f} KB"
    return f"{n / (1 << 20):,.0f} MB" if n < 1 << 30 else f"{n / (1 << 30):,.0f} GB"


class _Inflated(io.RawIOBase):
    """The decompressed bytes of a gzip file, refused (IngestError) as soon as they pass
    MAX_INFLATED_BYTES, or MAX_EXPANSION times the compressed bytes consumed once past
    EXPANSION_FREE: a bomb is stopped after a bounded read, never held."""

    def __init__(self, raw: BinaryIO, name: str):
        self.raw, self.name, self.inflated = raw, name, 0
        self.gz = gzip.GzipFile(fileobj=raw, mode="rb")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.gz.read(len(buffer))
        self.inflated += len(data)
        if self.inflated > MAX_INFLATED_BYTES or (
            self.inflated > EXPANSION_FREE
            and self.inflated > MAX_EXPANSION * max(1, self.raw.tell())
        ):
            raise IngestError(
                f"{self.name}: decompresses to more than {_mb(self.inflated)} from "
                f"{_mb(self.raw.tell())} (over {MAX_EXPANSION} times, or over "
                f"{_mb(MAX_INFLATED_BYTES)}): refused as a compression bomb; nothing was read"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.gz.close()
        self.raw.close()
        super().close()


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
        self.replaced = False  # UTF-8 with a few bytes that are not, read with those replaced
        self.line_ended: bool | None = (
            None  # whether the last byte is a line break (known after encoding())
        )

    def _raw(self) -> BinaryIO:
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")

    def open(self) -> BinaryIO:
        raw = self._raw()
        if not self.gzipped:
            return raw
        return cast(BinaryIO, io.BufferedReader(_Inflated(raw, self.name), 1 << 20))

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
        """UTF-8 when every byte decodes as UTF-8; UTF-8 read with replacement (`replaced`) when the
        file is mostly UTF-8 with a few stray bytes; else Windows-1252 or Latin-1. Binary and UTF-16
        files are refused from their first bytes. One streaming pass (two when not all UTF-8), which
        also learns whether the file ends with a line break."""
        head = self.head
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
            raise IngestError(
                f"{self.name}: unreadable encoding (NUL bytes: UTF-16 or binary?); save it as UTF-8 text"
            )
        text = head.decode("utf-8", errors="ignore")
        controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\r\n\t")
        if controls > max(8, len(text) // 200):
            raise IngestError(
                f"{self.name}: unreadable encoding (control characters: binary file?)"
            )
        decoder = codecs.getincrementaldecoder("utf-8")()
        utf8, last = True, b""
        for chunk in self.chunks():
            last = chunk[-1:]
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        self.line_ended = last in (b"\n", b"\r")
        if utf8:
            try:
                decoder.decode(b"", final=True)
                return "utf-8"
            except UnicodeDecodeError:  # cut inside a character: one stray byte at the end
                pass
        stray, wide = self._utf8_damage()
        if wide >= stray:  # real UTF-8 text around a few stray bytes: never re-decode it whole
            self.replaced = True
            return "utf-8"
        cp1252 = codecs.getincrementaldecoder("cp1252")()
        try:
            for chunk in self.chunks():
                cp1252.decode(chunk)
            cp1252.decode(b"", final=True)
            return "cp1252"
        except UnicodeDecodeError:
            return "latin-1"  # decodes any byte

    def _utf8_damage(self) -> tuple[int, int]:
        """(bytes that are not UTF-8, characters of two or more UTF-8 bytes) in the whole file."""
        decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
        stray = wide = 0
        for chunk in self.chunks():
            text = decoder.decode(chunk)
            bad = len(_ESCAPED.findall(text))
            stray += bad
            wide += len(text) - len(text.encode("ascii", errors="ignore")) - bad
        tail = decoder.decode(b"", final=True)
        return stray + len(_ESCAPED.findall(tail)), wide

    def text_errors(self) -> str:
        return "replace" if self.replaced else "strict"

    def text(self, encoding: str) -> io.TextIOWrapper:
        """The file as text, line endings kept (the csv module wants them), a BOM dropped, stray bytes
        replaced when the file is `replaced` UTF-8."""
        return io.TextIOWrapper(
            self.open(),
            encoding="utf-8-sig" if encoding == "utf-8" else encoding,
            errors=self.text_errors(),
            newline="",
        )


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
        head = src.head.decode(encoding, errors="ignore").lstrip("\ufeff").lstrip()
        lines = _json_lines(head)
        document = not lines and (src.suffix.endswith(".json") or head[:1] in ("[", "{"))
        if lines:
            batches = _json_lines_batches(src, encoding, rows)
        elif document:
            batches = _json(src, encoding, rows)
        else:
            batches = _csv(src, encoding, rows, python_csv or src.replaced)
        if not document and not src.line_ended:  # a JSON document's end is its closing bracket
            raise IngestError(
                f"{src.name}: the file does not end with a line break, so its last row may be cut "
                f"off (still being written?); if it is complete, end it with a line break"
            )
    n = 0
    for df in batches:
        n += len(df)
        if src.replaced:
            _note_replaced(df)
        yield df
    if n == 0:
        raise IngestError(f"{src.name}: no rows")


def _note_replaced(df: pd.DataFrame) -> None:
    """Counts the rows of a batch where a stray byte was replaced (the report says how many)."""
    hit = np.zeros(len(df), dtype=bool)
    for c in df.columns:
        hit |= df[c].str.contains("\ufffd", regex=False).fillna(False).to_numpy(dtype=bool)
    if hit.any():
        df.attrs["notes"] = {REPLACED_NOTE: int(hit.sum())}


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
        _parquet_bounds(src, f.metadata)
        first_row = 0
        for batch in f.iter_batches(batch_size=rows):
            yield _as_strings(batch.to_pandas(), src.name, first_row)
            first_row += batch.num_rows
    except (pa.ArrowInvalid, OSError) as e:
        raise IngestError(
            f"{src.name}: not a readable Parquet file ({str(e).splitlines()[0]})"
        ) from None


def _parquet_bounds(src: Source, meta: pq.FileMetaData) -> None:
    """A column that expands past MAX_EXPANSION times its stored bytes (and past EXPANSION_FREE) is a
    bomb, known from the footer before a page is read."""
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for c in range(group.num_columns):
            col = group.column(c)
            size, stored = col.total_uncompressed_size, max(1, col.total_compressed_size)
            if size > MAX_INFLATED_BYTES or (
                size > EXPANSION_FREE and size > MAX_EXPANSION * stored
            ):
                raise IngestError(
                    f"{src.name}: column {col.path_in_schema} expands to {_mb(size)} from "
                    f"{_mb(stored)}: refused as a compression bomb; nothing was read"
                )


def _json_lines(head: str) -> bool:
    """Whether the file is JSON lines: a whole object on its first line and another object after."""
    first, _, rest = head.partition("\n")
    if not first.strip().startswith("{") or not rest.lstrip().startswith("{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except json.JSONDecodeError:
        return False


def _json(src: Source, encoding: str, rows: int) -> Iterator[pd.DataFrame]:
    """A JSON document is read whole (the standard library has no streaming form), up to
    MAX_JSON_BYTES; JSON lines are read a line at a time."""
    parts, size = [], 0
    for chunk in src.chunks(1 << 20):
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise IngestError(
                f"{src.name}: a JSON document over {_mb(MAX_JSON_BYTES)} (the limit for one read "
                f"whole); give it as JSON lines (one object a line), CSV or Parquet"
            )
        parts.append(chunk)
    text = b"".join(parts).decode(encoding, errors=src.text_errors())
    del parts
    try:
        raw = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as e:
        raise IngestError(f"{src.name}: not valid JSON ({e.msg} at line {e.lineno})") from None
    except RecursionError:
        raise IngestError(f"{src.name}: not a table (JSON nested too deep)") from None
    del text
    if isinstance(raw, dict):
        lists = [v for v in raw.values() if isinstance(v, list)]
        raw = lists[0] if len(lists) == 1 else raw
    if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
        raise IngestError(f"{src.name}: not a table (JSON must be an array of objects)")
    for i in range(0, len(raw), rows):
        yield _records(src, raw[i : i + rows], i)


def _json_lines_batches(src: Source, encoding: str, rows: int) -> Iterator[pd.DataFrame]:
    """JSON lines, a batch of objects at a time; a line that is not an object is refused by number."""
    with src.text(encoding) as text:
        records: list[dict] = []
        first = size = 0
        for number, line in enumerate(_bounded_lines(src, text), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                record = None
            if not isinstance(record, dict):
                raise IngestError(f"{src.name}: line {number:,} is not a JSON object")
            records.append(record)
            size += len(line)
            if len(records) == rows or size >= BATCH_BYTES:
                yield _records(src, records, first)
                first += len(records)
                records, size = [], 0
        if records:
            yield _records(src, records, first)


def _records(src: Source, records: list, first_row: int) -> pd.DataFrame:
    """Objects as a frame of text; a nested object or list is kept as its JSON text."""
    df = pd.DataFrame.from_records(records)
    for c in df.columns:
        if df[c].dtype == object:
            nested = df[c].map(lambda v: isinstance(v, (dict, list)))
            if nested.any():
                df[c] = df[c].where(~nested, df[c][nested].map(json.dumps))
    return _as_strings(df, src.name, first_row)


def _bounded_lines(src: Source, text: io.TextIOWrapper) -> Iterator[str]:
    """The lines of a text stream, refusing one longer than MAX_LINE_BYTES before it is held whole."""
    number = 0
    while line := src._guard(lambda: text.readline(MAX_LINE_BYTES + 1)):
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise IngestError(
                f"{src.name}: line {number:,} is longer than {_mb(MAX_LINE_BYTES)} (the limit for "
                f"one line: a damaged file, or not a table)"
            )
        yield line


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
    """Trim and turn blanks into nulls in Arrow, column by column (pandas' .str is 10x slower). No
    value here is longer than a block: a longer one sent the file to the csv module, which bounds it."""
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
    csv.field_size_limit(MAX_CELL_BYTES)  # a longer cell is refused (csv.Error), not held
    width = len(header)
    with src.text(encoding) as text:
        reader = csv.reader(_bounded_lines(src, text), delimiter=sep, skipinitialspace=True)
        try:
            while not any(f.strip() for f in src._guard(lambda: next(reader))):
                pass  # blank lines, then the header (checked by _header)
            records, counts = [], []
            first_row = size = 0
            while True:
                r = src._guard(lambda: next(reader, None))
                if r is not None and any(f.strip() for f in r):
                    records.append(r)
                    counts.append(len(r))
                    size += sum(map(len, r))
                if records and (r is None or len(records) >= rows or size >= BATCH_BYTES):
                    df = pd.DataFrame(
                        [(x + [""] * width)[:width] for x in records], columns=header, dtype=object
                    )
                    out = _as_strings(df, src.name, first_row)
                    first_row += len(records)
                    out.attrs["field_counts"] = np.array(counts, dtype=np.int64)
                    yield out
                    records, counts, size = [], [], 0
                if r is None:
                    return
        except csv.Error as e:
            if "field limit" in str(e):
                raise IngestError(
                    f"{src.name}: a value in row {first_row + len(records) + 1:,} is longer than "
                    f"{_mb(MAX_CELL_BYTES)} (the limit for one value); nothing was written"
                ) from None
            raise IngestError(f"{src.name}: not a readable CSV ({e})") from None


def _as_strings(df: pd.DataFrame, name: str, first_row: int = 0) -> pd.DataFrame:
    """Every column as trimmed text, with empty cells as missing (vectorised). Refuses a column named
    twice and a value longer than MAX_CELL_BYTES."""
    names = [str(c).strip() for c in df.columns]
    if len(set(names)) != len(names):
        dup = sorted({n for n in names if names.count(n) > 1})
        raise IngestError(f"{name}: a column is named twice ({', '.join(dup)})")
    out = {}
    for i, c in enumerate(names):
        s = df.iloc[:, i]
        if isinstance(s.dtype, pd.DatetimeTZDtype):  # an instant: written with its offset, kept
            s = s.dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        elif pd.api.types.is_datetime64_any_dtype(s):  # a wall time
            s = s.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif not isinstance(s.dtype, pd.StringDtype):
            s = s.astype(object).where(s.notna(), None).astype("string")
        s = s.str.strip()
        longest = s.str.len().max()
        if pd.notna(longest) and longest > MAX_CELL_BYTES // 4:  # characters of up to 4 bytes
            nbytes = s.map(lambda v: len(v.encode("utf-8", "replace")), na_action="ignore")
            over = np.flatnonzero(nbytes.fillna(0).to_numpy() > MAX_CELL_BYTES)
            if len(over):
                raise IngestError(
                    f"{name}: the value of {c} in row {first_row + int(over[0]) + 1:,} is longer "
                    f"than {_mb(MAX_CELL_BYTES)} (the limit for one value); nothing was written"
                )
        out[c] = s.mask(s == "")
    return pd.DataFrame(out, index=range(len(df)))
