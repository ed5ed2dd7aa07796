"""A first profile and mapping for a new city, read off a sample of its complaints export.

`python -m ccdash city init NAME --from SAMPLE.csv` guesses which column holds what, the date format
(tried on every value), the status and channel values to map, a bounding box from the coordinates, and
writes `city.toml` and `mapping.toml` with every guess marked for review. Nothing here is specific to
one city: the names it looks for are the usual ones of complaint and 311 exports.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..schema import CCTV_KINDS, CCTV_STATUSES, COMPLAINT_STATUSES, TABLES, WIFI_STATUSES
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
        "service_request_num",
        "request_num",
        "folio",
        "numero_de_solicitud",
        "numero_solicitud",
        "identificador",
        "protocolo",
        "numero_demande",
        "num_demande",
        "reference",
        "id",
        "no",
        "nomor",
        "numero",
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
        "fecha_creacion",
        "fecha_de_creacion",
        "fecha_solicitud",
        "fecha_recepcion",
        "date_creation",
        "date_de_creation",
        "date_signalement",
        "data_abertura",
        "data_criacao",
        "dibuat",
        "fecha",
        "date",
        "data",
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
        "fecha_cierre",
        "fecha_de_cierre",
        "date_cloture",
        "date_de_cloture",
        "data_fechamento",
        "data_conclusao",
        "cierre",
        "cloture",
    ],
    "due_at": [
        "due_at",
        "due_date",
        "due",
        "deadline",
        "target_date",
        "sla_date",
        "fecha_limite",
        "fecha_vencimiento",
        "date_echeance",
        "echeance",
        "prazo",
        "batas_waktu",
        "tenggat",
    ],
    "status": ["status", "state", "estado", "statut", "situacao", "etat"],
    "category": [
        "category",
        "complaint_type",
        "service_name",
        "request_type",
        "type",
        "topic",
        "kategori",
        "categoria",
        "categorie",
        "tipo",
        "motivo",
        "asunto",
        "assunto",
        "tema",
        "type_de_demande",
    ],
    "agency": [
        "agency",
        "department",
        "dept",
        "responsible",
        "instansi",
        "opd",
        "dependencia",
        "entidad",
        "organismo",
        "secretaria",
        "orgao",
        "service_responsable",
        "direction",
    ],
    "channel": [
        "channel",
        "open_data_channel_type",
        "source",
        "method_received",
        "intake",
        "via",
        "kanal",
        "canal",
        "medio",
        "origen",
        "origem",
        "mode_de_reception",
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
        "comuna",
        "localidad",
        "alcaldia",
        "municipio",
        "distrito",
        "arrondissement",
        "regional",
    ],
    "kelurahan": [
        "kelurahan",
        "neighborhood",
        "neighbourhood",
        "community",
        "desa",
        "barrio",
        "colonia",
        "quartier",
        "bairro",
        "vereda",
    ],
    "lat": ["lat", "latitude", "latitud", "lintang", "y"],
    "lon": ["lon", "lng", "long", "longitude", "longitud", "bujur", "x"],
    "description": [
        "description",
        "descriptor",
        "details",
        "detail",
        "summary",
        "text",
        "isi",
        "keterangan",
        "uraian",
        "descripcion",
        "observaciones",
        "comentario",
        "texte",
        "commentaire",
        "descricao",
        "observacao",
    ],
}

# Where a closed complaint's time may be when the export has no closing date (a last update).
CLOSING_WORDS = [
    "resolution_action_updated_date",
    "last_updated",
    "last_update",
    "updated_at",
    "updated_date",
    "date_updated",
    "modified",
    "date_modified",
    "last_modified",
    "fecha_actualizacion",
    "date_maj",
    "data_atualizacao",
    "diperbarui",
]

# The same for camera and wifi-point lists (a city may bring those first, or only those).
LIST_NAMES = {
    "cctv_sites": {
        "camera_id": [
            "camera_id",
            "cctv_id",
            "id_camera",
            "id_kamera",
            "kode_kamera",
            "camara_id",
            "camera",
            "cctv",
            "kamera",
            "id",
            "code",
            "kode",
        ],
        "name": [
            "name",
            "camera_name",
            "nama",
            "nama_lokasi",
            "title",
            "lokasi",
            "location_name",
            "location",
            "nombre",
            "nom",
            "ubicacion",
            "site",
            "address",
        ],
        "kind": ["kind", "camera_type", "type", "jenis", "tipo", "category", "kategori", "purpose"],
        "status": ["status", "state", "estado", "statut", "kondisi", "condition"],
        "last_seen_at": [
            "last_seen_at",
            "last_seen",
            "last_online",
            "last_active",
            "last_update",
            "updated_at",
            "last_heartbeat",
        ],
        "agency": ["agency", "operator", "owner", "pengelola", "instansi", "opd"],
        "view_radius_m": ["view_radius_m", "view_radius", "radius_m", "radius"],
    },
    "wifi_points": {
        "ap_id": [
            "ap_id",
            "hotspot_id",
            "access_point_id",
            "access_point",
            "ap_name",
            "ap",
            "mac",
            "bssid",
            "id",
            "code",
            "kode",
        ],
        "site_name": [
            "site_name",
            "name",
            "nama",
            "nama_lokasi",
            "lokasi",
            "location_name",
            "location",
            "nombre",
            "nom",
            "site",
            "address",
        ],
        "site_type": [
            "site_type",
            "location_type",
            "type",
            "jenis",
            "tipo",
            "category",
            "kategori",
        ],
        "status": ["status", "state", "estado", "statut", "kondisi"],
        "bandwidth_mbps": ["bandwidth_mbps", "bandwidth", "mbps", "uplink", "speed", "kecepatan"],
        "coverage_radius_m": ["coverage_radius_m", "coverage_radius", "radius_m", "radius"],
    },
}
LIST_WORDS = {  # a header or file name with one of these says which list it is
    "cctv_sites": r"cctv|camera|kamera|camara|cam_|_cam|webcam",
    "wifi_points": r"wifi|wi_fi|hotspot|access_point|ap_id|bssid|ssid",
}
LIST_STATUS_WORDS = {
    "cctv_sites": [
        (r"maint|perbaik|perawat|repair|manten|servic", "maintenance"),
        (
            r"offline|^off$|down|mati|rusak|inactive|nonaktif|fuera|hors|broken|fault|error",
            "offline",
        ),
        (
            r"online|^on$|^up$|aktif|active|live|normal|^ok$|baik|en_linea|en_ligne|working",
            "online",
        ),
    ],
    "wifi_points": [
        (r"maint|perbaik|perawat|repair|manten|servic", "maintenance"),
        (r"inactive|nonaktif|offline|^off$|down|mati|rusak|fuera|hors|broken", "inactive"),
        (r"active|aktif|online|^on$|^up$|live|normal|^ok$|baik|working", "active"),
    ],
}

# Status words of common exports -> canonical statuses (matched on the lower-cased value).
STATUS_WORDS = [
    (
        r"reject|invalid|duplicate|cancel|withdrawn|ditolak|rechaz|anulad|annul|rejet|rejeit|cancelad",
        "rejected",
    ),
    (
        r"close|resolv|complete|done|fixed|selesai|cerrad|resuelt|finaliz|atendid|ferm|clotur|termin|concluid|solucionad",
        "resolved",
    ),
    (
        r"progress|started|working|pending|proses|curso|tramite|proceso|traitement|andamento",
        "in_progress",
    ),
    (r"assign|dispatch|forward|diteruskan|asignad|transmis|encaminhad|derivad", "dispatched"),
    (r"verif|review|acknowledg|revis|valid", "verified"),
    (
        r"open|new|submit|receiv|unspecified|baru|abiert|nuev|recibid|ouvert|nouveau|aberto|novo",
        "new",
    ),
]


def _key(name: str) -> str:
    """A header as lower_snake words: CamelCase split ("ServiceRequestNum" -> service_request_num),
    accents dropped ("Descripción" -> descripcion), every other separator one underscore."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", text)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def slug(value: str) -> str:
    return _key(value)[:40] or "other"


def guess_columns(columns: list[str], names: dict | None = None) -> dict[str, str]:
    """Canonical column -> source column, each source used at most once; exact names first, then words."""
    keys = {c: _key(c) for c in columns}
    out: dict[str, str] = {}
    for exact in (True, False):
        for canon, words in (names or NAMES).items():
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
    """Source status -> canonical status; a value that is a canonical status in another case ("New",
    "RESOLVED") is mapped too (stored statuses are exact), one already canonical is left out."""
    out = {}
    for v in values:
        low = _key(v)
        if str(v) in COMPLAINT_STATUSES:
            continue
        if low in COMPLAINT_STATUSES:
            out[v] = low
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
    kind: str = "complaints"  # the table the sample fills: complaints, cctv_sites or wifi_points
    placeholders: list[tuple[float, float]] = field(default_factory=list)
    timezone: str | None = None
    select: str | None = None  # for a nested JSON: the SQL that makes its records rows
    found_by: dict[str, str] = field(default_factory=dict)  # canonical -> how it was found
    select_of: dict[str, str] = field(default_factory=dict)  # flattened field -> its SQL path
    closed_from: str | None = None  # [closing] closed_at_from: a last-update column


def guess_kind(columns: list[str], file_name: str) -> str:
    """Which table a sample fills: a complaints export has a creation date and a category or status;
    a list whose headers or name speak of cameras or wifi points, with coordinates, is that list."""
    cols = guess_columns(columns)
    if "created_at" in cols and ("category" in cols or "description" in cols):
        return "complaints"
    text = " ".join([_key(file_name), *(_key(c) for c in columns)])
    for kind, words in LIST_WORDS.items():
        if re.search(words, text):
            return kind
    return "complaints"


def _unique_column(df: pd.DataFrame, taken) -> str | None:
    """A column whose values are all present and all different: an id found by its values."""
    best = None
    for c in df.columns:
        if c in taken:
            continue
        v = df[c]
        if v.isna().any() or v.astype(str).str.strip().eq("").any() or not v.is_unique:
            continue
        if pd.api.types.is_float_dtype(v):
            continue  # measurements, not ids
        score = (
            bool(re.search(r"(^|_)(id|no|num|number|key|code|folio|ref)($|_)", _key(c))),
            -list(df.columns).index(c),
        )
        if best is None or score > best[0]:
            best = (score, c)
    return best[1] if best else None


def _date_column(df: pd.DataFrame, taken) -> tuple[str | None, float]:
    """The column most of whose values read as dates (formats tried on the values themselves)."""
    best: tuple[str | None, float] = (None, 0.0)
    for c in df.columns:
        if c in taken or pd.api.types.is_numeric_dtype(df[c]):
            continue
        sample = df[c].dropna().astype(str).head(2000)
        if sample.empty or not sample.str.contains(r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}").mean() > 0.8:
            continue
        share = guess_date_format(sample)[1]
        if share > best[1]:
            best = (c, share)
    return best if best[1] >= 0.9 else (None, 0.0)


def _coordinate_columns(df: pd.DataFrame, taken) -> tuple[str | None, str | None]:
    """(lat, lon) found by their values: decimal numbers within the ranges of a latitude and a
    longitude, spread over less than two degrees (one city), the latitude the one within +-90."""
    numeric = {}
    for c in df.columns:
        if c in taken:
            continue
        v = pd.to_numeric(df[c], errors="coerce")
        if v.notna().mean() < 0.5 or (v.dropna() == v.dropna().round()).mean() > 0.5:
            continue  # text, or whole numbers (counts, ids)
        lo, hi = v.quantile(0.01), v.quantile(0.99)
        if hi - lo < 2 and lo >= -180 and hi <= 180:
            numeric[c] = (lo, hi)
    lats = [c for c, (lo, hi) in numeric.items() if lo >= -90 and hi <= 90]
    for lat in lats:
        for lon in numeric:
            if lon != lat:
                return lat, lon
    return None, None


def _placeholder_points(lat: pd.Series, lon: pd.Series) -> list[tuple[float, float]]:
    """Points repeated far more than a real place is: at least 2% of the rows with coordinates and 20
    rows (a city hall or a default map centre given when the reporter chose no place)."""
    pairs = pd.DataFrame({"lat": lat.round(6), "lon": lon.round(6)}).dropna()
    if len(pairs) < 50:
        return []
    counts = pairs.value_counts()
    hot = counts[(counts >= 20) & (counts / len(pairs) >= 0.02)]
    return [(float(a), float(b)) for a, b in hot.index[:3]]


def guess_timezone(lat: float, lon: float) -> str | None:
    """The IANA zone at a point, offline (tzfpy's bundled polygons); None without the package."""
    try:
        from tzfpy import get_tz
    except ImportError:  # pragma: no cover - a dependency of the package; a trimmed install
        return None
    return get_tz(lon, lat) or None


def propose(sample: Path, rows: int = SAMPLE_ROWS) -> Proposal:
    """What the first batch of the sample says about its columns and values."""
    nested = nested_records(sample)
    df = nested[1] if nested else next(read_batches(sample, rows=rows))
    kind = guess_kind(list(df.columns), sample.name)
    names = (
        NAMES
        if kind == "complaints"
        else {**LIST_NAMES[kind], **{k: NAMES[k] for k in ("lat", "lon", "kecamatan")}}
    )
    own = [c for c in df.columns if not str(c).startswith("parent.")]
    cols = guess_columns(own, names)
    found_by = {c: "name" for c in cols}
    parent = [c for c in df.columns if str(c).startswith("parent.")]
    if parent and "kecamatan" not in cols:  # records grouped under their district: its name
        group = guess_columns(
            [c.removeprefix("parent.") for c in parent],
            {"kecamatan": [*NAMES["kecamatan"], "name", "nama", "title", "nombre", "nom"]},
        )
        if group:
            cols["kecamatan"] = "parent." + group["kecamatan"]
            found_by["kecamatan"] = "place (the group the records are listed under)"
    notes = []
    id_col = "complaint_id" if kind == "complaints" else next(iter(LIST_NAMES[kind]))
    if id_col in cols and not df[cols[id_col]].dropna().is_unique:
        notes.append(
            f"{cols[id_col]} repeats values: it cannot be the id; check [columns] {id_col}"
        )
        del cols[id_col]
    if id_col not in cols:
        found = _unique_column(df, set(cols.values()))
        if found:
            cols[id_col], found_by[id_col] = found, "values (every value different)"
    if kind == "complaints" and "created_at" not in cols:
        found, _ = _date_column(df, set(cols.values()))
        if found:
            cols["created_at"], found_by["created_at"] = found, "values (they read as dates)"
    if "lat" not in cols or "lon" not in cols:
        lat_c, lon_c = _coordinate_columns(df, set(cols.values()))
        if lat_c and lon_c:
            cols["lat"], cols["lon"] = lat_c, lon_c
            found_by["lat"] = found_by["lon"] = "values (their ranges)"
    required = [
        c
        for c in TABLES[kind].required
        if c not in cols
        and c
        not in (
            "due_at",
            "agency",
            "kecamatan",
            "channel",
            "kind",
            "status",
            "view_radius_m",
            "site_type",
            "coverage_radius_m",
        )
    ]
    if required:
        notes.append(
            f"no column found for {', '.join(required)}: set it under [columns] in mapping.toml"
        )
    if "kecamatan" not in cols:
        notes.append(
            "no district column: rows are placed by their point, so [map] districts_file (the "
            "district polygons) is needed before the first ingest"
        )
    fmt, share = (None, 0.0)
    if kind == "complaints":
        if "created_at" in cols:
            fmt, share = guess_date_format(df[cols["created_at"]])
            if share < 0.99:
                notes.append(
                    f"the date format reads {share:.0%} of {cols['created_at']}: check [dates] format"
                )
        else:
            notes.append("no column reads as dates: set [columns] created_at and [dates] format")

    def distinct(canon, n=40):
        if canon not in cols:
            return []
        return df[cols[canon]].dropna().value_counts().head(n).index.astype(str).tolist()

    channels = {v: slug(v) for v in distinct("channel", 30)} if kind == "complaints" else {}
    bbox = center = timezone = None
    points: list[tuple[float, float]] = []
    if "lat" in cols and "lon" in cols:
        lat = pd.to_numeric(df[cols["lat"]], errors="coerce")
        lon = pd.to_numeric(df[cols["lon"]], errors="coerce")
        ok = (
            lat.between(-90, 90)
            & lon.between(-180, 180)
            & ~((lat.abs() < 1e-9) & (lon.abs() < 1e-9))
        )
        points = _placeholder_points(lat[ok], lon[ok])
        for a, b in points:
            n = int(((lat.round(6) == a) & (lon.round(6) == b)).sum())
            notes.append(
                f"{n:,} rows ({n / max(int(ok.sum()), 1):.0%}) share the point {a}, {b}: a placeholder? "
                "mapping.toml lists it under [placeholders] (those rows keep their district, off the maps)"
            )
            ok &= ~((lat.round(6) == a) & (lon.round(6) == b))
        if ok.sum() >= 10:
            la, lo = lat[ok].to_numpy(), lon[ok].to_numpy()
            (y0, y1), (x0, x1) = np.quantile(la, [0.001, 0.999]), np.quantile(lo, [0.001, 0.999])
            my, mx = max((y1 - y0) * 0.05, 0.01), max((x1 - x0) * 0.05, 0.01)
            bbox = (round(x0 - mx, 4), round(y0 - my, 4), round(x1 + mx, 4), round(y1 + my, 4))
            center = (round(float(np.median(la)), 4), round(float(np.median(lo)), 4))
            timezone = guess_timezone(*center)
        else:
            notes.append("too few coordinates to place the city: set [map] bbox by hand")
    closed_from = None
    if kind == "complaints":
        statuses = map_statuses(distinct("status"))
        closing = [k for k, v in statuses.items() if v in ("resolved", "rejected")] + [
            v for v in distinct("status") if v in ("resolved", "rejected")
        ]
        if closing and "status" in cols:
            closed = df[cols["status"]].astype(str).isin(closing)
            blank = df[cols["closed_at"]].isna() if "closed_at" in cols else closed
            n = int((closed & blank).sum())
            if n:
                later = guess_columns(
                    [c for c in df.columns if c not in cols.values()], {"closed": CLOSING_WORDS}
                )
                closed_from = later.get("closed")
                notes.append(
                    f"{n:,} closed rows have no closing time: "
                    + (
                        f"mapping.toml takes it from {closed_from} ([closing] closed_at_from)"
                        if closed_from
                        else "they are rejected unless [closing] closed_at_from names a column to take it from"
                    )
                )
    else:
        statuses = map_list_statuses(kind, distinct("status"))
    return Proposal(
        cols,
        fmt,
        share,
        statuses,
        channels,
        distinct("category", 60),
        bbox,
        center,
        distinct("kecamatan", 200),
        len(df),
        notes,
        kind=kind,
        placeholders=points,
        timezone=timezone,
        select=nested[0] if nested else None,
        found_by=found_by,
        select_of=nested[1].attrs["select_of"] if nested else {},
        closed_from=closed_from,
    )


def map_list_statuses(kind: str, values: list[str]) -> dict[str, str]:
    """A camera's or a wifi point's status words -> the table's statuses (exact ones left out)."""
    own = CCTV_STATUSES if kind == "cctv_sites" else WIFI_STATUSES
    out = {}
    for v in values:
        low = _key(v)
        if str(v) in own:
            continue
        out[v] = (
            low
            if low in own
            else next(
                (code for rx, code in LIST_STATUS_WORDS[kind] if re.search(rx, low)),
                "unknown" if kind == "cctv_sites" else "inactive",
            )
        )
    return out


def nested_records(sample: Path) -> tuple[str, pd.DataFrame] | None:
    """For a JSON document whose records sit inside another list (districts[] -> cameras[]) or under a
    key of an object: the select that makes them rows, and a sample of them flattened (their dotted
    paths as column names, the parent's fields as parent.NAME). None for a flat file."""
    name = sample.name.lower()
    if not (name.endswith(".json") or name.endswith(".json.gz")):
        return None
    import gzip
    import json

    opener = gzip.open if name.endswith(".gz") else open
    try:
        with opener(sample, "rt", encoding="utf-8-sig") as fh:
            raw = json.load(fh)
    except (OSError, ValueError, RecursionError):
        return None  # the reader says what is wrong when the file is ingested
    frm, prefix, records = "source", "", raw
    if isinstance(raw, dict):
        lists = [
            (k, v) for k, v in raw.items() if isinstance(v, list) and v and isinstance(v[0], dict)
        ]
        if len(lists) != 1:
            return None
        key, records = lists[0]
        frm, prefix = f"source, unnest(source.{_ident(key)}) AS t(p)", "p."
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return None
    children = [
        k for k, v in records[0].items() if isinstance(v, list) and v and isinstance(v[0], dict)
    ]
    if len(children) == 1:  # parent records each holding a list of the real records
        child = children[0]
        parent_fields = [k for k, v in records[0].items() if not isinstance(v, (list, dict))]
        rows = [
            {**{f"parent.{f}": rec.get(f) for f in parent_fields}, **_flat(item)}
            for rec in records[:2000]
            for item in rec.get(child) or []
        ]
        parent = "p" if prefix else "source"
        frm = (f"{frm}, " if prefix else "source, ") + f"unnest({parent}.{_ident(child)}) AS u(r)"
        select_of = {**{f"parent.{f}": f"{parent}.{_ident(f)}" for f in parent_fields}}
        select_of |= {
            k: "r." + ".".join(_ident(x) for x in k.split("."))
            for k in (rows[0] if rows else {})
            if not k.startswith("parent.")
        }
    elif prefix:
        rows = [_flat(r) for r in records[:2000]]
        select_of = {k: "p." + ".".join(_ident(x) for x in k.split(".")) for k in rows[0]}
    else:
        if not any(isinstance(v, dict) for v in records[0].values()):
            return None  # flat already: the reader takes it as it is
        rows = [_flat(r) for r in records[:2000]]
        select_of = {k: "source." + ".".join(_ident(x) for x in k.split(".")) for k in rows[0]}
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    frame.attrs["select_of"] = select_of
    frame.attrs["from"] = frm
    return frm, frame


def _flat(record: dict, prefix: str = "") -> dict:
    out: dict = {}
    for k, v in record.items():
        if isinstance(v, dict):
            out |= _flat(v, f"{prefix}{k}.")
        elif not isinstance(v, list):
            out[f"{prefix}{k}"] = v
    return out


def _ident(name: str) -> str:
    return (
        name
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name)
        else '"' + name.replace('"', '""') + '"'
    )


def _q(text: str) -> str:
    """A TOML basic string."""
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def mapping_text(p: Proposal, sample_name: str) -> str:
    lines = [
        f"# Mapping proposed by `python -m ccdash city init` from {sample_name} ({p.kind}): review every line.",
        "",
    ]
    if p.select:  # nested JSON: one SQL query makes the records rows, named as ccdash names them
        fields = [
            f"{p.select_of[src]} AS {canon}"
            for canon, src in p.columns.items()
            if src in p.select_of
        ]
        lines += [
            'select = """',
            "SELECT " + ",\n       ".join(fields),
            f"FROM {p.select}",
            '"""',
            "",
        ]
    else:
        lines += ["[columns]"]
        lines += [
            f"{canon} = {_q(src)}"
            + (
                f"  # found by its {p.found_by[canon]}"
                if p.found_by.get(canon, "name") != "name"
                else ""
            )
            for canon, src in p.columns.items()
        ]
    if p.kind == "complaints":
        lines += ["", "[dates]"]
        if p.date_format:
            lines.append(
                f"format = {_q(p.date_format)}  # read {p.date_share:.1%} of the sample's {p.columns.get('created_at')}"
            )
        elif "created_at" in p.columns:
            lines.append("# format: none needed, the sample's dates are ISO 8601")
        else:
            lines.append("# format: no column read as dates; name it under [columns] created_at")
    if p.statuses:
        own = {
            "complaints": COMPLAINT_STATUSES,
            "cctv_sites": CCTV_STATUSES,
            "wifi_points": WIFI_STATUSES,
        }[p.kind]
        lines += ["", "[values.status]  # to: " + ", ".join(own)]
        lines += [f"{_q(k)} = {_q(v)}" for k, v in p.statuses.items()]
    renamed = {k: v for k, v in p.channels.items() if k != v}
    if renamed:
        lines += ["", "[values.channel]  # to the codes of city.toml's [channels]"]
        lines += [f"{_q(k)} = {_q(v)}" for k, v in renamed.items()]
    constants = []
    if p.kind == "complaints" and "channel" not in p.columns:
        constants.append('channel = "other"  # no channel column in the sample')
    if p.kind == "cctv_sites" and "status" not in p.columns:
        constants.append('status = "unknown"  # no status column: cameras are drawn as unknown')
    if p.kind == "cctv_sites" and "kind" not in p.columns:
        constants.append('kind = "public_space"  # no kind column: one of ' + ", ".join(CCTV_KINDS))
    if p.kind == "wifi_points" and "status" not in p.columns:
        constants.append('status = "active"  # no status column')
    if p.kind == "wifi_points" and "site_type" not in p.columns:
        constants.append('site_type = "other"  # no site type column')
    if constants:
        lines += ["", "[constants]", *constants]
    if p.closed_from:
        lines += [
            "",
            "[closing]  # a closed complaint without its closing time closes at this column's time",
            f"closed_at_from = {_q(p.closed_from)}",
        ]
    if p.placeholders:
        pts = ", ".join(f"[{a}, {b}]" for a, b in p.placeholders)
        lines += [
            "",
            "[placeholders]  # points repeated far more than a real place: review",
            f"points = [{pts}]",
        ]
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
        (
            f"timezone = {_q(p.timezone)}  # proposed from the coordinates (tzfpy): check it"
            if p.timezone
            else 'timezone = "UTC"                 # set the city\'s IANA zone, e.g. "America/Chicago"'
        ),
        f"timezone_label = {_q(p.timezone or 'UTC')}",
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
        "[layers]  # what the city has; the others' pages, tiles and views stay away",
        f"complaints = {str(p.kind == 'complaints').lower()}",
        f"cctv = {str(p.kind == 'cctv_sites').lower()}",
        f"wifi = {str(p.kind == 'wifi_points').lower()}",
    ]
    if codes or p.channels:
        lines += ["", "[channels]"]
        labels = {v: (k.title() if k.isupper() else k) for k, v in p.channels.items()}
        lines += [
            f"{c} = {{ id = {_q(labels.get(c, c))}, en = {_q(labels.get(c, c))} }}" for c in codes
        ]
        if "other" not in codes:
            lines.append('other = { id = "Lainnya", en = "Other" }')
    if p.kind == "wifi_points":
        lines += [
            "",
            "[wifi.default_radius_m]  # metres a point serves when the list gives no radius, by site type",
            "other = 50",
        ]
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
    ]
    if not p.timezone:
        out.append("the city's time zone: [city] timezone (UTC until set)")
    if p.districts:
        out.append(
            f"the sample names {len(p.districts)} districts ({', '.join(p.districts[:5])}"
            f"{', ...' if len(p.districts) > 5 else ''}): the facts file lists them"
        )
    return out
