"""Ingestion: read -> map -> validate -> enrich -> write atomically.

Unusable input raises IngestError with one line naming the problem, before anything is written.
Row-level problems reject the row (with a reason, to a rejects file) and keep the rest.
"""

from __future__ import annotations

import io
import json
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from . import geo
from .extracts import extract_path, write_csv_atomic, write_parquet_atomic, write_text_atomic
from .profile import Profile
from .schema import H3_RESOLUTIONS, KINDS, TABLES, Table

# Columns a source may leave out because ingest can derive them.
DERIVABLE = {
    "complaints": {"due_at", "agency", "kecamatan"},
    "cctv_sites": {"kecamatan", "view_radius_m"},
    "wifi_points": {"kecamatan", "coverage_radius_m"},
    "wifi_usage": set(),
}
FUTURE_TOLERANCE = timedelta(minutes=10)  # clocks of source systems drift a little


class IngestError(Exception):
    """Input that cannot be ingested at all; the message is one line for the user."""


@dataclass
class Mapping:
    """How a foreign extract becomes canonical: column renames, value maps, patterns, dates."""

    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # canonical column -> {source: canonical}
    patterns: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {regex: canonical}
    constants: dict[str, object] = field(default_factory=dict)  # canonical column -> fixed value
    date_format: str | None = None  # strftime format of every date column
    date_formats: dict[str, str] = field(default_factory=dict)  # per column
    timezone: str | None = None  # zone of naive source times, when not the city's

    @classmethod
    def load(cls, path: Path | str) -> "Mapping":
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IngestError(f"mapping file not found: {path}") from None
        except tomllib.TOMLDecodeError as e:
            raise IngestError(f"mapping file {path} is not valid TOML: {e}") from None
        dates = raw.get("dates", {})
        return cls(
            columns={k: str(v) for k, v in raw.get("columns", {}).items()},
            values={k: {str(a): str(b) for a, b in v.items()} for k, v in raw.get("values", {}).items()},
            patterns={k: dict(v) for k, v in raw.get("patterns", {}).items()},
            constants=dict(raw.get("constants", {})),
            date_format=dates.get("format"),
            date_formats={k: v for k, v in dates.get("columns", {}).items()},
            timezone=dates.get("timezone"),
        )


@dataclass
class Report:
    kind: str
    table: str
    source: str
    rows_read: int
    accepted: int
    rejected: int
    stored_rows: int
    target: Path
    rejects_file: Path | None
    reasons: dict[str, int]

    def lines(self) -> list[str]:
        out = [f"{self.source}: {self.rows_read:,} rows read, {self.accepted:,} accepted, {self.rejected:,} rejected",
               f"{self.table}: {self.stored_rows:,} rows stored in {self.target}"]
        if self.rejects_file:
            out.append(f"rejected rows with their reasons: {self.rejects_file}")
            for reason, n in sorted(self.reasons.items(), key=lambda kv: -kv[1])[:10]:
                out.append(f"  {n:>7,}  {reason}")
        return out


# --- reading ----------------------------------------------------------------------------------

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
    if not data[:65536].strip() and not data.strip():  # the whole file only when its head is blank
        raise IngestError(f"{name}: empty file")
    suffix = name.lower()
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
    return df if df.attrs.get("clean") else _as_strings(df)


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
        # Ragged or odd files: pandas' parser is more forgiving and says where it breaks.
        try:
            df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_values=[],
                             skipinitialspace=True)
        except (pd.errors.ParserError, ValueError) as e:
            raise IngestError(f"{name}: not a readable CSV ({str(e).splitlines()[0]})") from None
    unnamed = sum(1 for c in df.columns if str(c).startswith("Unnamed:") or not str(c).strip())
    if unnamed * 2 >= df.shape[1]:
        raise IngestError(f"{name}: not a table (the header line has {unnamed} empty column names of {df.shape[1]})")
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


# --- mapping and validation -------------------------------------------------------------------

def apply_mapping(df: pd.DataFrame, table: Table, mapping: Mapping | None) -> pd.DataFrame:
    """Rename and recode a source frame into canonical columns (still strings)."""
    mapping = mapping or Mapping()
    out = pd.DataFrame(index=df.index)
    for col in table.names:
        source = mapping.columns.get(col, col)
        if source in df.columns:
            out[col] = df[source]
    for col, value in mapping.constants.items():
        if col in table.names:
            out[col] = None if value == "" else str(value)
    for col, pats in mapping.patterns.items():
        if col in out:
            compiled = [(re.compile(rx), v) for rx, v in pats.items()]
            out[col] = [next((v for rx, v in compiled if x is not None and rx.search(x)), x) for x in out[col]]
    for col, vmap in mapping.values.items():
        if col in out:
            out[col] = [None if x is None else (vmap.get(x, x) or None) for x in out[col]]
    missing = [c for c in table.required if c not in out and c not in DERIVABLE[table.name]]
    if missing:
        have = ", ".join(list(df.columns)[:12]) + (", ..." if df.shape[1] > 12 else "")
        raise IngestError(f"required column(s) missing: {', '.join(missing)} (the file has: {have}); "
                          f"map them with --mapping")
    for col in table.names:
        if col not in out:
            out[col] = None
    return out[table.names]


def _naive_local(t: pd.Series, tz_from: str | None, tz_city: str) -> pd.Series:
    """Timestamps as naive city-local time (the stored convention)."""
    if getattr(t.dt, "tz", None) is not None:
        return t.dt.tz_convert(ZoneInfo(tz_city)).dt.tz_localize(None)
    if tz_from and tz_from != tz_city:
        return t.dt.tz_localize(ZoneInfo(tz_from), ambiguous="NaT", nonexistent="NaT") \
                .dt.tz_convert(ZoneInfo(tz_city)).dt.tz_localize(None)
    return t


def _to_datetime(s: pd.Series, **kw) -> pd.Series:
    try:
        return pd.to_datetime(s, errors="coerce", **kw)
    except (ValueError, TypeError):  # offsets that differ from row to row
        return pd.to_datetime(s, errors="coerce", utc=True, **kw)


def _parse_times(values: pd.Series, fmt: str | None, tz_from: str | None, tz_city: str) -> pd.Series:
    s = values.astype(object)
    parsed = _naive_local(_to_datetime(s, format=fmt or "ISO8601"), tz_from, tz_city).astype("datetime64[us]")
    retry = (parsed.isna() & s.notna()).to_numpy()
    if not fmt and retry.any():  # a second chance for local day-first forms (31/12/2025 08:00)
        alt = _naive_local(_to_datetime(s[retry], format="mixed", dayfirst=True), tz_from, tz_city)
        parsed[retry] = alt.astype("datetime64[us]")
    return parsed


def _lookup(values: pd.Series, table: dict) -> pd.Series:
    """values.map(table), through the few distinct values a code column has (much faster)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = np.array([table.get(u) for u in uniques] + [None], dtype=object)
    return pd.Series(mapped[codes], index=values.index)


def _fast_cast(s: pd.Series, to: pa.DataType) -> pd.Series | None:
    """Arrow's C++ cast of a whole text column, or None when any value needs the slow, forgiving path."""
    try:
        arr = pa.array(s, type=pa.string(), from_pandas=True)
        out = pa.compute.cast(arr, to).to_pandas()
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    out.index = s.index
    if to == pa.float64():
        return out.astype("float64")
    return pd.Series(out.to_numpy(dtype="datetime64[us]"), index=s.index)


def _says(prefix: str, values: pd.Series, sep: str = ": "):
    """A message maker for _Reasons.add: the prefix and each offending value, quoted."""
    return lambda mask: [f"{prefix}{sep}{str(v)!r}" for v in values.to_numpy(dtype=object)[mask]]


class _Reasons:
    """The first reason each row is rejected for."""

    def __init__(self, n: int):
        self.reason = np.full(n, None, dtype=object)
        self.ok = np.ones(n, dtype=bool)

    def add(self, mask, message) -> None:
        """Reject rows under mask; message is a string or a function of the values of those rows."""
        mask = np.asarray(mask, dtype=bool) & self.ok
        if not mask.any():
            return
        self.reason[mask] = message if isinstance(message, str) else message(mask)
        self.ok &= ~mask


def validate(df: pd.DataFrame, table: Table, profile: Profile, mapping: Mapping | None, now: datetime,
             existing_ids: set | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Typed canonical rows and, per row, the reason it is rejected (None when accepted)."""
    mapping = mapping or Mapping()
    n = len(df)
    bad = _Reasons(n)
    out = pd.DataFrame(index=df.index)
    raw = df
    for col in table.columns:
        s = raw[col.name]
        present = s.notna().to_numpy()
        if col.type == "float" or col.type == "int":
            num = _fast_cast(s, pa.float64())
            if num is None:
                num = pd.to_numeric(s, errors="coerce")
            bad.add(present & num.isna().to_numpy(), _says(f"{col.name} is not a number", s))
            if col.type == "int":
                bad.add(present & num.notna().to_numpy() & (num % 1 != 0).to_numpy(), f"{col.name} is not a whole number")
                num = num.round().astype("Int64")
            out[col.name] = num
        elif col.type in ("timestamp", "date"):
            fmt = mapping.date_formats.get(col.name, mapping.date_format)
            t = None
            if not fmt and not mapping.timezone:
                t = _fast_cast(s, pa.timestamp("us"))  # plain ISO local times, the common case
            if t is None:
                t = _parse_times(s, fmt, mapping.timezone, profile.timezone)
            bad.add(present & t.isna().to_numpy(), _says(f"{col.name} is not a date", s))
            out[col.name] = t.dt.date if col.type == "date" else t
        else:
            out[col.name] = s
    # Derive what a source may leave out.
    name = table.name
    if name == "complaints":
        cat = out["category"]
        agency = _lookup(cat, {c: k.agency for c, k in profile.categories.items()})
        out["agency"] = out["agency"].where(out["agency"].notna(), agency)
        sla = _lookup(cat, {c: k.sla_days for c, k in profile.categories.items()}).astype(float)
        sla = sla.fillna(profile.sla_default_days)
        out["due_at"] = out["due_at"].where(out["due_at"].notna(),
                                            out["created_at"] + pd.to_timedelta(sla * 86400, unit="s"))
        out["due_at"] = out["due_at"].astype("datetime64[us]")
    if name == "cctv_sites":
        out["view_radius_m"] = out["view_radius_m"].fillna(profile.cctv_default_view_radius_m)
    if name == "wifi_points":
        default = out["site_type"].map(profile.wifi_default_radius_m).astype(float)
        out["coverage_radius_m"] = out["coverage_radius_m"].fillna(default)

    for col in table.required:
        if col in ("kecamatan",):
            continue  # found from the coordinates below
        bad.add(out[col].isna().to_numpy(), f"{col} is empty")
    for col, allowed in table.enums.items():
        v = out[col]
        bad.add(v.notna().to_numpy() & ~v.isin(allowed).to_numpy(), _says(f"unknown {col}", v, sep=" "))

    limit = pd.Timestamp(now + FUTURE_TOLERANCE)
    for col in table.columns:
        if col.type == "timestamp" and col.name not in ("due_at",):
            t = out[col.name]
            bad.add((t > limit).fillna(False).to_numpy(), f"{col.name} is in the future")
    if name == "complaints":
        bad.add((out.closed_at < out.created_at).fillna(False).to_numpy(), "closed_at is before created_at")
        bad.add((out.due_at < out.created_at).fillna(False).to_numpy(), "due_at is before created_at")

    if table.has_location:
        lat, lon = out["lat"].to_numpy(float, na_value=np.nan), out["lon"].to_numpy(float, na_value=np.nan)
        one = np.isnan(lat) ^ np.isnan(lon)
        bad.add(one, "only one of lat/lon is given")
        zero = (np.abs(lat) < 1e-9) & (np.abs(lon) < 1e-9)
        bad.add(zero, "placeholder coordinates 0,0")
        x0, y0, x1, y1 = profile.bbox
        has = ~(np.isnan(lat) | np.isnan(lon))
        outside = has & ~((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        swapped = outside & (lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)
        bad.add(swapped, "outside the city's bounding box (lat and lon swapped?)")
        bad.add(outside, "outside the city's bounding box")
        if "lat" in table.required:
            bad.add(~has, "no coordinates")
        # Enrich: the district by point-in-polygon where the source gives none.
        missing_kec = out["kecamatan"].isna().to_numpy() & has & bad.ok
        if missing_kec.any():
            shapes = geo.load_districts(profile)
            found = geo.assign_kecamatan(lon[missing_kec], lat[missing_kec], shapes)
            k = out["kecamatan"].to_numpy(dtype=object).copy()
            k[missing_kec] = found
            out["kecamatan"] = k
        bad.add(out["kecamatan"].isna().to_numpy() & has, "no kecamatan, and the point is in no district")
        bad.add(out["kecamatan"].isna().to_numpy(), "no kecamatan and no coordinates")

    if table.key:
        key = out[table.key]
        dup = key.duplicated(keep="first").to_numpy() & key.notna().to_numpy()
        bad.add(dup, f"duplicate {table.key} in this file")
        if existing_ids:
            bad.add(key.isin(existing_ids).to_numpy(), f"{table.key} is already stored")
    return out, bad.reason


def add_h3(df: pd.DataFrame) -> pd.DataFrame:
    cols = geo.h3_columns(df["lat"].to_numpy(float, na_value=np.nan), df["lon"].to_numpy(float, na_value=np.nan),
                          H3_RESOLUTIONS)
    for r, cells in cols.items():
        df[f"h3_r{r}"] = cells
    return df


# --- the whole run ----------------------------------------------------------------------------

def _read_existing(path: Path | None, table: Table) -> pd.DataFrame | None:
    if path is None:
        return None
    if path.name.endswith(".parquet"):
        return pd.read_parquet(path)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.replace("", None)
    for c in table.columns:
        if c.type == "timestamp":
            df[c.name] = pd.to_datetime(df[c.name]).astype("datetime64[us]")
        elif c.type == "date":
            df[c.name] = pd.to_datetime(df[c.name]).dt.date
        elif c.type in ("float", "int"):
            df[c.name] = pd.to_numeric(df[c.name])
    for h in table.stored_names()[len(table.names):]:
        df[h] = pd.to_numeric(df[h]).astype("uint64")
    return df


def ingest(source: Path | str, kind: str, data_dir: Path | str, profile: Profile, mapping: Mapping | None = None,
           replace: bool = False, now: datetime | None = None, data: bytes | None = None,
           source_name: str | None = None) -> Report:
    """Ingest one file into the extract of `kind`; nothing is written unless it is usable."""
    if kind not in KINDS:
        raise IngestError(f"unknown kind {kind!r}; use one of: {', '.join(KINDS)}")
    table = TABLES[KINDS[kind]]
    data_dir = Path(data_dir)
    source = Path(source)
    name = source_name or source.name
    now = now or datetime.now(ZoneInfo(profile.timezone)).replace(tzinfo=None)

    raw = read_table(source, data=data, name=name)
    canon = apply_mapping(raw, table, mapping)
    target_existing = extract_path(data_dir, table.name)
    existing = None if replace else _read_existing(target_existing, table)
    existing_ids = set(existing[table.key]) if existing is not None and table.key else None
    typed, reasons = validate(canon, table, profile, mapping, now, existing_ids)
    ok = reasons == None  # noqa: E711
    accepted = typed if ok.all() else typed[ok].reset_index(drop=True)  # no copy when every row is good
    if table.has_location:
        accepted = add_h3(accepted)
    accepted = accepted[table.stored_names()]

    if not ok.any():
        top = pd.Series(reasons).value_counts().index[0]
        raise IngestError(f"{name}: no row is valid ({len(raw):,} rejected, mostly: {top}); nothing was written")

    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    rejects_file = None
    if (~ok).any():
        rej = raw[~ok].copy()
        rej.insert(0, "reason", reasons[~ok])
        rej.insert(0, "row", np.flatnonzero(~ok) + 1)
        rejects_file = data_dir / "rejects" / f"{table.name}-{stamp}.csv"
        write_csv_atomic(rej, rejects_file)

    if existing is not None:
        stored = pd.concat([existing[table.stored_names()], accepted], ignore_index=True)
    else:
        stored = accepted
    target = data_dir / f"{table.name}.parquet"
    write_parquet_atomic(stored, target, table.name)
    reasons_count = pd.Series(reasons[~ok]).value_counts().to_dict() if (~ok).any() else {}
    report = Report(kind, table.name, name, len(raw), int(ok.sum()), int((~ok).sum()), len(stored), target,
                    rejects_file, {str(k): int(v) for k, v in reasons_count.items()})
    log = {"source": name, "at": datetime.now().isoformat(timespec="seconds"), "mode": "replace" if replace else "append",
           "rows_read": report.rows_read, "accepted": report.accepted, "rejected": report.rejected,
           "rejects_file": str(rejects_file) if rejects_file else None, "reasons": report.reasons}
    write_text_atomic(json.dumps(log, indent=2, ensure_ascii=False), data_dir / "_ingest" / f"{table.name}.json")
    return report


def last_ingest(data_dir: Path | str, table: str) -> dict | None:
    """What the last ingest of a table reported, if there was one."""
    p = Path(data_dir) / "_ingest" / f"{table}.json"
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
