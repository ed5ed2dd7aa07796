"""The canonical columns of every extract, in one place."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # one of: str, int, float, timestamp, date
    required: bool = True
    personal: bool = False  # stored, never displayed
    doc: str = ""
    free_text: bool = (
        False  # long text a person wrote: cut at the profile's max_text_chars, not rejected
    )
    positive: bool = False  # a number that must be above zero


COMPLAINT_STATUSES = ("new", "verified", "dispatched", "in_progress", "resolved", "rejected")
OPEN_STATUSES = ("new", "verified", "dispatched", "in_progress")
CLOSED_STATUSES = ("resolved", "rejected")
CHANNELS = (
    "lapor",
    "whatsapp",
    "instagram",
    "x_twitter",
    "call_center_112",
    "website",
    "walk_in",
    "mobile_app",
    "other",
)
CCTV_KINDS = ("traffic_atcs", "public_safety", "flood_watch", "public_space")
CCTV_STATUSES = ("online", "offline", "maintenance", "unknown")  # unknown: a source without status
WIFI_SITE_TYPES = (
    "park",
    "mosque",
    "school",
    "kelurahan_office",
    "kecamatan_office",
    "rw_hall",
    "terminal",
    "market",
    "health_center",
    "library",
    "other",
)
WIFI_STATUSES = ("active", "inactive", "maintenance")

H3_RESOLUTIONS = (7, 8, 9)
H3_COLUMNS = tuple(f"h3_r{r}" for r in H3_RESOLUTIONS)

COMPLAINTS = (
    Column("complaint_id", "str", doc="unique id of the report"),
    Column("created_at", "timestamp", doc="when the report came in (city local time)"),
    Column(
        "due_at",
        "timestamp",
        doc="SLA deadline; from the profile's SLA days when the source has none",
    ),
    Column(
        "closed_at",
        "timestamp",
        required=False,
        doc="when it was resolved or rejected; empty while open",
    ),
    Column("status", "str", doc="one of " + ", ".join(COMPLAINT_STATUSES)),
    Column("category", "str", doc="what the complaint is about"),
    Column("agency", "str", doc="the OPD/dinas responsible"),
    Column("channel", "str", doc="one of " + ", ".join(CHANNELS)),
    Column("kecamatan", "str", doc="district; found by point-in-polygon when missing"),
    Column("kelurahan", "str", required=False, doc="sub-district, optional"),
    Column("lat", "float", required=False, doc="WGS84 latitude"),
    Column("lon", "float", required=False, doc="WGS84 longitude"),
    Column(
        "description",
        "str",
        required=False,
        doc="free text from the citizen (data, never markup)",
        free_text=True,
    ),
    Column(
        "reporter_name",
        "str",
        required=False,
        personal=True,
        doc="personal data: stored, never displayed",
    ),
    Column(
        "reporter_phone",
        "str",
        required=False,
        personal=True,
        doc="personal data: stored, never displayed",
    ),
    Column(
        "reporter_email",
        "str",
        required=False,
        personal=True,
        doc="personal data: stored, never displayed",
    ),
)

CCTV_SITES = (
    Column("camera_id", "str", doc="unique id"),
    Column("name", "str", doc="site name (data, never markup)"),
    Column("lat", "float"),
    Column("lon", "float"),
    Column("kecamatan", "str", doc="found by point-in-polygon when missing"),
    Column("kind", "str", doc="one of " + ", ".join(CCTV_KINDS)),
    Column("status", "str", doc="one of " + ", ".join(CCTV_STATUSES)),
    Column("last_seen_at", "timestamp", required=False, doc="last frame received"),
    Column("installed_at", "date", required=False),
    Column("agency", "str", required=False, doc="operator of the camera"),
    Column(
        "view_radius_m",
        "float",
        doc="how far the camera sees, metres; the profile's default when missing",
        positive=True,
    ),
)

WIFI_POINTS = (
    Column("ap_id", "str", doc="unique id of the access point"),
    Column("site_name", "str", doc="site name (data, never markup)"),
    Column("site_type", "str", doc="one of " + ", ".join(WIFI_SITE_TYPES)),
    Column("lat", "float"),
    Column("lon", "float"),
    Column("kecamatan", "str", doc="found by point-in-polygon when missing"),
    Column(
        "bandwidth_mbps",
        "int",
        required=False,
        doc="the uplink, Mbps; without it the bandwidth panels say so",
        positive=True,
    ),
    Column("status", "str", doc="one of " + ", ".join(WIFI_STATUSES)),
    Column("installed_at", "date", required=False),
    Column(
        "coverage_radius_m",
        "float",
        doc="radius served, metres; the profile's default for the site type when missing",
        positive=True,
    ),
)

WIFI_USAGE = (
    Column("ap_id", "str"),
    Column("month", "date", doc="first day of the month"),
    Column("users", "int", doc="distinct users that month (0 or more)"),
)

DISTRICTS = (
    Column("kecamatan", "str"),
    Column("population", "int"),
    Column("area_ha", "float"),
    Column("centroid_lat", "float"),
    Column("centroid_lon", "float"),
)


@dataclass(frozen=True)
class Table:
    """One extract: its file stem, key columns, columns, and the enums some columns must match.

    A row whose key is stored replaces the stored row (no key: every row is added)."""

    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    enums: dict
    has_location: bool = True
    # Stored as a Hive-partitioned dataset by the month of this timestamp column (the partition column is
    # named <column's stem>_month: created_at -> created_month); None keeps the table's files unpartitioned.
    partition_by: str | None = None

    @property
    def partition_column(self) -> str | None:
        return (
            None if self.partition_by is None else self.partition_by.removesuffix("_at") + "_month"
        )

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def personal(self) -> list[str]:
        return [c.name for c in self.columns if c.personal]

    def stored_names(self) -> list[str]:
        """Columns as written to Parquet: the model plus enrichment columns."""
        extra = list(H3_COLUMNS) if self.has_location else []
        return self.names + extra

    @property
    def key_name(self) -> str:
        """The key as a reader names it: `complaint_id`, or `(ap_id, month)`."""
        return self.key[0] if len(self.key) == 1 else f"({', '.join(self.key)})"

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


TABLES = {
    "complaints": Table(
        "complaints",
        ("complaint_id",),
        COMPLAINTS,
        {"status": COMPLAINT_STATUSES, "channel": CHANNELS},
        partition_by="created_at",
    ),
    "cctv_sites": Table(
        "cctv_sites", ("camera_id",), CCTV_SITES, {"kind": CCTV_KINDS, "status": CCTV_STATUSES}
    ),
    "wifi_points": Table(
        "wifi_points",
        ("ap_id",),
        WIFI_POINTS,
        {"site_type": WIFI_SITE_TYPES, "status": WIFI_STATUSES},
    ),
    # A point's users of a month: a month sent again (a retry, a corrected figure) replaces it.
    "wifi_usage": Table("wifi_usage", ("ap_id", "month"), WIFI_USAGE, {}, has_location=False),
}

# The ingest CLI's --kind names, mapped to tables.
KINDS = {
    "complaints": "complaints",
    "cctv": "cctv_sites",
    "wifi": "wifi_points",
    "wifi_usage": "wifi_usage",
}


def displayable(table: str) -> list[str]:
    """Columns that may reach a screen: everything but personal data."""
    t = TABLES[table]
    return [n for n in t.stored_names() if n not in t.personal]
