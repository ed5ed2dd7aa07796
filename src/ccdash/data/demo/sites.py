"""Demo CCTV sites and wifi points with monthly usage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ingest import add_h3
from .places import points_in
from .world import CENTRE, FLOOD_PRONE, STREETS


def generate_cctv(facts, shapes, end, rng) -> pd.DataFrame:
    kec = facts.kecamatan.to_numpy()
    weight = np.where(np.isin(kec, CENTRE), 3.2, 1.0) * np.sqrt(facts.population.to_numpy(float))
    n_junctions = 150
    per_kec = rng.multinomial(n_junctions, weight / weight.sum())
    rows = []
    for k, m in zip(kec, per_kec):
        for lon, lat in points_in(shapes[k], int(m), rng):
            a, b = rng.choice(len(STREETS), 2, replace=False)
            for leg in range(int(rng.choice([1, 2, 3, 4], p=[0.15, 0.3, 0.3, 0.25]))):
                rows.append(
                    (
                        f"Simpang {STREETS[a][4:]} - {STREETS[b][4:]}",
                        "traffic_atcs",
                        "Dishub",
                        120,
                        lat,
                        lon,
                        ("Utara", "Selatan", "Timur", "Barat")[leg],
                        k,
                    )
                )
        # One or two public-safety or public-space cameras per district, flood watch where it floods.
        for lon, lat in points_in(shapes[k], int(rng.integers(2, 5)), rng):
            kind = "public_safety" if rng.random() < 0.6 else "public_space"
            site = "Taman" if kind == "public_space" else "Pos"
            rows.append(
                (f"{site} {k} {int(rng.integers(1, 20))}", kind, "Diskominfo", 80, lat, lon, "", k)
            )
        if k in FLOOD_PRONE:
            for lon, lat in points_in(shapes[k], 3, rng):
                rows.append(
                    (
                        f"Pantau Banjir {k} {int(rng.integers(1, 9))}",
                        "flood_watch",
                        "DSDABM",
                        60,
                        lat,
                        lon,
                        "",
                        k,
                    )
                )
    df = pd.DataFrame(
        rows, columns=["name", "kind", "agency", "view_radius_m", "lat", "lon", "leg", "kecamatan"]
    )
    df["name"] = np.where(df.leg != "", df.name + " (" + df.leg + ")", df.name)
    n = len(df)
    end_ts = pd.Timestamp(end).normalize() + pd.Timedelta(hours=23, minutes=55)
    r = rng.random(n)
    status = np.select([r < 0.07, r < 0.09], ["offline", "maintenance"], "online")
    since_h = np.where(
        status == "online",
        rng.uniform(0, 0.1, n),
        np.where(
            status == "offline", np.exp(rng.normal(np.log(20), 1.2, n)), rng.uniform(24, 240, n)
        ),
    )
    out = pd.DataFrame(
        {
            "camera_id": [f"CAM-{i:04d}" for i in range(1, n + 1)],
            "name": df.name,
            "lat": df.lat.round(6),
            "lon": df.lon.round(6),
            "kecamatan": df.kecamatan,
            "kind": df.kind,
            "status": status,
            "last_seen_at": (end_ts - pd.to_timedelta(since_h * 3600, unit="s").round("s")).astype(
                "datetime64[us]"
            ),
            "installed_at": (
                pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 9 * 365, n), unit="D")
            ).date,
            "agency": df.agency,
            "view_radius_m": df.view_radius_m.astype(float),
        }
    )
    return add_h3(out)


def generate_wifi(profile, facts, shapes, end, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    kec = facts.kecamatan.to_numpy()
    pop = facts.population.to_numpy(float)
    types = {
        "rw_hall": 0.34,
        "mosque": 0.24,
        "school": 0.16,
        "kelurahan_office": 0.09,
        "park": 0.09,
        "market": 0.03,
        "health_center": 0.03,
        "library": 0.01,
        "terminal": 0.01,
    }
    n_points = 900
    per_kec = rng.multinomial(n_points - len(kec), pop**0.8 / (pop**0.8).sum())
    rows = []
    for k, m in zip(kec, per_kec):
        pts = points_in(shapes[k], int(m) + 1, rng)
        rows.append(("kecamatan_office", f"Kantor Kecamatan {k}", k, *pts[0]))
        tps = rng.choice(
            list(types), int(m), p=np.array(list(types.values())) / sum(types.values())
        )
        for t, (lon, lat) in zip(tps, pts[1:]):
            j = int(rng.integers(1, 30))
            name = {
                "rw_hall": f"Balai RW {j:02d} {k}",
                "mosque": f"Masjid Al-{('Ikhlas', 'Hikmah', 'Falah', 'Muhajirin', 'Barokah')[j % 5]} {k}",
                "school": f"SDN {int(rng.integers(1, 280))} Bandung ({k})",
                "kelurahan_office": f"Kantor Kelurahan {k} {j}",
                "park": f"Taman {('Lansia', 'Tematik', 'RW', 'Balai Kota', 'Pustaka')[j % 5]} {k}",
                "market": f"Pasar {k}",
                "health_center": f"Puskesmas {k} {j}",
                "library": f"Taman Bacaan {k}",
                "terminal": f"Terminal {k}",
            }[t]
            rows.append((t, name, k, lon, lat))
    df = pd.DataFrame(rows, columns=["site_type", "site_name", "kecamatan", "lon", "lat"])
    n = len(df)
    r = rng.random(n)
    radius = df.site_type.map(profile.wifi_default_radius_m).astype(float)
    points = pd.DataFrame(
        {
            "ap_id": [f"WIFI-{i:04d}" for i in range(1, n + 1)],
            "site_name": df.site_name,
            "site_type": df.site_type,
            "lat": df.lat.round(6),
            "lon": df.lon.round(6),
            "kecamatan": df.kecamatan,
            "bandwidth_mbps": np.where(rng.random(n) < 0.55, 300, 100),
            "status": np.select([r < 0.04, r < 0.07], ["inactive", "maintenance"], "active"),
            "installed_at": (
                pd.Timestamp("2014-06-01") + pd.to_timedelta(rng.integers(0, 10 * 365, n), unit="D")
            ).date,
            "coverage_radius_m": radius,
        }
    )
    end_month = pd.Timestamp(end).to_period("M")
    months = pd.period_range(end_month - 23, end_month, freq="M")
    base = points.site_type.map(
        {
            "park": 900,
            "terminal": 1600,
            "market": 700,
            "school": 550,
            "mosque": 260,
            "kelurahan_office": 320,
            "kecamatan_office": 480,
            "rw_hall": 150,
            "health_center": 300,
            "library": 200,
        }
    ).to_numpy(float)
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
