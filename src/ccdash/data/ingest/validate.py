"""Validation: typed canonical rows, and for each rejected row the first reason it is rejected for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute

from .. import spatial
from ..clock import instant, utc_naive
from ..dataset import KEY_SEPARATOR
from ..profile import Profile
from ..reference import facts_of, norm_district, shapes_of
from ..schema import H3_RESOLUTIONS, Table
from .dates import parse_times
from .keys import Keys
from .mapping import Mapping

FUTURE_TOLERANCE = timedelta(minutes=10)  # clocks of source systems drift a little


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


def _utc(local: datetime, timezone: str) -> datetime:
    """A city wall time as naive UTC (ingest's in-memory form of an instant)."""
    return instant(local, timezone).astimezone(UTC).replace(tzinfo=None)


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


def _key_text(out: pd.DataFrame, key: tuple[str, ...]) -> pd.Series:
    """Each row's key as one value (parts joined as the store joins them; missing if a part is)."""
    if len(key) == 1:
        return out[key[0]]
    text = out[key[0]].astype(str)
    for name in key[1:]:
        text = text + KEY_SEPARATOR + out[name].astype(str)
    return text.where(out[list(key)].notna().all(axis=1))


def validate(
    df: pd.DataFrame,
    table: Table,
    profile: Profile,
    mapping: Mapping | None,
    now: datetime,
    keys: Keys | None = None,
    day_first: dict | None = None,
    spellings: dict | None = None,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Typed canonical rows and, per row, the reason it is rejected (None when accepted).

    A file read in batches passes the same `keys` (the ids of earlier batches) and `day_first`
    (what earlier batches settled about day/month order) to every batch. `spellings` are the district names
    other extracts store, used when the city has no facts file to say how a district is spelled."""
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
                bad.add(
                    present & num.notna().to_numpy() & (num % 1 != 0).to_numpy(),
                    f"{col.name} is not a whole number",
                )
                num = num.round().astype("Int64")
            out[col.name] = num
        elif col.type in ("timestamp", "date"):
            fmt = mapping.date_formats.get(col.name, mapping.date_format)
            t = None
            instant = col.type == "timestamp"  # an instant (naive UTC here); a date is a date
            if not fmt and not mapping.timezone:
                t = _fast_cast(s, pa.timestamp("us"))  # plain ISO local times, the common case
                if t is not None and instant:
                    t = utc_naive(t, profile.timezone)
            if t is None:
                t = parse_times(
                    s, fmt, mapping.timezone, profile.timezone, col.name, day_first, utc=instant
                )
            bad.add(present & t.isna().to_numpy(), _says(f"{col.name} is not a date", s))
            out[col.name] = t.dt.date if col.type == "date" else t
        else:
            out[col.name] = s
    # Derive what a source may leave out.
    notes: dict[str, int] = {}
    name = table.name
    if name == "complaints":
        cat = out["category"]
        # One rule for blanks: an agency the source leaves out comes from the category's entry in the
        # profile; where the profile names none, the row is rejected (never stored as "").
        agency = _lookup(cat, {c: k.agency or None for c, k in profile.categories.items()})
        out["agency"] = out["agency"].where(out["agency"].notna(), agency)
        sla = _lookup(cat, {c: k.sla_days for c, k in profile.categories.items()}).astype(float)
        sla = sla.fillna(profile.sla_default_days)
        out["due_at"] = out["due_at"].where(
            out["due_at"].notna(), out["created_at"] + pd.to_timedelta(sla * 86400, unit="s")
        )
        out["due_at"] = out["due_at"].astype("datetime64[us]")
    if name == "cctv_sites":
        out["view_radius_m"] = out["view_radius_m"].fillna(profile.cctv_default_view_radius_m)
    if name == "wifi_points":
        default = out["site_type"].map(profile.wifi_default_radius_m).astype(float)
        out["coverage_radius_m"] = out["coverage_radius_m"].fillna(default)

    for req in table.required:
        if req in ("kecamatan",):
            continue  # found from the coordinates below
        if (req, name) in FIXED_BY:  # a blank the profile could fill: name the key that does
            key = FIXED_BY[req, name]
            site = {"wifi_points": out.get("site_type"), "complaints": out.get("category")}.get(
                name
            )
            bad.add(
                out[req].isna().to_numpy(),
                (
                    lambda m, key=key, site=site, req=req: [
                        f"{req} is empty, and the profile has no {key.format(site=v)}"
                        for v in (
                            site.to_numpy(dtype=object)[m]
                            if site is not None
                            else [None] * int(m.sum())
                        )
                    ]
                ),
            )
        bad.add(out[req].isna().to_numpy(), f"{req} is empty")
    for col, allowed in table.enums.items():
        if col == "channel" and profile.channels:  # the city lists its own channels
            allowed = tuple(profile.channels)
        v = out[col]
        bad.add(
            v.notna().to_numpy() & ~v.isin(allowed).to_numpy(), _says(f"unknown {col}", v, sep=" ")
        )

    _plausible(out, table, profile, bad, notes)

    limit = pd.Timestamp(_utc(now, profile.timezone) + FUTURE_TOLERANCE)  # times here are UTC
    for col in table.columns:
        if col.type == "timestamp" and col.name not in ("due_at",):
            t = out[col.name]
            bad.add((t > limit).fillna(False).to_numpy(), f"{col.name} is in the future")
    if name == "complaints":
        bad.add(
            (out.closed_at < out.created_at).fillna(False).to_numpy(),
            "closed_at is before created_at",
        )
        bad.add(
            (out.due_at < out.created_at).fillna(False).to_numpy(), "due_at is before created_at"
        )
        # A closed complaint without its closing time would be counted open for ever: rejected,
        # unless the mapping declares where that time comes from ([closing] closed_at_from).
        bad.add(
            (out.status.isin(("resolved", "rejected")) & out.closed_at.isna())
            .fillna(False)
            .to_numpy(),
            _says("closed_at is empty for a complaint with status", out.status, sep=" "),
        )

    if table.has_location:
        lat, lon = (
            out["lat"].to_numpy(float, na_value=np.nan),
            out["lon"].to_numpy(float, na_value=np.nan),
        )
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
            shapes = shapes_of(profile)
            found = spatial.assign_kecamatan(lon[missing_kec], lat[missing_kec], shapes)
            k = out["kecamatan"].to_numpy(dtype=object).copy()
            k[missing_kec] = found
            out["kecamatan"] = k
        bad.add(
            out["kecamatan"].isna().to_numpy() & has,
            "no kecamatan, and the point is in no district",
        )
        bad.add(out["kecamatan"].isna().to_numpy(), "no kecamatan and no coordinates")
        _known_districts(out, profile, bad, notes, spellings or {})

    if table.key:
        key = _key_text(out, table.key)
        dup = key.duplicated(keep="first").to_numpy() & key.notna().to_numpy()
        if keys is not None:
            dup |= keys.seen_earlier(key)
        bad.add(dup, f"duplicate {table.key_name} in this file")
        if keys is not None:
            keys.add(key)
    out.attrs["notes"] = notes
    return out, bad.reason


# Blanks a profile key fills: the key, named in the reason a row is rejected for.
FIXED_BY = {
    ("coverage_radius_m", "wifi_points"): "[wifi.default_radius_m] {site} = METRES",
    ("agency", "complaints"): "agency for the category {site!r} ([categories])",
}

CODE_CHARS = 200  # ids, codes and names longer than this are not ids, codes or names


def _plausible(
    out: pd.DataFrame, table: Table, profile: Profile, bad: _Reasons, notes: dict
) -> None:
    """Values no real extract holds: dates before the profile's [ingest] earliest, text past its bounds,
    radii and bandwidths of zero or less."""
    earliest = pd.Timestamp(profile.ingest.get("earliest", "2000-01-01"))
    for col in table.columns:
        v = out[col.name]
        if col.type in ("timestamp", "date"):
            t = pd.to_datetime(v, errors="coerce") if col.type == "date" else v
            first = earliest if col.type == "date" else _utc(earliest, profile.timezone)
            bad.add(
                (t < first).fillna(False).to_numpy(),
                f"{col.name} is before {earliest:%Y-%m-%d} (the profile's [ingest] earliest)",
            )
        elif col.positive:
            bad.add((v <= 0).fillna(False).to_numpy(dtype=bool), f"{col.name} must be above zero")
        elif col.type == "str":
            length = v.str.len().fillna(0).to_numpy()
            if col.free_text:
                cap = int(profile.ingest.get("max_text_chars", 2000))
                long = length > cap
                if long.any():
                    out[col.name] = v.where(~long, v.str.slice(0, cap - 1) + "…")
                    notes[f"{col.name} cut to {cap:,} characters"] = int(long.sum())
            else:
                bad.add(length > CODE_CHARS, f"{col.name} is longer than {CODE_CHARS} characters")
    if "users" in out:
        bad.add((out["users"] < 0).fillna(False).to_numpy(dtype=bool), "users is below zero")


class _Spelled(dict):
    """name -> the city's spelling of it, for _lookup."""

    def __init__(self, canonical: dict):
        super().__init__()
        self.canonical = canonical

    def get(self, name, default=None):
        return (
            default
            if name is None or name is pd.NA
            else self.canonical.get(norm_district(name), default)
        )


def _known_districts(
    out: pd.DataFrame, profile: Profile, bad: _Reasons, notes: dict, spellings: dict
) -> None:
    """District names as the city's facts file spells them (case and spaces do not matter); a name that
    matches none is rejected, when the city has a list. Without a list, a name another extract already
    stores in another case ("Brooklyn" where complaints say "BROOKLYN") takes the stored spelling, so that
    one district stays one district across pages and filters; the report counts the rows."""
    names = facts_of(profile).kecamatan.dropna().astype(str).tolist()
    k = out["kecamatan"]
    if not names:
        if spellings:
            fixed = _lookup(k, _Spelled(spellings))
            changed = fixed.notna().to_numpy() & (
                fixed.to_numpy(dtype=object) != k.to_numpy(dtype=object)
            )
            if changed.any():
                out["kecamatan"] = fixed.where(fixed.notna(), k)
                first = int(np.flatnonzero(changed)[0])
                key = (
                    f"kecamatan spelled as the stored extracts spell it (e.g. {k.iloc[first]!r} as "
                    f"{fixed.iloc[first]!r})"
                )
                notes[key] = notes.get(key, 0) + int(changed.sum())
        return
    canonical = {norm_district(n): n for n in names}
    fixed = _lookup(k, _Spelled(canonical))  # each distinct spelling normalised once
    unknown = k.notna().to_numpy() & fixed.isna().to_numpy()
    out["kecamatan"] = fixed.where(fixed.notna(), k)
    bad.add(unknown, _says("kecamatan is not one of the city's districts", k, sep=" "))


def add_h3(df: pd.DataFrame) -> pd.DataFrame:
    cols = spatial.h3_columns(
        df["lat"].to_numpy(float, na_value=np.nan),
        df["lon"].to_numpy(float, na_value=np.nan),
        H3_RESOLUTIONS,
    )
    for r, cells in cols.items():
        df[f"h3_r{r}"] = cells
    return df
