"""Alerts for the wall: complaint spikes against their own baseline, SLA breaches ahead, cameras down.

Spike method (stated in the README): for each series (a category city-wide, a kecamatan, and a
category within a kecamatan) count complaints in the last 24 hours and in each of the 28 24-hour
windows before. With the baseline mean as a Poisson rate (at least `min_rate`), the series
alerts when P(X >= observed) < `p_threshold`, observed >= `min_count` and observed >= `min_ratio`
times the baseline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd

from ..data.store import Store
from .cctv import not_reporting
from .registry import query

DEFAULTS = {"baseline_days": 28, "p_threshold": 1e-4, "min_count": 5, "min_ratio": 2.0, "min_rate": 0.5,
            "sla_horizon_hours": 24, "sla_min_count": 5}


@dataclass(frozen=True)
class Alert:
    kind: str  # spike, sla, cctv
    severity: float  # larger is worse; sorts the ticker
    key: dict  # what it is about (category, kecamatan, agency, ...)
    observed: float
    expected: float | None = None
    p_value: float | None = None


def settings(profile) -> dict:
    raw = dict(getattr(profile, "alerts", None) or {})
    raw.pop("cctv_offline_hours", None)  # the CCTV rule's hours are the profile's [cctv] silent_hours
    return {**DEFAULTS, **raw, "cctv_silent_hours": getattr(profile, "cctv_silent_hours", 12.0)}


def poisson_sf(k: int, lam: float) -> float:
    """P(X >= k) for X ~ Poisson(lam), computed stably in log space."""
    if k <= 0:
        return 1.0
    if lam <= 0:
        return 0.0
    # 1 - CDF(k-1); sum the tail directly for accuracy when the tail is tiny.
    log_term = -lam + k * math.log(lam) - math.lgamma(k + 1)
    total, term, i = 0.0, math.exp(log_term), k
    while term > 1e-300 and i < k + 10_000:
        total += term
        i += 1
        term *= lam / i
        if term < total * 1e-17:
            break
    return min(1.0, total)


def spikes(counts: pd.DataFrame, keys: list[str], cfg: dict) -> list[Alert]:
    """Spike alerts from a frame of (keys..., bucket, n): bucket 0 is the last 24 h, 1..B the baseline."""
    base_days = int(cfg["baseline_days"])
    out = []
    if counts.empty:
        return out
    for key, g in counts.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        per_bucket = g.set_index("bucket")["n"]
        observed = int(per_bucket.get(0, 0))
        baseline = [int(per_bucket.get(b, 0)) for b in range(1, base_days + 1)]
        lam = max(sum(baseline) / base_days, float(cfg["min_rate"]))
        if observed < cfg["min_count"] or observed < cfg["min_ratio"] * lam:
            continue
        p = poisson_sf(observed, lam)
        if p < cfg["p_threshold"]:
            out.append(Alert("spike", -math.log10(max(p, 1e-300)), dict(zip(keys, key)), observed, lam, p))
    return out


def complaint_buckets(store: Store, at: datetime, base_days: int) -> pd.DataFrame:
    """Complaints per (category, kecamatan) per 24-hour window back from `at` (0 = the last 24 h)."""
    return store.query("""
        SELECT category, kecamatan,
               CAST(floor(date_diff('second', created_at, $now) / 86400.0) AS INTEGER) AS bucket,
               count(*) AS n
        FROM complaints
        WHERE created_at <= $now AND created_at > $since
        GROUP BY category, kecamatan, CAST(floor(date_diff('second', created_at, $now) / 86400.0) AS INTEGER)
    """, {"now": at, "since": at - timedelta(days=base_days + 1)})


def spike_alerts(store: Store, at: datetime, cfg: dict) -> list[Alert]:
    b = complaint_buckets(store, at, int(cfg["baseline_days"]))
    out = []
    for keys in (["category"], ["kecamatan"], ["category", "kecamatan"]):
        agg = b.groupby([*keys, "bucket"], as_index=False)["n"].sum()
        out += spikes(agg, keys, cfg)
    return out


def sla_alerts(store: Store, at: datetime, cfg: dict) -> list[Alert]:
    """Open complaints whose SLA runs out within the horizon, per agency."""
    df = store.query("""
        SELECT agency, count(*) AS n FROM complaints
        WHERE created_at <= $now AND (closed_at IS NULL OR closed_at > $now)
          AND due_at > $now AND due_at <= $horizon
        GROUP BY agency HAVING count(*) >= $min ORDER BY n DESC, agency
    """, {"now": at, "horizon": at + timedelta(hours=int(cfg["sla_horizon_hours"])), "min": int(cfg["sla_min_count"])})
    return [Alert("sla", float(n), {"agency": a, "hours": int(cfg["sla_horizon_hours"])}, int(n))
            for a, n in zip(df.agency, df.n)]


def cctv_alerts(store: Store, at: datetime, cfg: dict) -> list[Alert]:
    """One alert for every camera not reporting (the CCTV page's rule), naming the longest silent."""
    df = not_reporting(store, at, float(cfg["cctv_silent_hours"]))
    if df.empty:
        return []
    worst = df.iloc[0]
    return [Alert("cctv", float(len(df)), {"hours": cfg["cctv_silent_hours"], "worst": worst["name"],
                                          "worst_hours": None if pd.isna(worst.hours_since_seen)
                                          else float(worst.hours_since_seen)}, len(df))]


@query(tables=("complaints", "cctv_sites"))
def active_alerts(store: Store, at: datetime, cfg_items: tuple) -> list[Alert]:
    """Every alert, most severe spikes first, then SLA, then cameras (cfg as sorted items: cacheable)."""
    cfg = {**DEFAULTS, **dict(cfg_items)}
    spike = sorted(spike_alerts(store, at, cfg), key=lambda a: -a.severity)
    return spike + sla_alerts(store, at, cfg) + cctv_alerts(store, at, cfg)
