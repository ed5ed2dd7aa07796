"""Alerts for the wall: complaint spikes against their own baseline, SLA breaches ahead, cameras not reporting.

Spike method (stated in the README). For each series (a category city-wide, a kecamatan, and a category
within a kecamatan) count complaints in the last 24 hours (window 0) and in each of the `baseline_days`
24-hour windows before it. Real counts are weekly and over-dispersed, so:

- the weekly pattern: window b falls on the weekday phase b mod 7; each phase's factor is its share of
  the city-wide total over the baseline (pooled over every series, which keeps it stable). The series'
  expected count now is its baseline rate per unit of factor times phase 0's factor (at least `min_rate`);
- over-dispersion: the series' Pearson dispersion over its baseline windows (at least 1) makes the
  count negative binomial with that mean and variance dispersion x mean (Poisson when it is 1);
- it alerts when P(X >= observed) < `p_threshold`, observed >= `min_count` and observed >= `min_ratio`
  times the expected count.

One event, one line: a spike of a category in a district nests under that category's city-wide line
when both alert, and a district's own spike is dropped when a category's spike there explains it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pandas as pd

from ..data import alert_log
from ..data.clock import hours_before
from ..data.store import BaseStore
from .cctv import not_reporting
from .registry import query

DEFAULTS = {
    "baseline_days": 28,
    "p_threshold": 1e-4,
    "min_count": 5,
    # Spikes are tested only once the data holds this many days before the last 24 h: a young export's
    # baseline would be mostly days before the data began, read as quiet days.
    "min_history_days": 14,
    "min_ratio": 2.0,
    "min_rate": 0.5,
    "sla_horizon_hours": 24,
    "sla_min_count": 5,
}


@dataclass(frozen=True)
class Alert:
    kind: str  # spike, sla, cctv
    severity: float  # larger is worse; sorts the ticker
    key: dict  # what it is about (category, kecamatan, agency, ...)
    observed: float
    expected: float | None = None
    p_value: float | None = None
    parts: tuple = field(
        default=(), compare=False
    )  # nested alerts of the same event (districts of a category)


HIGH_RATIO, HIGH_P = 4.0, 1e-8  # a spike this far above its baseline (or this unlikely) is high


def alert_level(a: Alert) -> str:
    """'high' for a spike at least HIGH_RATIO times its expected count or with p below HIGH_P;
    'watch' for smaller spikes, deadlines about to pass and silent cameras."""
    if a.kind == "spike" and (
        (a.expected and a.observed >= HIGH_RATIO * a.expected)
        or (a.p_value is not None and a.p_value < HIGH_P)
    ):
        return "high"
    return "watch"


def alert_id(a: Alert) -> str:
    """An alert's identity across runs, processes and replicas: its kind and what it is about."""
    about = sorted(
        (k, str(v)) for k, v in a.key.items() if k in ("category", "kecamatan", "agency")
    )
    return a.kind + ":" + "|".join(f"{k}={v}" for k, v in about)


@dataclass(frozen=True)
class Episode:
    """An alert as every screen and the notifier treat it: its id, since when it holds (the data
    folder's memory), its level, and whether an acknowledgement silences it now."""

    alert: Alert
    id: str
    first_seen: datetime
    level: str
    silenced: bool


def episodes(directory, found: list[Alert], now: datetime) -> tuple[list[Episode], list[dict]]:
    """`found` as episodes, recorded in the data folder's alert memory (ccdash.data.alert_log), and
    the acknowledgements, newest first. OSError when the folder cannot be written."""
    ids = [alert_id(a) for a in found]
    first = alert_log.observe(directory, ids, now)
    acks = alert_log.acknowledgements(directory)
    out = []
    for a, i in zip(found, ids):
        level = alert_level(a)
        quiet = alert_log.silenced(acks, i, first[i], level, a.observed)
        out.append(Episode(a, i, first[i], level, quiet))
    return out, acks


KIND_ORDER = ("spike", "sla", "cctv")


def ranked(found: list[Alert]) -> list[Alert]:
    """The order every screen lists alerts in: high before watch, then spikes, deadlines and
    cameras, then the largest first (a spike's excess over its expected count; otherwise its count)."""

    def size(a: Alert) -> float:
        return a.observed - (a.expected or 0.0) if a.kind == "spike" else a.observed

    return sorted(
        found,
        key=lambda a: (alert_level(a) != "high", KIND_ORDER.index(a.kind), -size(a), -a.severity),
    )


def settings(profile) -> dict:
    raw = dict(getattr(profile, "alerts", None) or {})
    raw.pop(
        "cctv_offline_hours", None
    )  # the CCTV rule's hours are the profile's [cctv] silent_hours
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


def nbinom_sf(k: int, mean: float, dispersion: float) -> float:
    """P(X >= k) for a negative binomial with this mean and variance = dispersion x mean (Poisson at 1)."""
    if dispersion <= 1.0 + 1e-9:
        return poisson_sf(k, mean)
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    r = mean / (dispersion - 1.0)  # size
    q = 1.0 - 1.0 / dispersion  # failure probability: mean = r q / (1 - q)
    # log pmf(k) = lgamma(k + r) - lgamma(r) - lgamma(k + 1) + r log(1 - q) + k log q; sum the tail upward.
    log_term = (
        math.lgamma(k + r)
        - math.lgamma(r)
        - math.lgamma(k + 1)
        + r * math.log1p(-q)
        + k * math.log(q)
    )
    total, term, i = 0.0, math.exp(log_term), k
    while term > 1e-300 and i < k + 1_000_000:
        total += term
        term *= (i + r) / (i + 1) * q
        i += 1
        if term < total * 1e-17 and (i + r) / (i + 1) * q < 0.999:
            break
    return min(1.0, total)


def weekly_factors(counts: pd.DataFrame, base_days: int) -> dict[int, float]:
    """Each weekday phase's factor (mean 1) from the pooled baseline: phase b mod 7 of window b."""
    total = counts[counts.bucket.between(1, base_days)].groupby("bucket")["n"].sum()
    per = pd.Series(0.0, index=range(1, base_days + 1)).add(total, fill_value=0.0)
    by_phase = per.groupby(per.index % 7).mean()
    if base_days < 7 or by_phase.mean() <= 0:
        return {ph: 1.0 for ph in range(7)}
    return {int(ph): float(v / by_phase.mean()) if v > 0 else 1.0 for ph, v in by_phase.items()}


DISPERSION_Z = -1.2816  # the upper 90% bound of the baseline's dispersion
GUARD = 3  # the baseline windows just before now that may still hold the event being tested


def _fit(counts: list[int], factors: list[float]) -> tuple[float, float]:
    """The baseline's rate per unit of weekday factor and its dispersion, robust to the baseline's own
    outbreaks: windows more than 2.58 standard deviations above the first fit (yesterday's part of an
    event still going on, say) are left out of the second."""
    keep = list(range(len(counts)))
    rate = dispersion = 0.0
    for _ in range(2):
        f_sum = sum(factors[i] for i in keep)
        rate = sum(counts[i] for i in keep) / f_sum if f_sum else 0.0
        if rate <= 0:
            return 0.0, 1.0
        mus = {i: rate * factors[i] for i in keep}
        pearson = sum((counts[i] - mus[i]) ** 2 / mus[i] for i in keep) / max(len(keep) - 1, 1)
        dispersion = max(1.0, pearson)
        high = [
            i for i in keep[:GUARD] if (counts[i] - mus[i]) / math.sqrt(dispersion * mus[i]) > 2.58
        ]
        if not high or len(keep) - len(high) < max(7, len(counts) // 2):
            break
        keep = [i for i in keep if i not in high]
    return rate, dispersion * dispersion_bound(len(keep) - 1)


def dispersion_bound(df: int, z: float = DISPERSION_Z) -> float:
    """How much to raise an estimated dispersion to its one-sided upper confidence bound: (df) / the chi-square
    quantile (Wilson-Hilferty). A dispersion fitted on 28 windows is itself uncertain; taking it low would
    make ordinary weeks look like outbreaks."""
    if df < 2:
        return 1.0
    a = 2.0 / (9.0 * df)
    return 1.0 / max((1.0 - a + z * math.sqrt(a)) ** 3, 1e-6)


def min_history(cfg: dict) -> int:
    """Days of history a series needs before it can spike: min_history_days, at most the baseline."""
    return min(
        int(cfg.get("min_history_days", DEFAULTS["min_history_days"])), int(cfg["baseline_days"])
    )


def history_days(first_complaint: datetime | None, at: datetime) -> int:
    """Whole 24-hour baseline windows the data holds before the last 24 h: the days a baseline may
    use (a window from before the first complaint is not a quiet day, it is no data)."""
    if first_complaint is None:
        return 0
    return max(0, int((at - first_complaint).total_seconds() // 86400) - 1)


def alerts_start(first_complaint: datetime | None, cfg: dict) -> datetime | None:
    """When spike alerts can first fire for a city whose data begins at first_complaint."""
    if first_complaint is None:
        return None
    return first_complaint + timedelta(days=min_history(cfg) + 1)


def spikes(
    counts: pd.DataFrame, keys: list[str], cfg: dict, factors: dict[int, float] | None = None
) -> list[Alert]:
    """Spike alerts from a frame of (keys..., bucket, n): bucket 0 is the last 24 h, 1..B the baseline."""
    base_days = int(cfg["baseline_days"])
    out: list[Alert] = []
    if counts.empty:
        return out
    factors = factors or {ph: 1.0 for ph in range(7)}
    f = [factors.get(b % 7, 1.0) for b in range(base_days + 1)]
    for key, g in counts.groupby(keys, sort=False):
        key = key if isinstance(key, tuple) else (key,)
        per_bucket = g.set_index("bucket")["n"]
        observed = int(per_bucket.get(0, 0))
        if observed < cfg["min_count"]:
            continue
        baseline = [int(per_bucket.get(b, 0)) for b in range(1, base_days + 1)]
        rate, dispersion = _fit(baseline, f[1:])
        expected = max(rate * f[0], float(cfg["min_rate"]))
        if observed < cfg["min_ratio"] * expected:
            continue
        p = nbinom_sf(observed, expected, dispersion)
        if p < cfg["p_threshold"]:
            out.append(
                Alert(
                    "spike",
                    -math.log10(max(p, 1e-300)),
                    dict(zip(keys, key)),
                    observed,
                    expected,
                    p,
                )
            )
    return out


def one_line_per_event(
    city: list[Alert], district: list[Alert], pairs: list[Alert], excess: pd.DataFrame | None = None
) -> list[Alert]:
    """One event, one line. A category's spike in a district nests under the category's city-wide alert, and
    so does a district's own alert when that category drives it; the city-wide line also names the districts
    that carry most of its excess (up to 3). A district's alert is dropped when a category's spike there
    explains it. `excess` has kecamatan, category, n (last 24 h) and excess (n minus the baseline mean)."""
    excess = (
        excess
        if excess is not None
        else pd.DataFrame(columns=["kecamatan", "category", "n", "excess"])
    )
    by_cat = {a.key["category"]: a for a in city}
    nested: dict[str, list[Alert]] = {}
    top = []
    for a in sorted(pairs, key=lambda a: -a.severity):
        if a.key["category"] in by_cat:
            nested.setdefault(a.key["category"], []).append(a)
        else:
            top.append(a)
    explained = {a.key["kecamatan"] for a in pairs}
    drivers = (
        excess.sort_values("excess", ascending=False)
        .drop_duplicates("kecamatan")
        .set_index("kecamatan")
    )
    for a in district:
        kec = a.key["kecamatan"]
        if kec in explained:
            continue
        cat = drivers.category.get(kec)
        if cat in by_cat:  # the category's line names the district too
            nested.setdefault(cat, []).append(
                Alert(a.kind, a.severity, {"category": cat, "kecamatan": kec}, int(drivers.n[kec]))
            )
        else:
            top.append(a)
    for cat, a in by_cat.items():  # where the city-wide excess is, significant there or not
        parts = nested.setdefault(cat, [])
        named = {p.key["kecamatan"] for p in parts}
        mine = excess[
            (excess.category == cat)
            & (excess.excess >= max(2.0, 0.1 * (a.observed - (a.expected or 0.0))))
        ]
        for row in mine.sort_values("excess", ascending=False).itertuples():
            if len(parts) >= 3:
                break
            if row.kecamatan not in named:
                parts.append(
                    Alert("spike", 0.0, {"category": cat, "kecamatan": row.kecamatan}, int(row.n))
                )
    top += [
        Alert(
            a.kind, a.severity, a.key, a.observed, a.expected, a.p_value, tuple(nested.get(cat, ()))
        )
        for cat, a in by_cat.items()
    ]
    return sorted(top, key=lambda a: -a.severity)


def complaint_buckets(store: BaseStore, at: datetime, base_days: int) -> pd.DataFrame:
    """Complaints per (category, kecamatan) per 24-hour window back from `at` (0 = the last 24 h)."""
    return store.query(
        """
        SELECT category, kecamatan,
               CAST(floor(date_diff('second', created_at, $now) / 86400.0) AS INTEGER) AS bucket,
               count(*) AS n
        FROM complaints
        WHERE created_at <= $now AND created_at > $since
        GROUP BY category, kecamatan, CAST(floor(date_diff('second', created_at, $now) / 86400.0) AS INTEGER)
    """,
        {"now": at, "since": hours_before(at, 24 * (base_days + 1), store.timezone)},
    )


@query(tables=("complaints",))
def first_complaint(store: BaseStore, at: datetime) -> datetime | None:
    """When the data begins: the oldest complaint received by `at`."""
    first = store.scalar(
        "SELECT min(created_at) FROM complaints WHERE created_at <= $now", {"now": at}
    )
    return None if first is None or pd.isna(first) else pd.Timestamp(first).to_pydatetime()


def spike_alerts(store: BaseStore, at: datetime, cfg: dict) -> list[Alert]:
    held = history_days(first_complaint(store, at), at)
    if held < min_history(cfg):
        return []  # the wall says when spikes start (alerts_start)
    # A baseline no longer than the data: days before the first complaint are not quiet days.
    cfg = {**cfg, "baseline_days": min(int(cfg["baseline_days"]), held)}
    base_days = int(cfg["baseline_days"])
    b = complaint_buckets(store, at, base_days)
    factors = weekly_factors(b, base_days)
    found = {}
    for name, keys in (
        ("city", ["category"]),
        ("district", ["kecamatan"]),
        ("pairs", ["category", "kecamatan"]),
    ):
        agg = b.groupby([*keys, "bucket"], as_index=False)["n"].sum()
        found[name] = spikes(agg, keys, cfg, factors)
    return one_line_per_event(
        found["city"], found["district"], found["pairs"], _excess(b, base_days)
    )


def _excess(b: pd.DataFrame, base_days: int) -> pd.DataFrame:
    """Per (district, category): complaints in the last 24 hours and their excess over the baseline mean."""
    if b.empty:
        return pd.DataFrame(columns=["kecamatan", "category", "n", "excess"])
    now = b[b.bucket == 0].groupby(["kecamatan", "category"])["n"].sum()
    base = b[b.bucket.between(1, base_days)].groupby(["kecamatan", "category"])["n"].sum() / max(
        base_days, 1
    )
    out = (
        pd.DataFrame({"n": now})
        .join(pd.DataFrame({"base": base}), how="left")
        .fillna({"base": 0.0})
    )
    out["excess"] = out.n - out.base
    return out.reset_index()[["kecamatan", "category", "n", "excess"]]


def sla_alerts(store: BaseStore, at: datetime, cfg: dict) -> list[Alert]:
    """Open complaints whose SLA runs out within the horizon, per agency."""
    df = store.query(
        """
        SELECT agency, count(*) AS n FROM complaints
        WHERE created_at <= $now AND (closed_at IS NULL OR closed_at > $now)
          AND due_at > $now AND due_at <= $horizon
        GROUP BY agency HAVING count(*) >= $min ORDER BY n DESC, agency
    """,
        {
            "now": at,
            "horizon": hours_before(at, -int(cfg["sla_horizon_hours"]), store.timezone),
            "min": int(cfg["sla_min_count"]),
        },
    )
    return [
        Alert("sla", float(n), {"agency": a, "hours": int(cfg["sla_horizon_hours"])}, int(n))
        for a, n in zip(df.agency, df.n)
    ]


def cctv_alerts(store: BaseStore, at: datetime, cfg: dict) -> list[Alert]:
    """One alert for every camera not reporting (the CCTV page's rule), naming the longest silent."""
    df = not_reporting(store, at, float(cfg["cctv_silent_hours"]))
    if df.empty:
        return []
    worst = df.iloc[0]
    return [
        Alert(
            "cctv",
            float(len(df)),
            {
                "hours": cfg["cctv_silent_hours"],
                "worst": worst["name"],
                "worst_hours": None
                if pd.isna(worst.hours_since_seen)
                else float(worst.hours_since_seen),
            },
            len(df),
        )
    ]


@query(tables=("complaints", "cctv_sites"))
def active_alerts(store: BaseStore, at: datetime, cfg_items: tuple) -> list[Alert]:
    """Every alert, in `ranked` order (cfg as sorted items: cacheable)."""
    cfg = {**DEFAULTS, **dict(cfg_items)}
    return ranked(
        spike_alerts(store, at, cfg) + sla_alerts(store, at, cfg) + cctv_alerts(store, at, cfg)
    )
