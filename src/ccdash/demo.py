"""Deterministic synthetic extracts for Kota Bandung: `python -m ccdash.demo --seed 42 --out data`.

Grounded in facts (the 30 kecamatan with BPS 2022 population and area); everything else is
invented and labelled synthetic wherever it is shown.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from . import geo
from .extracts import write_csv_atomic, write_parquet_atomic, write_text_atomic
from .ingest import add_h3
from .profile import load_profile, profile_path
from .schema import TABLES

DEFAULT_END = "2026-11-20"
DEFAULT_DAYS = 730
DEFAULT_COMPLAINTS = 120_000

# Share of complaints per category in the dry season, and how much the rainy season (Nov-Apr)
# multiplies it.
CATEGORY_MIX = {
    "road_damage": (0.14, 1.8), "drainage": (0.08, 2.2), "flooding": (0.03, 4.0),
    "street_light": (0.09, 1.1), "traffic_light": (0.04, 1.2), "illegal_parking": (0.08, 1.0),
    "waste": (0.13, 1.3), "street_vendors": (0.07, 0.8), "public_order": (0.06, 0.9),
    "civil_registry": (0.09, 1.0), "health": (0.04, 1.1), "education": (0.04, 1.0),
    "water_supply": (0.06, 0.9), "permits": (0.03, 1.0), "fallen_tree": (0.02, 3.0),
}
# Median resolution time as a share of the SLA, per agency: how each OPD performs.
AGENCY_SPEED = {
    "DSDABM": 0.62, "Dishub": 0.50, "DLH": 0.48, "Satpol PP": 0.55, "Disdukcapil": 0.75,
    "Dinkes": 0.52, "Disdik": 0.70, "PDAM Tirtawening": 0.58, "DPMPTSP": 0.66, "Distaru": 0.60,
}
CHANNEL_MIX = {
    "lapor": 0.30, "whatsapp": 0.22, "instagram": 0.09, "x_twitter": 0.06, "call_center_112": 0.12,
    "website": 0.10, "walk_in": 0.05, "mobile_app": 0.06,
}
WEEKDAY = np.array([1.15, 1.08, 1.05, 1.0, 0.92, 0.62, 0.50])  # Mon..Sun
HOUR = np.array([0.3, 0.2, 0.15, 0.15, 0.3, 0.8, 1.6, 2.8, 4.5, 5.5, 5.6, 5.2, 4.2, 4.8, 5.0,
                 4.6, 3.8, 3.0, 2.6, 2.8, 2.6, 2.0, 1.2, 0.6])
CENTRE = ("Coblong", "Regol", "Bandung Wetan", "Sumur Bandung")
FLOOD_PRONE = ("Gedebage", "Rancasari", "Bandung Kidul", "Cinambo", "Buahbatu")

STREETS = (
    "Jl. Asia Afrika", "Jl. Braga", "Jl. Dago", "Jl. Soekarno-Hatta", "Jl. Pasteur", "Jl. Cihampelas",
    "Jl. Buah Batu", "Jl. Kiaracondong", "Jl. A.H. Nasution", "Jl. Pahlawan", "Jl. Riau",
    "Jl. Merdeka", "Jl. Sudirman", "Jl. Pasir Kaliki", "Jl. Setiabudi", "Jl. Gatot Subroto",
    "Jl. Ahmad Yani", "Jl. Cibaduyut", "Jl. Kopo", "Jl. Terusan Jakarta", "Jl. Cicaheum",
    "Jl. Surapati", "Jl. Peta", "Jl. Moh. Toha", "Jl. Otista", "Jl. Cikutra", "Jl. Sukajadi",
    "Jl. Gedebage", "Jl. Cimahi Raya", "Jl. Rumah Sakit", "Jl. Jakarta", "Jl. Sunda",
)
PLACES = ("pertigaan", "depan SD", "dekat masjid", "depan pasar", "gang RT 03", "samping puskesmas",
          "depan minimarket", "perempatan", "dekat jembatan", "ujung gang RW 07")
TEMPLATES = {
    "road_damage": ("Jalan di {p} {s} berlubang besar, sudah ada pengendara motor yang jatuh. Mohon segera ditambal.",
                    "Aspal {s} rusak parah dan bergelombang sepanjang kurang lebih 50 meter di {p}.",
                    "Lubang jalan di {p} {s} makin dalam setelah hujan, berbahaya malam hari."),
    "drainage": ("Saluran air di {p} {s} tersumbat sampah, air meluap ke jalan setiap hujan.",
                 "Gorong-gorong di {p} {s} mampet, bau dan jadi sarang nyamuk.",
                 "Drainase {s} dangkal dan penuh lumpur, mohon dikeruk."),
    "flooding": ("Banjir setinggi lutut di {p} {s}, kendaraan tidak bisa lewat.",
                 "Genangan air tidak surut sejak sore di {p} {s}, rumah warga mulai kemasukan air.",
                 "Sungai meluap di {p} {s}, warga butuh bantuan pompa."),
    "street_light": ("Lampu PJU di {p} {s} mati sudah seminggu, jalan gelap dan rawan.",
                     "Beberapa tiang lampu jalan {s} padam di {p}, mohon diperbaiki.",
                     "PJU {s} berkedip lalu mati, daerah {p} gelap gulita."),
    "traffic_light": ("Lampu merah di {p} {s} mati, lalu lintas semrawut.",
                      "Traffic light {s} menyala kuning terus di {p}.",
                      "Durasi lampu hijau {s} terlalu singkat, macet panjang di {p}."),
    "illegal_parking": ("Parkir liar di {p} {s} memakan badan jalan, macet setiap sore.",
                        "Juru parkir liar di {p} {s} menarik tarif tidak wajar.",
                        "Mobil parkir di trotoar {s} dekat {p}, pejalan kaki terpaksa ke jalan."),
    "waste": ("Sampah menumpuk di TPS {p} {s} sudah tiga hari tidak diangkut.",
              "Warga membuang sampah sembarangan di {p} {s}, bau menyengat.",
              "Tumpukan sampah di {p} {s} menghalangi jalan."),
    "street_vendors": ("PKL berjualan di trotoar {s} dekat {p}, pejalan kaki tidak bisa lewat.",
                       "Lapak pedagang di {p} {s} menutup saluran air.",
                       "PKL kembali berjualan di zona merah {s} ({p})."),
    "public_order": ("Suara musik keras sampai larut malam di {p} {s}.",
                     "Sering ada balap liar malam hari di {s} dekat {p}.",
                     "Bangunan liar berdiri di {p} {s}, mohon ditertibkan."),
    "civil_registry": ("Pengajuan perubahan KK sejak sebulan lalu belum selesai, status masih diproses.",
                       "Blanko KTP-el di kecamatan kosong, sudah tiga kali datang.",
                       "Data NIK anak tidak muncul setelah pindah domisili, mohon dibantu."),
    "health": ("Antrean di puskesmas dekat {p} {s} sangat panjang, petugas sedikit.",
               "Fogging belum dilakukan padahal ada kasus DBD di {p} {s}.",
               "Obat di puskesmas {s} sering kosong."),
    "education": ("Sekolah di {p} {s} meminta pungutan di luar ketentuan.",
                  "Zonasi PPDB tidak sesuai jarak rumah ke sekolah di {s}.",
                  "Atap kelas SD di {p} {s} bocor dan hampir roboh."),
    "water_supply": ("Air PDAM di {p} {s} tidak mengalir sejak kemarin pagi.",
                     "Pipa PDAM bocor di {p} {s}, air terbuang ke jalan.",
                     "Air PDAM keruh dan berbau di daerah {s}."),
    "permits": ("Pengurusan izin usaha lewat OSS tidak ada kabar sejak dua minggu.",
                "Ada bangunan tanpa PBG di {p} {s}.",
                "Izin reklame di {s} sudah habis tapi papan masih terpasang."),
    "fallen_tree": ("Pohon tumbang menutup jalan di {p} {s} setelah hujan angin.",
                    "Dahan pohon besar di {s} dekat {p} hampir patah, membahayakan pengguna jalan.",
                    "Taman di {p} {s} tidak terawat, rumput tinggi dan lampu mati."),
}
FIRST = ("Asep", "Dadang", "Euis", "Ujang", "Neng", "Cecep", "Siti", "Rina", "Budi", "Dewi", "Agus",
         "Yanti", "Iwan", "Lilis", "Dedi", "Nining", "Rudi", "Tati", "Hendra", "Wulan")
LAST = ("Suryana", "Hidayat", "Rahmawati", "Permana", "Kurniawan", "Saputra", "Nurhayati",
        "Setiawan", "Gunawan", "Lestari", "Ramdani", "Sopian")


@dataclass(frozen=True)
class Event:
    """A planted event that charts and alerts should find."""

    name: str
    category: str
    kecamatan: tuple[str, ...]
    start_offset_days: int  # days before the end date
    days: int
    extra_per_day: int
    spot: tuple[float, float] | None = None  # cluster the points around (lat, lon)


EVENTS = (
    Event("banjir_februari", "flooding", ("Gedebage", "Rancasari", "Bandung Kidul", "Cinambo"), 640, 7, 45),
    Event("pju_padam", "street_light", ("Lengkong", "Regol"), 2, 3, 18, (-6.9395, 107.6225)),
    Event("banjir_gedebage", "flooding", ("Gedebage", "Rancasari"), 1, 2, 30),
)


def _points_in(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    """n random (lon, lat) points inside a polygon, by rejection from its bounds."""
    x0, y0, x1, y1 = geom.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        k = max(64, int((n - len(out)) * 2.5))
        cand = np.column_stack([rng.uniform(x0, x1, k), rng.uniform(y0, y1, k)])
        out = np.vstack([out, cand[shapely.contains_xy(geom, cand[:, 0], cand[:, 1])]])
    return out[:n]


class _Places:
    """Where things happen in each kecamatan: uniform background plus a few busy spots."""

    def __init__(self, shapes, rng):
        self.shapes = shapes
        self.rng = rng
        self.hotspots = {k: _points_in(g, 6, rng) for k, g in shapes.items()}

    def sample(self, kec: str, n: int, spot=None, spread_deg=0.0035) -> np.ndarray:
        rng, geom = self.rng, self.shapes[kec]
        if spot is not None:
            pts = np.column_stack([rng.normal(spot[1], 0.0025, n), rng.normal(spot[0], 0.0025, n)])
        else:
            n_hot = rng.binomial(n, 0.35)
            centres = self.hotspots[kec][rng.integers(0, len(self.hotspots[kec]), n_hot)]
            hot = centres + rng.normal(0, spread_deg, (n_hot, 2))
            pts = np.vstack([_points_in(geom, n - n_hot, rng), hot])
            rng.shuffle(pts)
        # Anything that strayed outside the district is redrawn inside it.
        bad = ~shapely.contains_xy(geom, pts[:, 0], pts[:, 1])
        if bad.any():
            pts[bad] = _points_in(geom, int(bad.sum()), rng)
        return pts


def generate_complaints(profile, facts, shapes, n_target, end, days, rng) -> pd.DataFrame:
    end = pd.Timestamp(end).normalize()
    dates = pd.date_range(end - pd.Timedelta(days=days - 1), end, freq="D")
    cats = list(CATEGORY_MIX)
    share = np.array([CATEGORY_MIX[c][0] for c in cats])
    rainy_mult = np.array([CATEGORY_MIX[c][1] for c in cats])
    rainy = np.isin(dates.month, [11, 12, 1, 2, 3, 4])
    trend = np.linspace(0.9, 1.1, len(dates))  # channel adoption grows slowly
    lam = (WEEKDAY[dates.day_of_week] * trend)[:, None] * np.where(rainy[:, None], rainy_mult, 1.0) * share
    lam *= n_target / lam.sum()
    counts = rng.poisson(lam)  # days x categories

    kec_names = facts.kecamatan.to_numpy()
    kec_w = facts.population.to_numpy(float)
    kec_w = kec_w / kec_w.sum()
    flood_idx = np.isin(kec_names, FLOOD_PRONE)

    places = _Places(shapes, rng)
    day_idx, cat_idx = np.nonzero(counts)
    reps = counts[day_idx, cat_idx]
    day_of = np.repeat(day_idx, reps)
    cat_of = np.repeat(cat_idx, reps)
    n = len(day_of)
    # Drainage and flood complaints lean to the flood-prone south-east.
    kec_of = np.empty(n, dtype=int)
    wet = np.isin(np.array(cats)[cat_of], ["flooding", "drainage"])
    w_wet = kec_w * np.where(flood_idx, 3.0, 1.0)
    kec_of[~wet] = rng.choice(len(kec_names), (~wet).sum(), p=kec_w)
    kec_of[wet] = rng.choice(len(kec_names), wet.sum(), p=w_wet / w_wet.sum())

    frames = [pd.DataFrame({"day": day_of, "cat": np.array(cats)[cat_of], "kec": kec_names[kec_of],
                            "event": ""})]
    for ev in EVENTS:
        start = len(dates) - 1 - ev.start_offset_days
        if start < 0:
            continue  # the window is too short for this event
        for d in range(start, min(start + ev.days, len(dates))):
            for k in ev.kecamatan:
                m = rng.poisson(ev.extra_per_day)
                frames.append(pd.DataFrame({"day": np.full(m, d), "cat": ev.category, "kec": k,
                                            "event": ev.name}))
    df = pd.concat(frames, ignore_index=True)
    n = len(df)

    # Office-hour peaks; the minute and second are uniform.
    hour = rng.choice(24, n, p=HOUR / HOUR.sum())
    secs = hour * 3600 + rng.integers(0, 3600, n)
    created = dates.to_numpy()[df.day.to_numpy()] + (secs * 1_000_000_000).astype("timedelta64[ns]")
    df["created_at"] = pd.to_datetime(created).astype("datetime64[us]")

    lonlat = np.empty((n, 2))
    for kec, idx in df.groupby("kec").indices.items():
        evs = df.event.to_numpy()[idx]
        spot_rows = np.zeros(len(idx), dtype=bool)
        for ev in EVENTS:
            if ev.spot is not None:
                spot_rows |= evs == ev.name
        if spot_rows.any():
            ev = next(e for e in EVENTS if e.spot is not None and kec in e.kecamatan)
            lonlat[idx[spot_rows]] = places.sample(kec, int(spot_rows.sum()), spot=ev.spot)
        lonlat[idx[~spot_rows]] = places.sample(kec, int((~spot_rows).sum()))
    df["lon"] = lonlat[:, 0].round(6)
    df["lat"] = lonlat[:, 1].round(6)

    df = df.sort_values(["created_at", "kec"], kind="stable").reset_index(drop=True)
    created = df.created_at
    sla = df.cat.map(lambda c: profile.sla_days(c)).to_numpy(float)
    agency = df.cat.map(lambda c: profile.categories[c].agency)
    speed = agency.map(AGENCY_SPEED).to_numpy(float)
    sigma = 0.95
    duration_days = np.exp(rng.normal(np.log(sla * speed), sigma))
    # A rejected report (duplicate, not the city's authority) is answered within a few days.
    rejected = rng.random(n) < 0.06
    duration_days[rejected] = rng.uniform(0.1, 3.0, rejected.sum())
    # Some reports stall and stay open: the overdue backlog.
    stalled = (~rejected) & (rng.random(n) < 0.025)
    now = end + pd.Timedelta(days=1)
    closed = created + pd.to_timedelta(duration_days * 86400, unit="s").round("s")
    is_closed = (closed < now).to_numpy() & ~stalled
    age_days = ((now - created).dt.total_seconds() / 86400).to_numpy()

    status = np.where(rejected, "rejected", "resolved").astype(object)
    open_status = np.select(
        [age_days < 0.3, age_days < 1.0, age_days < 2.5],
        ["new", "verified", "dispatched"], "in_progress")
    status[~is_closed] = open_status[~is_closed]

    years = df.created_at.dt.year.to_numpy()
    seq = np.arange(1, n + 1)
    df_out = pd.DataFrame({
        "complaint_id": [f"BDG-{y}-{s:07d}" for y, s in zip(years, seq)],
        "created_at": df.created_at,
        "due_at": (created + pd.to_timedelta(sla * 86400, unit="s")).astype("datetime64[us]"),
        "closed_at": closed.where(is_closed).astype("datetime64[us]"),
        "status": status,
        "category": df.cat,
        "agency": agency,
        "channel": rng.choice(list(CHANNEL_MIX), n, p=np.array(list(CHANNEL_MIX.values())) / sum(CHANNEL_MIX.values())),
        "kecamatan": df.kec,
        "kelurahan": None,
        "lat": df.lat,
        "lon": df.lon,
    })
    t_idx = rng.integers(0, 3, n)
    s_idx = rng.integers(0, len(STREETS), n)
    p_idx = rng.integers(0, len(PLACES), n)
    df_out["description"] = [
        TEMPLATES[c][t].format(s=STREETS[s], p=PLACES[p])
        for c, t, s, p in zip(df.cat.tolist(), t_idx.tolist(), s_idx.tolist(), p_idx.tolist())
    ]
    f_idx, l_idx = rng.integers(0, len(FIRST), n), rng.integers(0, len(LAST), n)
    df_out["reporter_name"] = [f"{FIRST[a]} {LAST[b]}" for a, b in zip(f_idx.tolist(), l_idx.tolist())]
    phones = rng.integers(10**9, 10**10, n)
    df_out["reporter_phone"] = ["08" + str(p) for p in phones.tolist()]
    df_out["reporter_email"] = None
    return add_h3(df_out)


def generate_cctv(facts, shapes, end, rng) -> pd.DataFrame:
    kec = facts.kecamatan.to_numpy()
    weight = np.where(np.isin(kec, CENTRE), 3.2, 1.0) * np.sqrt(facts.population.to_numpy(float))
    n_junctions = 150
    per_kec = rng.multinomial(n_junctions, weight / weight.sum())
    rows = []
    for k, m in zip(kec, per_kec):
        for lon, lat in _points_in(shapes[k], int(m), rng):
            a, b = rng.choice(len(STREETS), 2, replace=False)
            for leg in range(int(rng.choice([1, 2, 3, 4], p=[0.15, 0.3, 0.3, 0.25]))):
                rows.append((f"Simpang {STREETS[a][4:]} - {STREETS[b][4:]}", "traffic_atcs", "Dishub", 120,
                             lat, lon, ("Utara", "Selatan", "Timur", "Barat")[leg], k))
        # One or two public-safety or public-space cameras per district, flood watch where it floods.
        for lon, lat in _points_in(shapes[k], int(rng.integers(2, 5)), rng):
            kind = "public_safety" if rng.random() < 0.6 else "public_space"
            site = "Taman" if kind == "public_space" else "Pos"
            rows.append((f"{site} {k} {int(rng.integers(1, 20))}", kind, "Diskominfo", 80, lat, lon, "", k))
        if k in FLOOD_PRONE:
            for lon, lat in _points_in(shapes[k], 3, rng):
                rows.append((f"Pantau Banjir {k} {int(rng.integers(1, 9))}", "flood_watch", "DSDABM", 60,
                             lat, lon, "", k))
    df = pd.DataFrame(rows, columns=["name", "kind", "agency", "view_radius_m", "lat", "lon", "leg", "kecamatan"])
    df["name"] = np.where(df.leg != "", df.name + " (" + df.leg + ")", df.name)
    n = len(df)
    end_ts = pd.Timestamp(end).normalize() + pd.Timedelta(hours=23, minutes=55)
    r = rng.random(n)
    status = np.select([r < 0.07, r < 0.09], ["offline", "maintenance"], "online")
    since_h = np.where(status == "online", rng.uniform(0, 0.1, n),
                       np.where(status == "offline", np.exp(rng.normal(np.log(20), 1.2, n)),
                                rng.uniform(24, 240, n)))
    out = pd.DataFrame({
        "camera_id": [f"CAM-{i:04d}" for i in range(1, n + 1)],
        "name": df.name,
        "lat": df.lat.round(6),
        "lon": df.lon.round(6),
        "kecamatan": df.kecamatan,
        "kind": df.kind,
        "status": status,
        "last_seen_at": (end_ts - pd.to_timedelta(since_h * 3600, unit="s").round("s")).astype("datetime64[us]"),
        "installed_at": (pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 9 * 365, n), unit="D")).date,
        "agency": df.agency,
        "view_radius_m": df.view_radius_m.astype(float),
    })
    return add_h3(out)


def generate_wifi(profile, facts, shapes, end, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    kec = facts.kecamatan.to_numpy()
    pop = facts.population.to_numpy(float)
    types = {"rw_hall": 0.34, "mosque": 0.24, "school": 0.16, "kelurahan_office": 0.09, "park": 0.09,
             "market": 0.03, "health_center": 0.03, "library": 0.01, "terminal": 0.01}
    n_points = 900
    per_kec = rng.multinomial(n_points - len(kec), pop**0.8 / (pop**0.8).sum())
    rows = []
    for k, m in zip(kec, per_kec):
        pts = _points_in(shapes[k], int(m) + 1, rng)
        rows.append(("kecamatan_office", f"Kantor Kecamatan {k}", k, *pts[0]))
        tps = rng.choice(list(types), int(m), p=np.array(list(types.values())) / sum(types.values()))
        for t, (lon, lat) in zip(tps, pts[1:]):
            j = int(rng.integers(1, 30))
            name = {"rw_hall": f"Balai RW {j:02d} {k}", "mosque": f"Masjid Al-{('Ikhlas', 'Hikmah', 'Falah', 'Muhajirin', 'Barokah')[j % 5]} {k}",
                    "school": f"SDN {int(rng.integers(1, 280))} Bandung ({k})", "kelurahan_office": f"Kantor Kelurahan {k} {j}",
                    "park": f"Taman {('Lansia', 'Tematik', 'RW', 'Balai Kota', 'Pustaka')[j % 5]} {k}",
                    "market": f"Pasar {k}", "health_center": f"Puskesmas {k} {j}", "library": f"Taman Bacaan {k}",
                    "terminal": f"Terminal {k}"}[t]
            rows.append((t, name, k, lon, lat))
    df = pd.DataFrame(rows, columns=["site_type", "site_name", "kecamatan", "lon", "lat"])
    n = len(df)
    r = rng.random(n)
    radius = df.site_type.map(profile.wifi_default_radius_m).astype(float)
    points = pd.DataFrame({
        "ap_id": [f"WIFI-{i:04d}" for i in range(1, n + 1)],
        "site_name": df.site_name,
        "site_type": df.site_type,
        "lat": df.lat.round(6),
        "lon": df.lon.round(6),
        "kecamatan": df.kecamatan,
        "bandwidth_mbps": np.where(rng.random(n) < 0.55, 300, 100),
        "status": np.select([r < 0.04, r < 0.07], ["inactive", "maintenance"], "active"),
        "installed_at": (pd.Timestamp("2014-06-01") + pd.to_timedelta(rng.integers(0, 10 * 365, n), unit="D")).date,
        "coverage_radius_m": radius,
    })
    end_month = pd.Timestamp(end).to_period("M")
    months = pd.period_range(end_month - 23, end_month, freq="M")
    base = points.site_type.map({"park": 900, "terminal": 1600, "market": 700, "school": 550, "mosque": 260,
                                 "kelurahan_office": 320, "kecamatan_office": 480, "rw_hall": 150,
                                 "health_center": 300, "library": 200}).to_numpy(float)
    base *= np.exp(rng.normal(0, 0.35, n)) * np.where(points.bandwidth_mbps == 300, 1.35, 1.0)
    usage = []
    for i, per in enumerate(months):
        first = per.to_timestamp()
        season = 0.75 if per.month in (6, 7) else 1.0  # school holidays
        growth = 1 + 0.01 * i
        users = rng.poisson(base * season * growth)
        live = (pd.to_datetime(points.installed_at) <= first).to_numpy()
        users = np.where(live, users, 0)
        if i >= len(months) - 3:
            users = np.where(points.status == "inactive", 0, users)
        usage.append(pd.DataFrame({"ap_id": points.ap_id, "month": first.date(), "users": users}))
    usage = pd.concat(usage, ignore_index=True)
    usage = usage[usage.users > 0].reset_index(drop=True)
    return add_h3(points), usage


def generate(out: Path, seed: int = 42, complaints: int = DEFAULT_COMPLAINTS, end: str = DEFAULT_END,
             days: int = DEFAULT_DAYS, profile_file: Path | None = None, formats=("parquet", "csv")) -> dict:
    """Write every demo extract to out/; returns rows written per table."""
    out = Path(out)
    profile = load_profile(profile_file or profile_path(Path(__file__).resolve().parents[2] / "data"))
    facts = geo.load_facts(profile)
    shapes = geo.voronoi_districts(facts)
    rng = np.random.default_rng(seed)
    tables = {"complaints": generate_complaints(profile, facts, shapes, complaints, end, days, rng),
              "cctv_sites": generate_cctv(facts, shapes, end, rng)}
    tables["wifi_points"], tables["wifi_usage"] = generate_wifi(profile, facts, shapes, end, rng)
    out.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df = df[TABLES[name].stored_names()]
        if "parquet" in formats:
            write_parquet_atomic(df, out / f"{name}.parquet", name)
        if "csv" in formats:
            write_csv_atomic(df, out / (f"{name}.csv.gz" if name == "complaints" else f"{name}.csv"))
    write_text_atomic(json.dumps(geo.districts_geojson(shapes), separators=(",", ":")),
                      out / "districts.geojson")
    # A folder elsewhere (a benchmark scale) gets the profile and facts so it is a city of its own.
    for name in ("city.toml", "kecamatan.csv", "tour.toml"):
        if not (out / name).exists():
            shutil.copyfile(profile.path.parent / name, out / name)
    return {k: len(v) for k, v in tables.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ccdash.demo", description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--complaints", type=int, default=DEFAULT_COMPLAINTS, help="about how many complaints")
    ap.add_argument("--end", default=DEFAULT_END, help="last day of data (YYYY-MM-DD)")
    ap.add_argument("--days", type=int, default=DEFAULT_DAYS)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--parquet-only", action="store_true", help="skip the CSV copies (benchmarks)")
    a = ap.parse_args(argv)
    counts = generate(a.out, a.seed, a.complaints, a.end, a.days,
                      formats=("parquet",) if a.parquet_only else ("parquet", "csv"))
    for k, v in counts.items():
        print(f"{k}: {v:,} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
