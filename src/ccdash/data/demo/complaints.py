"""Demo complaints: volume follows population, weekdays, office hours and the rainy season."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..ingest import add_h3
from .places import Places
from .world import (
    AGENCY_SPEED,
    CATEGORY_MIX,
    CHANNEL_MIX,
    EVENTS,
    FIRST,
    FLOOD_PRONE,
    HOUR,
    LAST,
    PLACES,
    STREETS,
    TEMPLATES,
    WEEKDAY,
)


def generate_complaints(profile, facts, shapes, n_target, end, days, rng) -> pd.DataFrame:
    end = pd.Timestamp(end).normalize()
    dates = pd.date_range(end - pd.Timedelta(days=days - 1), end, freq="D")
    cats = list(CATEGORY_MIX)
    share = np.array([CATEGORY_MIX[c][0] for c in cats])
    rainy_mult = np.array([CATEGORY_MIX[c][1] for c in cats])
    rainy = np.isin(dates.month, [11, 12, 1, 2, 3, 4])
    trend = np.linspace(0.9, 1.1, len(dates))  # channel adoption grows slowly
    lam = (
        (WEEKDAY[dates.day_of_week] * trend)[:, None]
        * np.where(rainy[:, None], rainy_mult, 1.0)
        * share
    )
    lam *= n_target / lam.sum()
    counts = rng.poisson(lam)  # days x categories

    kec_names = facts.kecamatan.to_numpy()
    kec_w = facts.population.to_numpy(float)
    kec_w = kec_w / kec_w.sum()
    flood_idx = np.isin(kec_names, FLOOD_PRONE)

    places = Places(shapes, rng)
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

    frames = [
        pd.DataFrame(
            {"day": day_of, "cat": np.array(cats)[cat_of], "kec": kec_names[kec_of], "event": ""}
        )
    ]
    for ev in EVENTS:
        start = len(dates) - 1 - ev.start_offset_days
        if start < 0:
            continue  # the window is too short for this event
        for d in range(start, min(start + ev.days, len(dates))):
            for k in ev.kecamatan:
                m = rng.poisson(ev.extra_per_day)
                frames.append(
                    pd.DataFrame(
                        {"day": np.full(m, d), "cat": ev.category, "kec": k, "event": ev.name}
                    )
                )
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
        ["new", "verified", "dispatched"],
        "in_progress",
    )
    status[~is_closed] = open_status[~is_closed]

    years = df.created_at.dt.year.to_numpy()
    seq = np.arange(1, n + 1)
    df_out = pd.DataFrame(
        {
            "complaint_id": [f"BDG-{y}-{s:07d}" for y, s in zip(years, seq)],
            "created_at": df.created_at,
            "due_at": (created + pd.to_timedelta(sla * 86400, unit="s")).astype("datetime64[us]"),
            "closed_at": closed.where(is_closed).astype("datetime64[us]"),
            "status": status,
            "category": df.cat,
            "agency": agency,
            "channel": rng.choice(
                list(CHANNEL_MIX),
                n,
                p=np.array(list(CHANNEL_MIX.values())) / sum(CHANNEL_MIX.values()),
            ),
            "kecamatan": df.kec,
            "kelurahan": None,
            "lat": df.lat,
            "lon": df.lon,
        }
    )
    t_idx = rng.integers(0, 3, n)
    s_idx = rng.integers(0, len(STREETS), n)
    p_idx = rng.integers(0, len(PLACES), n)
    df_out["description"] = [
        TEMPLATES[c][t].format(s=STREETS[s], p=PLACES[p])
        for c, t, s, p in zip(df.cat.tolist(), t_idx.tolist(), s_idx.tolist(), p_idx.tolist())
    ]
    f_idx, l_idx = rng.integers(0, len(FIRST), n), rng.integers(0, len(LAST), n)
    df_out["reporter_name"] = [
        f"{FIRST[a]} {LAST[b]}" for a, b in zip(f_idx.tolist(), l_idx.tolist())
    ]
    phones = rng.integers(10**9, 10**10, n)
    df_out["reporter_phone"] = ["08" + str(p) for p in phones.tolist()]
    df_out["reporter_email"] = None
    return add_h3(df_out)
