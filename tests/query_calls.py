"""One sample call of every registered named query, with filters that touch every clause (shared by the
portability test and the Spark engine's test)."""

from __future__ import annotations

from datetime import timedelta

from ccdash.data.clock import reference_now
from ccdash.metrics import alerts, complaints
from ccdash.metrics.filters import Filters


def sample_calls(store, profile) -> dict[str, tuple]:
    at = reference_now(profile, complaints.latest_complaint(store))
    f = Filters(
        start=(at - timedelta(days=60)).date(),
        end=at.date(),
        kecamatan=("Coblong", "Regol"),
        category=("flooding", "waste"),
        status=("resolved",),
    )
    kec = ("Coblong",)
    cfg = tuple(sorted(alerts.settings(profile).items()))
    calls = {
        "alerts.active_alerts": (at, cfg),
        "alerts.first_complaint": (at,),
        "cctv.latest_seen": (),
        "cctv.summary": (at, 12.0, kec),
        "cctv.sites": (kec,),
        "cctv.by_kecamatan": (kec,),
        "cctv.by_kind": (kec,),
        "cctv.not_reporting": (at, 12.0, kec),
        "cctv.complaints_in_view": (f, at, "category"),
        "cctv.in_view_counts": (f, at),
        "complaints.latest_complaint": (),
        "complaints.filter_options": (),
        "complaints.kpis": (f, at),
        "complaints.daily_trend": (f, at),
        "complaints.count_by": (f, "category", at, 5),
        "complaints.by_kecamatan": (f, at),
        "complaints.category_by_kecamatan": (f, at),
        "complaints.agency_scorecard": (f, at),
        "complaints.hex_density": (f, at, 8, 2),
        "complaints.complaint_cells": (f, at, 9),
        "complaints.complaint_rows": (f, at, 10),
        "sources.source_stats": (),
        "wifi.summary": (kec,),
        "wifi.points": (kec,),
        "wifi.usage_last_month": (),
        "wifi.by_site_type": (kec,),
        "wifi.bandwidth_mix": (kec,),
        "wifi.users_by_month": (kec,),
        "wifi.per_10k": (),
    }
    return calls
