"""Reading any supported file (CSV in common encodings and separators, Parquet, JSON) as text columns."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from .errors import IngestError


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data[:65536]:
        raise IngestError(f"{name}: unreadable encoding (NUL bytes: UTF-16 or binary?); save it as UTF-8 text")
    for enc in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
        if controls > max(8, len(text[:65536]) // 200):
            raise IngestError(f"{name}: unreadable encoding (control characters: binary file?)")
        return text, enc
    raise IngestError(f"{name}: unreadable encoding")  # pragma: no cover - latin-1 decodes anything


def read_table(path: Path | str, data: bytes | None = None, name: str | None = None) -> pd.DataFrame:
    """Any supported file as a DataFrame of strings (None for empty cells)."""
    path = Path(path)
    name = name or path.name
    if data is None:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise IngestError(f"{name}: file not found") from None
        except IsADirectoryError:
            raise IngestError(f"{name}: is a folder, not a file") from None
    suffix = name.lower()
    if data[:2] == b"\x1f\x8b":  # gzip, whatever the name says
        try:
            data = gzip.decompress(data)
        except (EOFError, gzip.BadGzipFile, zlib.error) as e:
            raise IngestError(f"{name}: a damaged or truncated gzip file ({e}); nothing was read") from None
        suffix = suffix.removesuffix(".gz")
    if not data[:65536].strip() and not data.strip():  # the whole file only when its head is blank
        raise IngestError(f"{name}: empty file")
    if data[:4] == b"PAR1" or suffix.endswith(".parquet"):
        try:
            table = pq.read_table(io.BytesIO(data))
        except (pa.ArrowInvalid, OSError) as e:
            raise IngestError(f"{name}: not a readable Parquet file ({str(e).splitlines()[0]})") from None
        df = table.to_pandas()
    else:
        text, encoding = _decode(data, name)
        head = text.lstrip()[:1]
        if suffix.endswith(".json") or head in ("[", "{"):
            df = _read_json(text, name)
        else:
            # UTF-8 input goes to the parser as it is; other encodings as re-encoded text.
            utf8 = (data[3:] if data.startswith(b"\xef\xbb\xbf") else data) if encoding == "utf-8-sig" \
                else text.encode("utf-8")
            df = _read_csv(text, name, utf8)
    if df.shape[1] == 0 or len(df) == 0:
        raise IngestError(f"{name}: no rows")
    df.columns = [str(c).strip() for c in df.columns]
    if df.attrs.get("clean"):
        return df
    out = _as_strings(df)
    out.attrs["field_counts"] = df.attrs.get("field_counts")
    return out


def _read_json(text: str, name: str) -> pd.DataFrame:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise IngestError(f"{name}: not valid JSON ({e.msg} at line {e.lineno})") from None
    if isinstance(raw, dict):
        lists = [v for v in raw.values() if isinstance(v, list)]
        raw = lists[0] if len(lists) == 1 else raw
    if not isinstance(raw, list) or not raw or not all(isinstance(r, dict) for r in raw):
        raise IngestError(f"{name}: not a table (JSON must be an array of objects)")
    return pd.DataFrame.from_records(raw)


def _read_csv(text: str, name: str, data: bytes) -> pd.DataFrame:
    first = next((ln for ln in text[:65536].splitlines() if ln.strip()), "")
    sep = max((",", ";", "\t", "|"), key=first.count)
    if first.count(sep) == 0:
        raise IngestError(f"{name}: not a table (no comma, semicolon or tab in the header line)")
    parse = pacsv.ParseOptions(delimiter=sep, newlines_in_values=True)
    try:
        # The streaming reader parses only the first block: enough for the column names.
        header = pacsv.open_csv(io.BytesIO(data), parse_options=parse).schema.names
        if len(set(header)) != len(header) or any(not h.strip() for h in header):
            raise pa.ArrowInvalid("duplicate or empty column names")
        # Arrow's parser (quoted newlines included): every column as text, empty cells as null.
        table = pacsv.read_csv(
            io.BytesIO(data), parse_options=parse,
            convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                 strings_can_be_null=True, null_values=[""]))
        # Trim and turn blanks into nulls in Arrow, column by column (pandas' .str is 10x slower).
        cols = []
        for col in table.columns:
            col = pa.compute.utf8_trim_whitespace(col)
            cols.append(pa.compute.if_else(pa.compute.equal(col, ""), pa.scalar(None, pa.string()), col))
        table = pa.table(cols, names=header)
        df = table.to_pandas(types_mapper={pa.string(): pd.StringDtype()}.get)
        df.attrs["clean"] = True
    except pa.ArrowInvalid:
        df = _read_ragged_csv(text, name, sep)
    unnamed = sum(1 for c in df.columns if str(c).startswith("Unnamed:") or not str(c).strip())
    if unnamed * 2 >= df.shape[1]:
        raise IngestError(f"{name}: not a table (the header line has {unnamed} empty column names of {df.shape[1]})")
    return df


def _read_ragged_csv(text: str, name: str, sep: str) -> pd.DataFrame:
    """Files whose rows do not all have the header's number of fields. Every row is kept, padded or cut to
    the header, and its field count goes along (attrs["field_counts"]) so that ingest rejects it with
    that reason instead of reading values under the wrong columns."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text)))  # one huge cell is a value, not an error
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=sep, skipinitialspace=True)
                   if any(f.strip() for f in r)]
    except csv.Error as e:
        raise IngestError(f"{name}: not a readable CSV ({e})") from None
    if not records:
        raise IngestError(f"{name}: no rows")
    header, rows = [h.strip() for h in records[0]], records[1:]
    if len(set(header)) != len(header):
        dup = sorted({h for h in header if header.count(h) > 1})
        raise IngestError(f"{name}: the header names a column twice ({', '.join(dup)})")
    width = len(header)
    counts = np.array([len(r) for r in rows], dtype=np.int64)
    df = pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=header, dtype=object)
    df.attrs["field_counts"] = counts
    return df


def _as_strings(df: pd.DataFrame) -> pd.DataFrame:
    """Every column as trimmed text, with empty cells as missing (vectorised)."""
    out = {}
    for c in df.columns:
        s = df[c]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif not isinstance(s.dtype, pd.StringDtype):
            s = s.astype(object).where(s.notna(), None).astype("string")
        s = s.str.strip()
        out[c] = s.mask(s == "")
    return pd.DataFrame(out, index=range(len(df)))
