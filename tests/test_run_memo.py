"""A run looks up the store and its inputs' versions once (state.begin_run), and its queries' cache
keys are their arguments' text where that text is their whole value (state._spelled)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from ccdash.app import desk, lazy, router, state
from ccdash.metrics import complaints, registry
from ccdash.metrics.filters import Filters
from tests.test_views import start


def test_only_values_spelled_out_by_their_repr_key_the_cache_as_text():
    at = datetime(2026, 11, 20, 8, 30, tzinfo=timezone(timedelta(hours=7)))
    assert state._spelled(("kpis", Filters(kecamatan=("Coblong",)), at, 1000, None, 0.5))
    assert state._spelled((pd.Timestamp("2026-11-20 08:30", tz="Asia/Jakarta"), np.float64(2.5)))
    # A frame's repr leaves rows out, an object's names only its address: hashed by Streamlit.
    assert not state._spelled(("points", pd.DataFrame({"lat": range(100)})))
    assert not state._spelled((Filters(), object()))
    assert not state._spelled({"a": 1})


def test_a_run_looks_each_version_up_once_and_the_next_run_sees_new_data(
    monkeypatch, writable_city
):
    epochs: list[list] = []
    begin, version = state.begin_run, registry.Query.version

    def counted_begin() -> None:
        epochs.append([])
        begin()

    def counted_version(self, store):
        epochs[-1].append((self.tables, self.facts))
        return version(self, store)

    monkeypatch.setattr(router, "begin_run", counted_begin)
    monkeypatch.setattr(lazy, "begin_run", counted_begin)
    monkeypatch.setattr(registry.Query, "version", counted_version)
    at = start(monkeypatch, writable_city, {"lang": "en"}, "app_pages/complaints.py")
    epochs.clear()
    at.run()
    asked = [inputs for epoch in epochs for inputs in epoch]
    assert len(epochs) == 1  # the page, its four sections drawn inline in its run
    assert asked and all(len(epoch) == len(set(epoch)) for epoch in epochs)
    # A section's own rerun (a fragment's: revealed, or a widget inside it) looks them up afresh.
    monkeypatch.setattr(lazy, "own_rerun", lambda: True)
    epochs.clear()
    at.run()
    assert len(epochs) == 5  # here each of the four sections drawn inline begins its own
    monkeypatch.setattr(lazy, "own_rerun", lambda: False)

    def total(at) -> int:
        shown = next(c.value for c in at.caption if c.value.startswith("Showing the newest"))
        return int(shown.split(" of ")[1].split()[0].replace(",", ""))

    before = total(at)
    # The data shrinks to its older half (a restore to an earlier version): the next run reads it,
    # and the chosen dates past its new last day move inside it instead of failing the page.
    path = writable_city / "complaints.parquet"
    rows = pq.read_table(path)
    pq.write_table(rows.slice(0, rows.num_rows // 2), path, write_page_checksum=True)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert 0 < total(at) < before
    newest = pq.read_table(path, columns=["created_at"]).column(0).to_pandas().max()
    assert max(at.session_state["f_dates"]) <= newest.date() + timedelta(days=1)  # in the city zone


@pytest.fixture(autouse=True)
def nothing_ahead():
    """Each test starts with no answer being computed ahead and none remembered (the process's)."""
    state._ahead.clear()
    state._answered.clear()
    yield
    state._ahead.clear()


def _counting(monkeypatch) -> list[tuple]:
    """Every named query computed (in any thread): its name and arguments."""
    computed: list[tuple] = []
    call = registry.Query.__call__

    def counted(self, store, *a, **k):
        computed.append((self.name, repr(a), repr(sorted(k.items()))))
        return call(self, store, *a, **k)

    monkeypatch.setattr(registry.Query, "__call__", counted)
    return computed


@pytest.mark.parametrize("page", ["app_pages/overview.py", "app_pages/complaints.py"])
def test_a_page_computes_its_queries_ahead_and_asks_for_each_of_them(
    monkeypatch, writable_city, page
):
    """The queries a page starts ahead (desk.*_ahead) are the ones it then runs, with the same
    arguments: after a run with a new filter none is left waiting, none was computed twice, and the
    page reads what the same run without them reads."""
    started: list[int] = []
    begun = state.ahead

    def recorded(calls):
        started.append(begun(calls))
        return started[-1]

    monkeypatch.setattr(desk, "ahead", recorded)
    at = start(monkeypatch, writable_city, {"lang": "en"}, page)
    shown_before = [m.value for m in at.metric]
    computed = _counting(monkeypatch)
    started.clear()
    at.sidebar.multiselect(key="f_kecamatan").set_value(["Coblong", "Sukajadi"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert started and started[-1] >= 3
    assert not state._ahead  # every answer computed ahead was asked for
    assert computed and len(computed) == len(set(computed))  # none computed twice
    with_ahead = [m.value for m in at.metric]
    assert with_ahead != shown_before  # the filter changed the tiles

    # The same filter again, nothing computed ahead: the same tiles.
    state.st.cache_data.clear()
    monkeypatch.setattr(desk, "ahead", lambda calls: 0)
    at.sidebar.multiselect(key="f_kecamatan").set_value([]).run()
    at.sidebar.multiselect(key="f_kecamatan").set_value(["Coblong", "Sukajadi"]).run()
    assert [m.value for m in at.metric] == with_ahead


def test_a_query_computed_ahead_is_computed_once_and_its_error_reaches_the_page(
    monkeypatch, city_dir
):
    monkeypatch.setenv("CCDASH_DATA_DIR", str(city_dir))
    computed = _counting(monkeypatch)
    state.st.cache_data.clear()
    at = datetime(2026, 11, 20, 8, 0)
    f = Filters(kecamatan=("Regol",))
    assert state.ahead([(complaints.kpis, f, at), (complaints.kpis, f, at)]) == 1
    got = state.run(complaints.kpis, f, at)
    assert got == complaints.kpis(state.get_store(), f, at)
    assert [c[0] for c in computed].count("complaints.kpis") == 2  # ahead, and the check
    assert state.ahead([(complaints.kpis, f, at)]) == 0  # answered already
    assert state.run(complaints.kpis, f, at) == got

    # A failure computed ahead is raised where the page asks, with its message.
    with pytest.raises(ValueError, match="no stored H3 resolution 3"):
        state.ahead([(complaints.hex_density, f, at, {"res": 3})])
        state.run(complaints.hex_density, f, at, res=3)
    assert not state._ahead
