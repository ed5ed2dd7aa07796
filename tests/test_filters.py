"""Filters as data: SQL text and bound parameters, and the URL round trip."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ccdash.metrics.filters import Filters, from_query_params, to_query_params, where
from tests.apptest import desk_app


@pytest.mark.parametrize(
    "f, sql, params",
    [
        (Filters(), "true", {}),
        (
            Filters(kecamatan=("Coblong",)),
            "kecamatan IN ($kecamatan_0)",
            {"kecamatan_0": "Coblong"},
        ),
        (
            Filters(start=date(2026, 1, 1), end=date(2026, 1, 31), status=("new", "resolved")),
            "created_month >= $start_month AND created_at >= $start AND created_month <= $end_month AND "
            "created_at < $end_excl AND status IN ($status_0, $status_1)",
            {
                "start": datetime(2026, 1, 1),
                "start_month": "2026-01",
                "end_excl": datetime(2026, 2, 1),
                "end_month": "2026-01",
                "status_0": "new",
                "status_1": "resolved",
            },
        ),
        (
            Filters(category=("x'); DROP TABLE complaints; --",)),
            "category IN ($category_0)",
            {"category_0": "x'); DROP TABLE complaints; --"},
        ),
    ],
)
def test_where_binds_every_value(f, sql, params):
    assert where(f) == (sql, params)


def test_alias_prefixes_columns():
    assert where(Filters(agency=("DLH",)), "c")[0] == "c.agency IN ($agency_0)"


def test_url_round_trip():
    f = Filters(
        start=date(2026, 10, 1),
        end=date(2026, 11, 20),
        kecamatan=("Coblong", "Regol"),
        channel=("lapor",),
    )
    back, notices = from_query_params(
        to_query_params(f), {"kecamatan": ["Coblong", "Regol"], "channel": ["lapor"]}
    )
    assert back == f and notices == []


def test_bad_url_values_are_dropped_with_notices():
    params = {
        "from": ["2026-13-01"],
        "to": ["2026-11-20"],
        "kecamatan": ["Coblong", "<script>"],
        "nonsense": ["1"],
        "lang": ["en"],
    }
    f, notices = from_query_params(params, {"kecamatan": ["Coblong"]})
    assert f == Filters(end=date(2026, 11, 20), kecamatan=("Coblong",))
    assert "'from' is not a date (YYYY-MM-DD): '2026-13-01'" in notices
    assert "unknown kecamatan '<script>'" in notices
    assert "unknown parameter 'nonsense'" in notices
    assert not any("lang" in n for n in notices)


def test_reversed_dates_are_swapped():
    f, notices = from_query_params({"from": ["2026-11-20"], "to": ["2026-11-01"]})
    assert (f.start, f.end) == (date(2026, 11, 1), date(2026, 11, 20))
    assert notices == ["'from' is after 'to'; the dates were swapped"]


def test_link_dates_outside_the_data_are_clamped_with_a_notice():
    from datetime import date

    from ccdash.metrics.filters import clamp_dates

    lo, hi = date(2024, 11, 21), date(2026, 11, 20)
    f, notices = clamp_dates(Filters(start=date(2020, 1, 1), end=date(2030, 1, 1)), lo, hi)
    assert (f.start, f.end) == (lo, hi)
    assert notices == [
        "'from' is outside the data; using '2024-11-21'",
        "'to' is outside the data; using '2026-11-20'",
    ]
    f, notices = clamp_dates(Filters(start=date(2031, 1, 1)), lo, hi)
    assert f.start == hi and len(notices) == 1
    assert clamp_dates(Filters(start=date(2025, 1, 1)), lo, hi) == (
        Filters(start=date(2025, 1, 1)),
        [],
    )


def test_date_presets_set_the_range_back_from_the_newest_day(monkeypatch, city_dir):
    from datetime import date, timedelta

    from ccdash.app.frame import preset_range

    lo, hi = date(2025, 3, 1), date(2026, 11, 20)
    assert preset_range("today", lo, hi) == (hi, hi)
    assert preset_range("7", lo, hi) == (hi - timedelta(days=6), hi)
    assert preset_range("ytd", lo, hi) == (date(2026, 1, 1), hi)
    assert preset_range("90", date(2026, 10, 1), hi) == (
        date(2026, 10, 1),
        hi,
    )  # never before the data

    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    at = desk_app(60)
    at.query_params["lang"] = "en"
    at.run()
    preset = next(b for b in at.get("button_group") if b.key == "f_preset")
    preset.set_value("7").run()
    start, end = at.session_state["f_dates"]
    assert end - start == timedelta(days=6)
    received = next(m.label for m in at.metric if m.label.startswith("Received"))
    from ccdash.present.i18n import fmt_range

    assert received == f"Received · {fmt_range(start, end, 'en')}"  # the tiles follow the preset
    assert (
        at.query_params["from"] == [start.isoformat()]
        or at.query_params["from"] == start.isoformat()
    )
