"""The data bugs a code review found, each pinned by a test that failed before its fix."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from ccdash.data.dataset import read_stored
from ccdash.data.ingest import IngestError, Mapping, ingest
from ccdash.data.profile import load_profile
from ccdash.data.store import Store
from ccdash.metrics import wifi
from tests.paths import wall_times

NOW = datetime(2026, 11, 21, 12, 0)


def _usage(writable_city) -> pd.DataFrame:
    return wall_times(read_stored(writable_city, "wifi_usage").to_pandas())


def test_wifi_usage_sent_twice_replaces_the_month_instead_of_doubling_it(writable_city, tmp_path):
    profile = load_profile(writable_city / "city.toml")
    before = _usage(writable_city)
    last = before.month.max()
    month_rows = before[before.month == last]
    again = tmp_path / "usage_retry.csv"
    month_rows.assign(month=pd.to_datetime(month_rows.month).dt.strftime("%Y-%m-%d")).to_csv(
        again, index=False
    )

    for _ in range(2):  # a retry, then the inbox picking the same file up again
        report = ingest(again, "wifi_usage", writable_city, profile, now=NOW)
        assert report.rejected == 0 and report.replaced == len(month_rows)

    after = _usage(writable_city)
    assert len(after) == len(before)
    store = Store(writable_city, profile.facts_file)
    try:
        got = wifi.summary(store)["users_last_month"]
    finally:
        store.close()
    assert got == int(month_rows.users.sum())  # independent: the file's own total


def test_a_corrected_wifi_figure_replaces_the_stored_one(writable_city, tmp_path):
    profile = load_profile(writable_city / "city.toml")
    before = _usage(writable_city)
    row = before.iloc[0]
    fixed = tmp_path / "usage_fix.csv"
    fixed.write_text(f"ap_id,month,users\n{row.ap_id},{pd.Timestamp(row.month):%Y-%m-%d},7\n")
    ingest(fixed, "wifi_usage", writable_city, profile, now=NOW)
    after = _usage(writable_city)
    same = after[(after.ap_id == row.ap_id) & (after.month == row.month)]
    assert same.users.tolist() == [7]
    assert len(after) == len(before)


def test_a_file_naming_one_point_month_twice_is_rejected_by_key(writable_city, tmp_path):
    profile = load_profile(writable_city / "city.toml")
    twice = tmp_path / "usage_twice.csv"
    twice.write_text("ap_id,month,users\nX-1,2026-10-01,5\nX-1,2026-10-01,6\nX-1,2026-09-01,4\n")
    try:
        report = ingest(twice, "wifi_usage", writable_city, profile, now=NOW)
    except IngestError as e:  # every row refused is also a clear answer
        pytest.fail(f"one duplicate should reject one row, not the file: {e}")
    assert report.rejected == 1
    assert report.reasons == {"duplicate (ap_id, month) in this file": 1}


def test_the_separator_is_found_outside_quotes(writable_city, tmp_path):
    """The Indonesian Excel default: `;` between fields, and here more commas (inside quoted headers)
    than semicolons."""
    profile = load_profile(writable_city / "city.toml")
    export = tmp_path / "pengaduan.csv"
    export.write_text(
        '"ID, tiket, no";"Tanggal, Jam, WIB";Status;"Kategori, jenis";"Kanal, media, sumber";"Kecamatan, kota";lat;lon\n'
        '"A-1";"2026-11-02 08:00";new;waste;lapor;"Coblong";-6.8848;107.6154\n'
        '"A-2";"2026-11-03 09:15";new;flooding;lapor;"Gedebage";-6.95;107.69\n',
        encoding="utf-8",
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        "[columns]\n"
        'complaint_id = "ID, tiket, no"\ncreated_at = "Tanggal, Jam, WIB"\nstatus = "Status"\n'
        'category = "Kategori, jenis"\nchannel = "Kanal, media, sumber"\nkecamatan = "Kecamatan, kota"\n',
        encoding="utf-8",
    )

    report = ingest(export, "complaints", writable_city, profile, Mapping.load(mapping), now=NOW)
    assert (report.rows_read, report.accepted, report.rejected) == (2, 2, 0)
    stored = wall_times(read_stored(writable_city, "complaints").to_pandas()).set_index(
        "complaint_id"
    )
    assert stored.loc["A-2", "kecamatan"] == "Gedebage"
    assert str(stored.loc["A-1", "created_at"]) == "2026-11-02 08:00:00"


def test_a_population_file_spelled_in_another_case_still_gives_rates(writable_city):
    """Facts added after the data, in upper case: every district keeps its rate, and the rate is the
    stored complaints over the file's residents (an independent pandas computation)."""
    facts_path = writable_city / "kecamatan.csv"
    facts = pd.read_csv(facts_path)
    facts["kecamatan"] = facts["kecamatan"].str.upper()
    facts.to_csv(facts_path, index=False)
    profile = load_profile(writable_city / "city.toml")
    complaints = wall_times(read_stored(writable_city, "complaints").to_pandas())
    at = complaints.created_at.max().to_pydatetime()
    from ccdash.metrics import complaints as complaints_q
    from ccdash.metrics.filters import Filters

    store = Store(writable_city, profile.facts_file)
    try:
        got = complaints_q.by_kecamatan(store, Filters(), at).set_index("kecamatan")
        points = wifi.per_10k(store).set_index("kecamatan")
    finally:
        store.close()
    population = dict(zip(facts.kecamatan.str.casefold(), facts.population_2022))
    counts = complaints.groupby("kecamatan").size()
    assert set(got.index) == set(counts.index)  # the stored spelling, one row a district
    for name, n in counts.items():
        expected = n * 10000 / population[name.casefold()]
        assert got.loc[name, "per_10k"] == pytest.approx(expected, rel=1e-12)
    assert (points.population > 0).all()


def test_the_choropleth_shades_outlines_whose_file_spells_names_in_another_case():
    from ccdash.present.maps import districts_layer

    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    geojson = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": square, "properties": {"kecamatan": name}}
            for name in ("Manhattan", "Queens")
        ],
    }
    values = pd.DataFrame({"kecamatan": ["MANHATTAN", "QUEENS"], "per_10k": [1.0, 9.0]})
    layer = districts_layer(geojson, values, label_col="per_10k")
    props = [f["properties"] for f in layer.data["features"]]
    assert [p["kecamatan"] for p in props] == ["MANHATTAN", "QUEENS"]  # a click filters by these
    assert props[0]["fill"] != props[1]["fill"]  # shaded by value, not the blank fill
    assert props[1]["tip"] == "9.0"


PAGES = ("overview", "complaints", "cctv", "wifi", "coverage", "data")
NOT_A_VALUE = {"None", "nan", "NaN", "NaT", "<NA>", "none", "null"}


def _shown_tables(at) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """(values, what the screen shows) of every table on the page."""
    from streamlit import dataframe_util

    out = []
    for element in at.dataframe:
        display = element.proto.arrow_data.styler.display_values
        values = element.value
        shown = (
            dataframe_util.convert_arrow_bytes_to_pandas_df(display)
            if display
            else values.astype(str)
        )
        out.append((values, shown))
    return out


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_table_shows_none_and_numbers_follow_the_language(monkeypatch, city_dir, lang):
    from ccdash.present.i18n import fmt_num
    from tests.apptest import desk_app

    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    at = desk_app(120)
    at.query_params["lang"] = lang
    at.run()
    tables = 0
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        for values, shown in _shown_tables(at):
            tables += 1
            bad = {str(v) for v in shown.to_numpy().ravel()} & NOT_A_VALUE
            assert not bad, (page, list(values.columns), bad)
            for column in values.columns:
                if column in ("lat", "lon") or not pd.api.types.is_numeric_dtype(values[column]):
                    continue
                if pd.api.types.is_bool_dtype(values[column]):
                    continue
                for raw, text in zip(values[column], shown[column]):
                    if pd.isna(raw):
                        assert text == "", (page, column, text)
                    elif abs(raw) >= 1000 and float(raw).is_integer():
                        assert text.startswith(fmt_num(raw, lang)), (page, column, raw, text)
    assert tables >= 6  # the scorecard, complaint rows, cameras, coverage, plan, bandwidth...


def test_the_overview_map_opens_on_its_default_layers_whatever_the_environment(
    monkeypatch, city_dir
):
    """A debug default read from an environment variable `V` once crashed the Overview (V=points)."""
    from tests.apptest import desk_app

    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    monkeypatch.setenv("V", "points")
    at = desk_app(60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert at.session_state["ov_layers"] == ["hex", "districts"]


def test_a_tables_text_is_what_pandas_own_styler_would_send(monkeypatch):
    """widgets.styled hands Streamlit text made a column at a time; pandas' Styler, formatting each
    cell, is the independent rendering it must match (and what it replaced, at a quarter the cost)."""
    from types import SimpleNamespace

    from streamlit import dataframe_util
    from streamlit.elements.lib.pandas_styler_utils import marshall_styler
    from streamlit.proto.ArrowData_pb2 import ArrowData

    from ccdash.app import widgets
    from ccdash.present.i18n import fmt_num

    times = pd.Series(
        pd.to_datetime(["2026-03-08 01:30", None, "2026-11-01 23:59"]).tz_localize(
            "America/New_York"
        )
    )
    df = pd.DataFrame(
        {
            "complaint_id": ["a<b>", None, "c"],
            "created_at": times,
            "lat": [-6.912345678, float("nan"), 40.7],
            "on_time_pct": [12.345, None, 100.0],
            "complaints": [1234567, 0, 12],
            "score": [1.25, 2.0, None],
            "ok": [True, False, True],
        }
    )

    def sent(styler) -> pd.DataFrame:
        proto = ArrowData()
        marshall_styler(proto, styler, "t")
        return dataframe_util.convert_arrow_bytes_to_pandas_df(proto.styler.display_values)

    def text(x):
        return "" if x is None or pd.isna(x) else str(x)

    def cells(lang: str) -> dict:
        return {
            "complaint_id": text,
            "created_at": lambda x: "" if pd.isna(x) else f"{x:%Y-%m-%d %H:%M}",
            "on_time_pct": lambda x: "" if pd.isna(x) else fmt_num(x, lang, 1) + "%",
            "complaints": lambda x: fmt_num(x, lang),
            "score": lambda x: "" if pd.isna(x) else fmt_num(x, lang, 1),
        }

    for lang in ("id", "en"):
        expected = sent(df.style.format(cells(lang)))
        ours = widgets.styled(SimpleNamespace(lang=lang), df)
        # A coordinate's display value is not read: its column's format is (below).
        pd.testing.assert_frame_equal(sent(ours).drop(columns="lat"), expected.drop(columns="lat"))
        # The values it sorts by keep their order: numbers stay numbers, and a time's text sorts
        # as its wall time does; a missing text or time is a blank (never a grey "None").
        assert list(ours.data.complaints) == list(df.complaints)
        walls = times.dt.tz_localize(None)
        assert sorted(ours.data.created_at[walls.notna()]) == [
            f"{t:%Y-%m-%d %H:%M}" for t in sorted(walls.dropna())
        ]
        assert ours.data.created_at[1] == "" and ours.data.complaint_id[1] == ""
    # Coordinates stay values, shown by their column's format (which the browser puts before a
    # Styler's text): a point in every language, as map apps read them.
    ours = widgets.styled(SimpleNamespace(lang="id"), df)
    assert ours.data.lat.equals(df.lat)
    config = widgets.column_config(SimpleNamespace(t=lambda key: key), df)
    assert config["lat"]["type_config"]["format"] == "%.5f"


def test_the_objects_alive_after_the_first_page_are_frozen_once(monkeypatch):
    """A full collection no longer walks the modules and the store: they are frozen after the first
    page (memory.freeze_startup), once per process; what comes later is collected as before."""
    import gc

    from ccdash import memory

    monkeypatch.setattr(memory, "_frozen", False)
    gc.unfreeze()
    try:
        assert memory.freeze_startup() is True
        frozen = gc.get_freeze_count()
        assert frozen > 10_000  # pytest, pandas, Streamlit ... are all imported here
        assert memory.freeze_startup() is False  # once: the second call freezes nothing more
        assert gc.get_freeze_count() == frozen

        class Cycle:
            pass

        later = Cycle()
        later.me = later  # a cycle made after the freeze is still collected
        ref = __import__("weakref").ref(later)
        del later
        gc.collect()
        assert ref() is None
    finally:
        gc.unfreeze()
