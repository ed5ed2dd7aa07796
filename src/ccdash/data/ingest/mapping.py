"""How a foreign extract becomes canonical: the mapping file, and renaming and recoding columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config import MAPPING, load_checked
from ..schema import Table
from ..select import select_problem
from .errors import IngestError

# Columns a source may leave out because ingest can derive them.
DERIVABLE = {
    "complaints": {"due_at", "agency", "kecamatan"},
    "cctv_sites": {"kecamatan", "view_radius_m"},
    "wifi_points": {"kecamatan", "coverage_radius_m"},
    "wifi_usage": set(),
}


@dataclass
class Mapping:
    """How a foreign extract becomes canonical: column renames, value maps, patterns, dates."""

    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source column
    values: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # canonical column -> {source: canonical}
    patterns: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # column -> {regex: canonical}
    constants: dict[str, object] = field(default_factory=dict)  # canonical column -> fixed value
    date_format: str | None = None  # strftime format of every date column
    date_formats: dict[str, str] = field(default_factory=dict)  # per column
    timezone: str | None = None  # zone of naive source times, when not the city's
    nulls: dict[str, list[str]] = field(
        default_factory=dict
    )  # column -> values that mean "unknown"
    placeholder_points: list[tuple[float, float]] = field(
        default_factory=list
    )  # (lat, lon) meaning "unknown"
    templates: dict[str, str] = field(default_factory=dict)  # canonical -> "{source a} {source b}"
    scale: dict[str, float] = field(default_factory=dict)  # canonical -> factor
    pad: dict[str, int] = field(
        default_factory=dict
    )  # canonical -> zero-padded width of whole-number codes
    select: str | None = None  # SQL run by DuckDB over the raw file (`source`) before the rest
    closed_from: str | None = None  # [closing] closed_at_from: a closed complaint's closing time

    @classmethod
    def load(cls, path: Path | str) -> Mapping:
        try:
            raw = load_checked(path, MAPPING, "mapping file")
        except ValueError as e:
            raise IngestError(str(e)) from None
        select = raw.get("select")
        if select is not None and (problem := select_problem(select)):
            raise IngestError(f"mapping file {path}: [select] is {problem}")
        dates = raw.get("dates", {})
        points = [(float(a), float(b)) for a, b in raw.get("placeholders", {}).get("points", [])]
        return cls(
            columns={k: str(v) for k, v in raw.get("columns", {}).items()},
            values={
                k: {str(a): str(b) for a, b in v.items()} for k, v in raw.get("values", {}).items()
            },
            patterns={k: dict(v) for k, v in raw.get("patterns", {}).items()},
            constants=dict(raw.get("constants", {})),
            date_format=dates.get("format"),
            date_formats={k: v for k, v in dates.get("columns", {}).items()},
            timezone=dates.get("timezone"),
            nulls={
                k: [str(x) for x in (v if isinstance(v, list) else [v])]
                for k, v in raw.get("nulls", {}).items()
            },
            placeholder_points=points,
            closed_from=raw.get("closing", {}).get("closed_at_from"),
            templates=dict(raw.get("templates", {})),
            scale={k: float(v) for k, v in raw.get("scale", {}).items()},
            pad=dict(raw.get("pad", {})),
            select=select,
        )


def _blank(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


CLOSED = ("resolved", "rejected")  # statuses a complaint ends in: each needs its closed_at

FIELD = re.compile(r"\{([^{}]+)\}")


def _fill(df: pd.DataFrame, template: str, table: Table) -> pd.Series:
    """A template's text per row, with each {source column} replaced by the row's value (blank: nothing);
    blank when every referenced value is blank."""
    names = FIELD.findall(template)
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise IngestError(
            f"[templates] names column(s) the file does not have: {', '.join(missing)}"
        )
    parts = FIELD.split(template)  # literal, name, literal, name, ...
    out = pd.Series("", index=df.index, dtype="string")
    present = pd.Series(False, index=df.index)
    for i, part in enumerate(parts):
        if i % 2:
            v = df[part].astype("string")
            present |= v.notna()
            out = out + v.fillna("")
        else:
            out = out + part
    out = out.str.split().str.join(" ")
    return out.astype(object).where(present & (out != ""), None)


def apply_mapping(df: pd.DataFrame, table: Table, mapping: Mapping | None) -> pd.DataFrame:
    """Rename and recode a source frame into canonical columns (still strings)."""
    mapping = mapping or Mapping()
    out = pd.DataFrame(index=df.index)
    for col in table.names:
        source = mapping.columns.get(col, col)
        if source in df.columns:
            out[col] = df[source]
    for col, template in mapping.templates.items():  # a field built from several source columns
        if col in table.names:
            out[col] = _fill(df, template, table)
    for col, value in mapping.constants.items():
        if col in table.names:
            out[col] = None if value == "" else str(value)
    for col, factor in mapping.scale.items():
        if col in out:
            num = pd.to_numeric(out[col], errors="coerce") * factor
            out[col] = (
                out[col]
                .astype(object)
                .where(num.isna(), num.map(lambda v: f"{v:.10g}", na_action="ignore"))
            )
    for col, width in mapping.pad.items():
        if col in out:
            s = out[col].astype("string")
            digits = s.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)
            out[col] = s.astype(object).where(~digits, s.str.zfill(width))
    for col, values in mapping.nulls.items():  # values that mean "unknown" become blanks
        if col in out:
            out[col] = out[col].astype(object).where(~out[col].isin(values), None)
    for col, pats in mapping.patterns.items():
        if col in out:
            compiled = [(re.compile(rx), v) for rx, v in pats.items()]
            out[col] = [
                None if _blank(x) else next((v for rx, v in compiled if rx.search(x)), x)
                for x in out[col]
            ]
    for col, vmap in mapping.values.items():
        if col in out:
            out[col] = [None if _blank(x) else (vmap.get(x, x) or None) for x in out[col]]
    if mapping.closed_from and "closed_at" in table.names:
        # The declared rule for a closed complaint without its closing time: another column's time.
        if mapping.closed_from not in df.columns:
            raise IngestError(
                f"[closing] closed_at_from names a column the file does not have: {mapping.closed_from}"
            )
        closed = (
            out["status"].isin(CLOSED) if "status" in out else pd.Series(False, index=out.index)
        )
        blank = (
            out["closed_at"].map(_blank) if "closed_at" in out else pd.Series(True, index=out.index)
        )
        take = (closed & blank).to_numpy(dtype=bool)
        if "closed_at" not in out:
            out["closed_at"] = None
        out["closed_at"] = out["closed_at"].astype(object).where(~take, df[mapping.closed_from])
        if take.any():
            out.attrs["notes"] = {
                f"closed_at taken from {mapping.closed_from} (closed, no closing time)": int(
                    take.sum()
                )
            }
    if mapping.placeholder_points and "lat" in out and "lon" in out:
        lat = pd.to_numeric(out["lat"], errors="coerce")
        lon = pd.to_numeric(out["lon"], errors="coerce")
        unknown = pd.Series(False, index=out.index)
        for a, b in mapping.placeholder_points:
            unknown |= ((lat - a).abs() < 1e-9) & ((lon - b).abs() < 1e-9)
        out.loc[unknown, ["lat", "lon"]] = (
            None  # kept without a point: it still counts for its district
        )
    missing = [c for c in table.required if c not in out and c not in DERIVABLE[table.name]]
    if missing:
        have = ", ".join(list(df.columns)[:12]) + (", ..." if df.shape[1] > 12 else "")
        raise IngestError(
            f"required column(s) missing: {', '.join(missing)} (the file has: {have}); "
            f"map them with --mapping"
        )
    for col in table.names:
        if col not in out:
            out[col] = None
    return out[table.names]
