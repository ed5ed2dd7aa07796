"""AppTest of the wall and the tour: rotation, pinning, staleness, a corrupt file, privacy."""

from __future__ import annotations

import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from tests.apptest import desk_app


def run(monkeypatch, directory, params, state=None, allow_failures=False) -> AppTest:
    monkeypatch.setenv("CCDASH_DATA_DIR", str(directory))
    at = desk_app(60)
    for k, v in params.items():
        at.query_params[k] = v
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if (
        not allow_failures
    ):  # a panel that raised shows the operator one line, and fails every test here
        assert failures(at) == {}, failures(at)
    return at


def failures(at) -> dict:
    """Panels that raised in this session, by name (counted by ccdash.app.public.guarded)."""
    return (
        dict(at.session_state["_panel_failures"]) if "_panel_failures" in at.session_state else {}
    )


def texts(at) -> list[str]:
    return [t.value for t in at.text]


def view_name(at) -> str:
    """The view the wall shows: the heading of its view column."""
    names = ("City overview", "Complaints by agency (OPD)", "CCTV", "Public wifi", "Active alerts")
    return next(t for t in texts(at) if t in names)


def test_wall_has_no_sidebar_and_starts_on_the_first_view(monkeypatch, city_dir):
    at = run(monkeypatch, city_dir, {"mode": "wall", "lang": "en"})
    assert texts(at)[0] == "Kota Bandung · Wall display"
    assert view_name(at) == "City overview"
    assert not at.sidebar.children or not list(at.sidebar)  # no filters on a wall
    assert "Synthetic demo data: not real citizens' data." in texts(at)


def test_wall_rotates_with_time(monkeypatch, city_dir):
    # The overview (30 s in the default playlist) has had its time: the next run shows complaints, and
    # counts that view's 20 s from when it was drawn.
    at = run(
        monkeypatch,
        city_dir,
        {"mode": "wall", "lang": "en"},
        {"wall_index": 0, "wall_ends": time.monotonic() - 1},
    )
    assert view_name(at) == "Complaints by agency (OPD)"
    ends = at.session_state["wall_ends"]
    assert 19 < ends - time.monotonic() <= 20
    at.run()  # a redraw within the view's time keeps it, and its end
    assert view_name(at) == "Complaints by agency (OPD)"
    assert at.session_state["wall_ends"] == ends
    at.session_state["wall_ends"] = time.monotonic() - 1
    at.run()
    assert view_name(at) == "CCTV"


def test_a_pinned_view_holds(monkeypatch, city_dir):
    at = run(
        monkeypatch,
        city_dir,
        {"mode": "wall", "view": "wifi", "lang": "en"},
        {"wall_index": 0, "wall_ends": time.monotonic() - 1000},
    )
    assert view_name(at) == "Public wifi"
    assert any("view pinned" in c.value for c in at.caption)


def test_stale_badge_when_the_newest_record_is_old(monkeypatch, writable_city):
    # The fixture ends 2026-11-20; on the system clock that is days old.
    toml = writable_city / "city.toml"
    toml.write_text(toml.read_text().replace('clock = "data"', 'clock = "system"'))
    at = run(monkeypatch, writable_city, {"mode": "wall", "lang": "en"})
    badge = next(t for t in texts(at) if t.startswith("STALE"))
    m = re.fullmatch(r"STALE: data (\d+) d old, newest (20 Nov 2026 at \d\d:\d\d)", badge)
    assert m, badge
    # Independently: the days from the fixture's newest complaint to now, in the city's zone.
    import pandas as pd

    from ccdash.data.profile import load_profile

    tz = load_profile(toml).timezone
    c = pd.read_parquet(writable_city / "complaints.parquet", columns=["created_at"])
    newest = c.created_at.max().tz_convert(tz)
    days = (pd.Timestamp.now(tz=tz) - newest).total_seconds() / 86400
    assert abs(int(m.group(1)) - days) <= 1, (badge, days)
    assert any("opacity: 0.45" in md.value for md in at.markdown)  # the old numbers dimmed


def test_fresh_data_shows_as_of(monkeypatch, city_dir):
    at = run(monkeypatch, city_dir, {"mode": "wall", "lang": "en"})
    assert any(t.startswith("Data as of 20 Nov 2026") for t in texts(at))
    assert not any(t.startswith("STALE") for t in texts(at))
    assert not any("opacity: 0.45" in md.value for md in at.markdown)


def test_a_corrupt_file_shows_a_banner_and_keeps_the_last_good_data(monkeypatch, writable_city):
    at = run(monkeypatch, writable_city, {"mode": "wall", "lang": "en"})
    before = {m.label: m.value for m in at.metric}
    (writable_city / "complaints.parquet").write_bytes(b"PAR1 not really parquet")
    at.run()
    assert not at.exception
    assert any("complaints.parquet is damaged" in e.value for e in at.error)
    assert {m.label: m.value for m in at.metric} == before  # the last good numbers stay up


def test_a_missing_file_shows_a_banner(monkeypatch, writable_city):
    at = run(monkeypatch, writable_city, {"mode": "wall", "lang": "en", "view": "cctv"})
    (writable_city / "cctv_sites.parquet").unlink()
    (writable_city / "cctv_sites.csv").unlink()
    at.run()
    assert not at.exception
    assert any("no CCTV sites extract yet" in e.value for e in at.error)


def test_the_wall_ticker_carries_the_alerts(monkeypatch, writable_city):
    at = run(monkeypatch, writable_city, {"mode": "wall", "lang": "en", "view": "alerts"})
    body = " ".join(texts(at))
    lines = [
        line
        for t in texts(at)
        for line in t.splitlines()
        if line.startswith("▲") and "   •   " not in line
    ]  # the alert panel (the ticker joins with •)
    flood = [x for x in lines if "Flooding spike city-wide" in x]
    light = [x for x in lines if "Street light out spike" in x]
    assert len(flood) == 1 and "Gedebage" in flood[0], (
        lines
    )  # one event, one line, naming its districts
    assert len(light) == 1 and "Regol" in light[0], lines
    assert "Flooding spike in Gedebage" not in body  # not again on a line of its own
    # each item says its level and when this screen first showed it; the planted flood is a big spike
    assert (
        flood[0].startswith("▲▲ HIGH · since ")
        and flood[0].split(" · ")[1][6:].replace(":", "").isdigit()
    )
    # Since when: the data folder's memory, which every screen and replica shares.
    log = writable_city / "_alerts" / "alerts.json"
    state = __import__("json").loads(log.read_text())
    state["active"]["spike:category=flooding"] = {"first_seen": "2026-01-01T07:05:00"}
    log.write_text(__import__("json").dumps(state))
    again = run(monkeypatch, writable_city, {"mode": "wall", "lang": "en", "view": "alerts"})
    assert any(
        t.startswith("▲▲ HIGH · since 1 Jan 2026 at 07:05 · Flooding spike city-wide")
        for t in " \n".join(texts(again)).split("\n")
    ), texts(again)


def test_wall_and_tour_show_no_free_text_or_personal_data(monkeypatch, city_dir):
    import pandas as pd

    c = pd.read_parquet(city_dir / "complaints.parquet")
    private = (
        set(c.description.head(200))
        | set(c.reporter_name.head(200))
        | set(c.reporter_phone.head(200))
    )
    for params in (
        {"mode": "wall", "view": v} for v in ("overview", "complaints", "cctv", "wifi", "alerts")
    ):
        at = run(monkeypatch, city_dir, params)
        shown = " ".join(texts(at)) + " ".join(str(d.value) for d in at.dataframe)
        assert not any(p in shown for p in private)
        assert not at.dataframe  # no tables of records on a public screen
    for step in range(1, 6):
        at = run(monkeypatch, city_dir, {"tour": "1", "step": str(step)})
        assert not any(p in " ".join(texts(at)) for p in private)


def test_tour_steps_with_buttons_and_the_timer(monkeypatch, city_dir):
    at = run(monkeypatch, city_dir, {"tour": "1", "lang": "en"})
    assert "Bandung Command Center in numbers" in texts(at)
    at.button(key="tour_next").click().run()
    assert "Where residents report" in texts(at)
    at.button(key="tour_back").click().run()
    assert "Bandung Command Center in numbers" in texts(at)
    at.session_state["tour_started"] = time.monotonic() - 21  # the 20 s step ran out
    at.run()
    assert "Where residents report" in texts(at)


def test_tour_pauses_and_resumes_from_where_it_stopped(monkeypatch, city_dir):
    at = run(monkeypatch, city_dir, {"tour": "1", "lang": "en"})
    at.session_state["tour_started"] = time.monotonic() - 12
    at.button(
        key="tour_pause"
    ).click().run()  # the space bar presses this button (shortcut="Space")
    assert at.button(key="tour_pause").label == "Resume"
    assert at.get("progress")[0].proto.text == "Step 1 of 6 · paused (space to resume)"
    frozen = at.session_state["tour_paused"]
    assert 12 <= frozen < 20
    at.session_state["tour_started"] = (
        time.monotonic() - 300
    )  # time passes while paused: no step change
    at.run()
    assert "Bandung Command Center in numbers" in texts(at)
    at.button(key="tour_pause").click().run()
    assert at.button(key="tour_pause").label == "Pause"
    assert "Bandung Command Center in numbers" in texts(at)
    bar = at.get("progress")[0].proto
    assert bar.text.startswith("Step 1 of 6 · next in ") and int(bar.text.split()[-2]) <= 20 - int(
        frozen
    )


def test_tour_ends_on_a_closing_slide_and_switches_language_on_screen(monkeypatch, city_dir):
    at = run(monkeypatch, city_dir, {"tour": "1", "lang": "en", "step": "6"})
    assert "Thank you" in texts(at)
    assert (
        "Kota Bandung: one screen for every resident's report, from every channel. Questions are welcome."
        in texts(at)
    )
    assert [m.label.split(" · ")[0] for m in at.metric] == [
        "Received",
        "On-time rate",
        "Median days to resolve",
    ]
    at.button(key="tour_lang").click().run()  # L goes through every offered language: id, en, ms
    assert "Terima kasih" in texts(at)
    assert at.query_params["lang"] in (["ms"], "ms")
    at.button(key="tour_lang").click().run()
    assert at.query_params["lang"] in (["id"], "id")
    at.button(key="tour_next").click().run()  # after the closing slide, the story starts again
    assert "Bandung Command Center dalam angka" in texts(at)


def test_tour_explains_the_jargon_its_step_shows(monkeypatch, city_dir):
    at = run(monkeypatch, city_dir, {"tour": "1", "lang": "en"})
    gloss = next(t for t in texts(at) if t.startswith("WIB: "))
    assert (
        gloss
        == "WIB: Western Indonesia Time (UTC+7) · SP4N-LAPOR!: Indonesia's national public-service complaint system"
    )
    at = run(monkeypatch, city_dir, {"tour": "1", "lang": "en", "step": "5"})
    assert any(t.startswith("RW: a neighbourhood association") for t in texts(at))
    assert not any("OPD:" in t for t in texts(at))  # only terms on this screen
    assert not any(
        "WIB: " in t for t in texts(at)
    )  # the clock's zone: explained once, at the start


def test_tour_in_indonesian_by_default(monkeypatch, city_dir):
    at = run(monkeypatch, city_dir, {"tour": "1", "step": "3"})
    assert "Perjalanan sebuah pengaduan" in texts(at)


@pytest.mark.parametrize("step", [1, 2, 3, 4, 5])
def test_every_tour_step_draws(monkeypatch, city_dir, step):
    at = run(monkeypatch, city_dir, {"tour": "1", "step": str(step), "lang": "en"})
    assert not at.warning  # no panel failed
    assert at.get("plotly_chart") or at.get(
        "deck_gl_json_chart"
    )  # each step shows a chart or a map


def test_a_missing_tour_file_is_an_error_not_a_traceback(monkeypatch, writable_city):
    (
        writable_city / "tour.toml"
    ).unlink()  # the profile still names it: a configuration error, in one line
    at = run(monkeypatch, writable_city, {"tour": "1", "lang": "en"})
    assert not at.exception
    assert [
        e.value for e in at.error if "[tour] captions_file: 'tour.toml' does not exist" in e.value
    ]


# view -> (KPI tiles with a value, Plotly charts, deck.gl maps) each wall panel must draw
WALL_CONTENT = {
    "overview": (4, 1, 1),
    "complaints": (4, 1, 1),
    "cctv": (4, 0, 1),
    "wifi": (4, 1, 1),
    "alerts": (4, 0, 1),
}


@pytest.mark.parametrize("view", WALL_CONTENT)
def test_every_wall_panel_renders_its_content(monkeypatch, city_dir, view):
    at = run(monkeypatch, city_dir, {"mode": "wall", "view": view, "lang": "en"})
    tiles, charts, maps = WALL_CONTENT[view]
    assert len([m for m in at.metric if m.value not in ("", "–")]) >= tiles
    assert len(at.get("plotly_chart")) >= charts
    assert len(at.get("deck_gl_json_chart")) >= maps
    assert not at.warning
    if view in ("cctv", "alerts"):  # the offline list and the alert list are text panels
        assert any(len(t.splitlines()) >= 2 for t in texts(at))


def test_a_panel_that_raises_is_counted_and_fails_the_tests(monkeypatch, city_dir):
    from ccdash.app import public, wall

    def broken(ctx, at):
        raise RuntimeError("boom")

    monkeypatch.setitem(wall.PANELS, "overview", broken)
    before = public.PANEL_FAILURES["overview"]
    at = run(
        monkeypatch,
        city_dir,
        {"mode": "wall", "view": "overview", "lang": "en"},
        allow_failures=True,
    )
    assert failures(at) == {"overview": 1}
    assert public.PANEL_FAILURES["overview"] == before + 1
    assert [w.value for w in at.warning] == ["This panel cannot be shown right now."]


@pytest.mark.parametrize("step", ["²", "٣", "-1", "0", "x", ""])
def test_odd_tour_steps_start_at_the_first(monkeypatch, city_dir, step):
    at = run(monkeypatch, city_dir, {"tour": "1", "step": step, "lang": "en"})
    assert "Bandung Command Center in numbers" in texts(at)


def test_a_run_stopped_half_way_does_not_freeze_the_rotation(monkeypatch, city_dir):
    """Streamlit may stop a full run half-way (a rerun request on a busy machine); the wall must still let
    its clock advance the views afterwards."""
    import streamlit as st

    from ccdash.app import wall

    def stopped(ctx, at):
        st.stop()  # what an interrupted run looks like: a control exception out of the middle of the page

    monkeypatch.setitem(wall.PANELS, "overview", stopped)
    at = run(monkeypatch, city_dir, {"mode": "wall", "view": "overview", "lang": "en"})
    assert at.session_state["_full_run"] == {"active": False}


def test_the_ticker_colours_each_item_by_its_level_and_escapes_its_text():
    from ccdash.present.alert_text import ticker_html

    out = ticker_html(
        [
            ("high", "▲▲ HIGH · since 07:05 · <img src=x onerror=alert(1)>"),
            ("watch", "▲ WATCH · a & b"),
        ],
        "No alerts",
    )
    assert (
        out.count('class="ccdash-item ccdash-level-high"') == 1
        and out.count('class="ccdash-item ccdash-level-watch"') == 1
    )
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out and "a &amp; b" in out
    assert out.index("ccdash-level-high") < out.index("ccdash-level-watch")  # worst first, as given
    assert (
        ticker_html([], "No <alerts>")
        == '<p class="ccdash-ticker"><span class="ccdash-level-none">No &lt;alerts&gt;</span></p>'
    )


@pytest.mark.parametrize(
    "size, expected",
    [
        ((1920, 1080), 1.0),
        ((3840, 2160), 2.0),
        ((1366, 768), 0.71),
        ((2560, 1080), 1.0),  # ultra-wide: height rules
        ((1080, 1920), 0.56),
        ((800, 400), 0.5),
        ((7680, 4320), 3.0),
        ((0, 1080), 1.0),  # no size: the design
    ],
)
def test_the_wall_scale_fits_the_design_into_the_screen(size, expected):
    from ccdash.app.screen import fit_scale

    assert fit_scale(*size) == expected


def test_a_scale_in_the_url_overrides_the_screen_and_bad_ones_fall_back(monkeypatch, city_dir):
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    for given, expected in (("2", 2.0), ("9", 3.0), ("0.1", 0.5), ("nan", 1.0), ("big", 1.0)):
        at = desk_app(60)
        at.query_params.update({"mode": "wall", "lang": "en", "scale": given})
        at.run()
        assert not at.exception
        assert at.session_state["_scale"] == expected, given
    at = desk_app(60)
    at.query_params.update({"mode": "wall", "lang": "en"})
    at.run()  # no browser has reported a size here: the design scale
    assert at.session_state["_scale"] == 1.0
