"""A first profile and mapping for a new city, read off a sample of its complaints export.

`python -m ccdash city init NAME --from SAMPLE.csv` guesses which column holds what, the date format
(tried on every value), the status and channel values to map, a bounding box from the coordinates, and
writes `city.toml` and `mapping.toml` with every guess marked for review. Nothing here is specific to
one city: the names it looks for are the usual ones of complaint and 311 exports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..schema import COMPLAINT_STATUSES, TABLES
from .dates import day_month_evidence
from .read import read_batches

SAMPLE_ROWS = 100_000

# Canonical column -> words its source column usually carries (the first that matches wins).
NAMES = {
    "complaint_id": [
        "complaint_id",
        "unique_key",
        "ticket_id",
        "case_id",
        "request_id",
        "service_request_id",
        "report_id",
        "tracking",
        "id",
        "no",
        "nomor",
    ],
    "created_at": [
        "created_at",
        "created_date",
        "date_created",
        "created",
        "opened",
        "open_date",
        "requested",
        "reported",
        "received",
        "submitted",
        "tanggal",
        "date",
        "time",
    ],
    "closed_at": [
        "closed_at",
        "closed_date",
        "date_closed",
        "closed",
        "resolved_date",
        "resolved",
        "completed",
        "selesai",
    ],
    "due_at": ["due_at", "due_date", "deadline", "target_date", "sla_date"],
    "status": ["status", "state"],
    "category": [
        "category",
        "complaint_type",
        "service_name",
        "request_type",
        "type",
        "topic",
        "kategori",
    ],
    "agency": ["agency", "department", "dept", "responsible", "instansi", "opd"],
    "channel": [
        "channel",
        "open_data_channel_type",
        "source",
        "method_received",
        "intake",
        "via",
        "kanal",
    ],
    "kecamatan": [
        "kecamatan",
        "district",
        "borough",
        "ward",
        "council_district",
        "area",
        "zone",
        "wilayah",
    ],
    "kelurahan": ["kelurahan", "neighborhood", "neighbourhood", "community", "desa"],
    "lat": ["lat", "latitude", "y"],
    "lon": ["lon", "lng", "long", "longitude", "x"],
    "description": [
        "description",
        "descriptor",
        "details",
        "detail",
        "summary",
        "text",
        "isi",
        "keterangan",
    ],
}

# Status words of common exports -> canonical statuses (matched on the lower-cased value).
STATUS_WORDS = [
    (r"reject|invalid|duplicate|cancel|withdrawn|ditolak", "rejected"),
    (r"close|resolv|complete|done|fixed|selesai", "resolved"),
    (r"progress|started|working|pending|proses", "in_progress"),
    (r"assign|dispatch|forward|diteruskan", "dispatched"),
    (r"verif|review|acknowledg", "verified"),
    (r"open|new|submit|receiv|unspecified|baru", "new"),
]


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def slug(value: str) -> str:
    return _key(value)[:40] or "other"


def guess_columns(columns: list[str]) -> dict[str, str]:
    """Canonical column -> source column, each source used at most once; exact names first, then words."""
    keys = {c: _key(c) for c in columns}
    out: dict[str, str] = {}
    for exact in (True, False):
        for canon, words in NAMES.items():
            if canon in out:
                continue
            for w in words:
                hit = next(
                    (
                        c
                        for c, k in keys.items()
                        if c not in out.values()
                        and (k == w if exact else (w in k.split("_") or (len(w) > 3 and w in k)))
                    ),
                    None,
                )
                if hit:
                    out[canon] = hit
                    break
    return out


def guess_date_format(values: pd.Series) -> tuple[str | None, float]:
    """A strftime format that reads the values (None: ISO, read as is) and the share of them it reads."""
    s = values.dropna().astype(str).str.strip()
    s = s[s != ""]
    if s.empty:
        return None, 1.0
    iso = pd.to_datetime(s, errors="coerce", format="ISO8601").notna().mean()
    if iso > 0.99:
        return None, float(iso)
    day_first, month_first, _ = day_month_evidence(s)
    order = ["%d/%m/%Y", "%m/%d/%Y"] if day_first or not month_first else ["%m/%d/%Y", "%d/%m/%Y"]
    best: tuple[str | None, float] = (None, float(iso))
    sep = (
        "-"
        if s.str.match(r"^\d{1,2}-\d{1,2}-\d{2,4}").mean() > 0.5
        else ("." if s.str.match(r"^\d{1,2}\.\d{1,2}\.\d{2,4}").mean() > 0.5 else "/")
    )
    for d in order:
        d = d.replace("/", sep)
        for t in (
            "",
            " %H:%M",
            " %H:%M:%S",
            " %I:%M %p",
            " %I:%M:%S %p",
            " %I:%M:%S.%f %p",
            " %H:%M:%S.%f",
        ):
            share = float(
                pd.to_datetime(s.head(5000), errors="coerce", format=d + t).notna().mean()
            )
            if share > best[1] + 1e-9:
                best = (d + t, share)
    if best[0]:
        best = (best[0], float(pd.to_datetime(s, errors="coerce", format=best[0]).notna().mean()))
    return best


def map_statuses(values: list[str]) -> dict[str, str]:
    out = {}
    for v in values:
        low = str(v).lower()
        if low in COMPLAINT_STATUSES:
            continue
        out[v] = next((code for rx, code in STATUS_WORDS if re.search(rx, low)), "new")
    return out


@dataclass
class Proposal:
    columns: dict[str, str]
    date_format: str | None
    date_share: float
    statuses: dict[str, str]
    channels: dict[str, str]  # source value -> code
    categories: list[str]
    bbox: tuple[float, float, float, float] | None
    center: tuple[float, float] | None
    districts: list[str]
    rows: int
    notes: list[str] = field(default_factory=list)


def propose(sample: Path, rows: int = SAMPLE_ROWS) -> Proposal:
    """What the first batch of the sample says about its columns and values."""
    df = next(read_batches(sample, rows=rows))
    cols = guess_columns(list(df.columns))
    notes = []
    missing = [
        c
        for c in TABLES["complaints"].required
        if c not in cols and c not in ("due_at", "agency", "kecamatan", "channel")
    ]
    if missing:
        notes.append(
            f"no column found for {', '.join(missing)}: set it under [columns] in mapping.toml"
        )
    fmt, share = guess_date_format(df[cols["created_at"]]) if "created_at" in cols else (None, 0.0)
    if "created_at" in cols and share < 0.99:
        notes.append(
            f"the date format reads {share:.0%} of {cols['created_at']}: check [dates] format"
        )

    def distinct(canon, n=40):
        if canon not in cols:
            return []
        return df[cols[canon]].dropna().value_counts().head(n).index.astype(str).tolist()

    channels = {v: slug(v) for v in distinct("channel", 30)}
    bbox = center = None
    if "lat" in cols and "lon" in cols:
        lat = pd.to_numeric(df[cols["lat"]], errors="coerce")
        lon = pd.to_numeric(df[cols["lon"]], errors="coerce")
        ok = (
            lat.between(-90, 90)
            & lon.between(-180, 180)
            & ~((lat.abs() < 1e-9) & (lon.abs() < 1e-9))
        )
        if ok.sum() >= 10:
            la, lo = lat[ok].to_numpy(), lon[ok].to_numpy()
            (y0, y1), (x0, x1) = np.quantile(la, [0.001, 0.999]), np.quantile(lo, [0.001, 0.999])
            my, mx = max((y1 - y0) * 0.05, 0.01), max((x1 - x0) * 0.05, 0.01)
            bbox = (round(x0 - mx, 4), round(y0 - my, 4), round(x1 + mx, 4), round(y1 + my, 4))
            center = (round(float(np.median(la)), 4), round(float(np.median(lo)), 4))
        else:
            notes.append("too few coordinates to place the city: set [map] bbox by hand")
    return Proposal(
        cols,
        fmt,
        share,
        map_statuses(distinct("status")),
        channels,
        distinct("category", 60),
        bbox,
        center,
        distinct("kecamatan", 200),
        len(df),
        notes,
    )


def _q(text: str) -> str:
    """A TOML basic string."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def mapping_text(p: Proposal, sample_name: str) -> str:
    lines = [
        f"# Mapping proposed by `python -m ccdash city init` from {sample_name}: review every line.",
        "",
        "[columns]",
    ]
    lines += [f"{canon} = {_q(src)}" for canon, src in p.columns.items()]
    lines += ["", "[dates]"]
    if p.date_format:
        lines.append(
            f"format = {_q(p.date_format)}  # read {p.date_share:.1%} of the sample's {p.columns.get('created_at')}"
        )
    else:
        lines.append("# format: none needed, the sample's dates are ISO 8601")
    if p.statuses:
        lines += ["", "[values.status]  # to: " + ", ".join(COMPLAINT_STATUSES)]
        lines += [f"{_q(k)} = {_q(v)}" for k, v in p.statuses.items()]
    renamed = {k: v for k, v in p.channels.items() if k != v}
    if renamed:
        lines += ["", "[values.channel]  # to the codes of city.toml's [channels]"]
        lines += [f"{_q(k)} = {_q(v)}" for k, v in renamed.items()]
    if "channel" not in p.columns:
        lines += ["", "[constants]", 'channel = "other"  # no channel column in the sample']
    return "\n".join(lines) + "\n"


def profile_text(name: str, p: Proposal) -> str:
    x0, y0, x1, y1 = p.bbox or (-180.0, -90.0, 180.0, 90.0)
    lat, lon = p.center or ((y0 + y1) / 2, (x0 + x1) / 2)
    codes = sorted(set(p.channels.values()))
    lines = [
        f"# Profile proposed by `python -m ccdash city init` from a sample of {p.rows:,} rows: review every line.",
        "",
        "[city]",
        f"name = {_q(name)}",
        "synthetic = false",
        'timezone = "UTC"                 # set the city\'s IANA zone, e.g. "America/Chicago"',
        'timezone_label = "UTC"',
        'default_language = "en"',
        'clock = "system"',
        "",
        "[map]",
        f"center_lat = {lat}",
        f"center_lon = {lon}",
        "zoom = 10",
        f"bbox = [{x0}, {y0}, {x1}, {y1}]  # from the sample's coordinates: rows outside are rejected",
        'tile_style = ""',
        '# districts_file = "districts.geojson"   # district polygons: choropleths, coverage explorer',
        '# districts_name_property = "name"',
        '# facts_file = "districts.csv"          # kecamatan, centroid_lat, centroid_lon, population_2022, area_ha',
        "",
        "[sla]",
        "default_days = 5",
        "",
        "[words]",
        'district = { id = "Wilayah", en = "District" }',
        'agency = { id = "Instansi", en = "Agency" }',
        "",
        "[layers]",
        "cctv = false",
        "wifi = false",
    ]
    if codes or p.channels:
        lines += ["", "[channels]"]
        labels = {v: (k.title() if k.isupper() else k) for k, v in p.channels.items()}
        lines += [
            f"{c} = {{ id = {_q(labels.get(c, c))}, en = {_q(labels.get(c, c))} }}" for c in codes
        ]
        if "other" not in codes:
            lines.append('other = { id = "Lainnya", en = "Other" }')
    if p.categories:
        lines += [
            "",
            "# The most frequent categories; sla_days is each one's deadline when the export has none.",
        ]
        for c in p.categories[:30]:
            lines += [f"[categories.{_q(c)}]", f"en = {_q(c)}", f"id = {_q(c)}", "sla_days = 5"]
    return "\n".join(lines) + "\n"


def still_needed(p: Proposal) -> list[str]:
    out = [
        "district polygons: a GeoJSON, named by [map] districts_file (choropleths, the coverage explorer)",
        "population: a CSV named by [map] facts_file (per-10,000 rates)",
        "tour captions: a TOML named by [tour] captions_file (otherwise a default tour is told)",
        "the city's time zone: [city] timezone (UTC until set)",
    ]
    if p.districts:
        out.append(
            f"the sample names {len(p.districts)} districts ({', '.join(p.districts[:5])}"
            f"{', ...' if len(p.districts) > 5 else ''}): the facts file lists them"
        )
    return out
