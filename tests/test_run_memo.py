"""A run looks up the store and its inputs' versions once (state.begin_run), and its queries' cache
keys are their arguments' text where that text is their whole value (state._spelled)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ccdash.app import lazy, router, state
from ccdash.metrics import registry
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
    assert len(epochs) == 5  # the page, then its four sections (drawn inline here)
    assert asked and all(len(epoch) == len(set(epoch)) for epoch in epochs)

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
