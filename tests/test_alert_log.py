"""Alerts with a memory: first seen and acknowledged once for every reload, restart and replica."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from ccdash.data import alert_log
from ccdash.metrics import alerts
from tests.test_wall import run, texts

T0 = datetime(2026, 11, 20, 7, 32)


def test_first_seen_holds_across_processes_and_restarts_while_the_alert_lasts(tmp_path):
    # Two "replicas" are two calls on the same folder: the second sees the first's time.
    assert alert_log.observe(tmp_path, ["spike:category=a"], T0) == {"spike:category=a": T0}
    later = T0 + timedelta(minutes=40)
    both = alert_log.observe(tmp_path, ["spike:category=a", "sla:agency=x"], later)
    assert both == {"spike:category=a": T0, "sla:agency=x": later}
    # It ends, then comes back: a new episode, a new first-seen time.
    alert_log.observe(tmp_path, ["sla:agency=x"], later + timedelta(hours=1))
    back = later + timedelta(hours=2)
    assert alert_log.observe(tmp_path, ["spike:category=a"], back)["spike:category=a"] == back


def test_an_acknowledgement_holds_until_the_alert_grows_or_rises(tmp_path):
    first = alert_log.observe(tmp_path, ["spike:category=a"], T0)["spike:category=a"]
    alert_log.acknowledge(
        tmp_path,
        "spike:category=a",
        " Dewi ",
        "crew sent",
        T0 + timedelta(minutes=5),
        "watch",
        10,
        "x",
    )
    acks = alert_log.acknowledgements(tmp_path)
    assert [(a["by"], a["note"]) for a in acks] == [("Dewi", "crew sent")]
    assert alert_log.silenced(acks, "spike:category=a", first, "watch", 14)
    assert not alert_log.silenced(acks, "spike:category=a", first, "watch", 15)  # grew by half
    assert not alert_log.silenced(acks, "spike:category=a", first, "high", 10)  # rose a level
    assert not alert_log.silenced(acks, "spike:category=b", first, "watch", 10)
    # A later episode of the same alert is not covered by an old acknowledgement.
    assert not alert_log.silenced(acks, "spike:category=a", T0 + timedelta(hours=3), "watch", 10)


def test_a_damaged_log_costs_the_memory_never_a_page(tmp_path):
    (tmp_path / "_alerts").mkdir()
    (tmp_path / "_alerts" / "alerts.json").write_text("{not json")
    assert alert_log.acknowledgements(tmp_path) == []
    assert alert_log.observe(tmp_path, ["cctv:kecamatan=k"], T0) == {"cctv:kecamatan=k": T0}
    assert json.loads((tmp_path / "_alerts" / "alerts.json").read_text())["active"]


def _ticker(at) -> str:
    return next(t.value for t in at.get("html") if 'class="ccdash-ticker"' in t.value)


def test_an_alert_acknowledged_at_the_desk_leaves_every_wall_and_keeps_its_since(
    monkeypatch, writable_city
):
    wall = {"mode": "wall", "lang": "en", "view": "alerts"}
    at = run(monkeypatch, writable_city, wall)
    assert "Flooding spike city-wide" in _ticker(at)
    since = {s.split(" · ")[1] for s in texts(at) for s in s.splitlines() if "Flooding spike" in s}
    # Another session (a reload, the other replica) shows the same first-seen time.
    again = run(monkeypatch, writable_city, wall)
    assert {
        s.split(" · ")[1] for s in texts(again) for s in s.splitlines() if "Flooding spike" in s
    } == since
    state = json.loads((writable_city / "_alerts" / "alerts.json").read_text())
    flood = next(i for i in state["active"] if i.startswith("spike:category=flooding"))
    seen = datetime.fromisoformat(state["active"][flood]["first_seen"])
    level = "high"  # the planted flood is a big spike
    alert_log.acknowledge(writable_city, flood, "Operator", "", seen, level, 64, "flood")
    after = run(monkeypatch, writable_city, wall)
    assert "Flooding spike city-wide" not in _ticker(after)
    assert "Street light out spike" in _ticker(after)  # the others stay
    assert not any("Flooding spike" in t for t in texts(after))  # nor in the alerts panel


def test_an_alerts_id_is_its_kind_and_what_it_is_about():
    a = alerts.Alert("spike", 3.0, {"kecamatan": "K", "category": "c"}, 9, 2.0, 1e-5)
    assert alerts.alert_id(a) == "spike:category=c|kecamatan=K"


def test_an_admin_acknowledges_on_the_data_page_and_the_wall_drops_it(monkeypatch, writable_city):
    from tests.test_views import start

    at = start(
        monkeypatch,
        writable_city,
        {"lang": "en"},
        page="app_pages/data.py",
        secrets={"admin_password": "s3cret"},
    )
    assert any("Sign in as admin (above) to acknowledge" in c.value for c in at.caption)
    at.text_input(key="dt_password").set_value("s3cret")
    next(b for b in at.button if b.label == "Sign in as admin").click().run()
    listed = next(d.value for d in at.dataframe if "Acknowledged" in d.value.columns)
    top = listed.iloc[0]
    assert top["Level"] == "HIGH" and top["Acknowledged"] == "–"
    at.selectbox(key="dt_ack_pick").set_value(0)
    at.text_input(key="dt_ack_by").set_value("")
    at.button(key="FormSubmitter:dt_ack-Acknowledge the alert").click().run()
    assert any("Write your name" in e.value for e in at.error)
    assert alert_log.acknowledgements(writable_city) == []  # nothing stored without a name
    at.text_input(key="dt_ack_by").set_value("Dewi")
    at.text_input(key="dt_ack_note").set_value("<b>crew</b> sent")
    at.button(key="FormSubmitter:dt_ack-Acknowledge the alert").click().run()
    assert not at.exception and any("Acknowledged" in s.value for s in at.success)
    at.run()
    log = next(d.value for d in at.dataframe if "Note" in d.value.columns)
    assert (log.iloc[0]["By"], log.iloc[0]["Note"], log.iloc[0]["Alert"]) == (
        "Dewi",
        "<b>crew</b> sent",  # stored and shown as text
        top["Alert"],
    )
    listed = next(d.value for d in at.dataframe if "Acknowledged" in d.value.columns)
    assert listed.iloc[0]["Acknowledged"] == "yes"
    wall = run(monkeypatch, writable_city, {"mode": "wall", "lang": "en"})
    assert top["Alert"] not in _ticker(wall)


def test_the_alerts_view_marks_the_districts_the_alerts_name(monkeypatch, writable_city):
    at = run(monkeypatch, writable_city, {"mode": "wall", "lang": "en", "view": "alerts"})
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    marked = next(layer for layer in spec["layers"] if layer["id"] == "marked")
    shapes = json.loads((writable_city / "districts.geojson").read_text())["features"]
    names = {
        f["properties"].get("kecamatan") or f["properties"].get("name")
        for f in shapes
        if f["geometry"] in [m["geometry"] for m in marked["data"]["features"]]
    }
    # The planted events of this city: floods in Gedebage and Rancasari, street lights in Regol;
    # and nothing the alerts do not name.
    assert {"Gedebage", "Rancasari", "Regol"} <= names
    assert all(n in _ticker(at) for n in names), names
    assert any("Thick orange outline" in c.value for c in at.caption)
    other = run(monkeypatch, writable_city, {"mode": "wall", "lang": "en", "view": "cctv"})
    spec = json.loads(other.get("deck_gl_json_chart")[0].proto.json)
    assert not any(layer["id"] == "marked" for layer in spec["layers"])
