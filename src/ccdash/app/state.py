"""The frame's state: the store, the profile, named queries cached by their inputs' versions, the clock."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as clock_time
from pathlib import Path
from typing import ParamSpec, TypeVar

import streamlit as st

from ..data.clock import reference_now
from ..data.profile import Profile, data_dir, load_profile, profile_path
from ..data.reference import file_version
from ..data.spark_store import SparkStore
from ..data.store import Store
from ..metrics import cctv, complaints
from ..metrics.filters import Filters
from ..metrics.freshness import is_stale
from ..metrics.registry import Query, all_queries
from ..present.i18n import label, t, words
from .access import current

P = ParamSpec("P")
R = TypeVar("R")


def _release(store: Store | SparkStore) -> None:
    """A store dropped from the cache (cleared, or a test's next page) stops its background work: the
    integrity re-read and the summaries' write. Its connection stays open for a run still using it."""
    if isinstance(store, Store):
        store.stop_background()


@st.cache_resource(show_spinner=False, on_release=_release)
def _store(
    directory: str, facts: str | None, expected: tuple[str, ...], engine: tuple, timezone: str
) -> Store | SparkStore:
    kind, url, data_path = engine
    facts_file = Path(facts) if facts else None
    if kind == "spark":  # the same views, on a cluster (raises EngineError when unreachable)
        return SparkStore(
            directory, facts_file, expected, url=url, data_path=data_path, timezone=timezone
        )
    # The complaint summaries (data.summary): written in the background unless CCDASH_SUMMARIES says
    # "read" (use those another process wrote) or "off" (read the rows only).
    summaries = os.environ.get("CCDASH_SUMMARIES", "build")
    return Store(directory, facts_file, expected, timezone=timezone, summaries=summaries)


@st.cache_data(show_spinner=False, max_entries=8)
def _profile(path: str, version: tuple, environment: tuple) -> Profile:
    return load_profile(path)


def get_profile() -> Profile:
    """The city profile, read again whenever its file (or an environment variable that overrides it) changes."""
    p = profile_path()
    return _profile(
        str(p),
        file_version(p),
        tuple(os.environ.get(k) for k in ("CCDASH_ENGINE", "CCDASH_SPARK_URL")),
    )


def get_store() -> Store | SparkStore:
    prof = get_profile()
    return _store(
        str(data_dir()),
        str(prof.facts_file) if prof.facts_file else None,
        prof.tables(),
        prof.engine,
        prof.timezone,
    )


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, directory: str, engine: str, version: tuple, args: tuple, kwargs: tuple):
    return all_queries()[name](get_store(), *args, **dict(kwargs))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_by_text(key: str, name: str, _args: tuple, _kwargs: tuple):
    """_cached, for arguments whose repr says all they hold (`_spelled`): the key is that text, and
    Streamlit hashes one string instead of walking the Filters and times of every call. Its answer
    may have been computed ahead (`ahead`)."""
    return _answer(key, name, _args, _kwargs)


_SPELLED = (str, int, float, bool, type(None), date, clock_time, timedelta, tzinfo)


def _spelled(value) -> bool:
    """Whether repr(value) is its whole value: plain scalars, times, and tuples, lists or
    dataclasses of them (a frame's repr elides rows; an object's names only its address)."""
    if isinstance(value, _SPELLED):
        return True
    if isinstance(value, (tuple, list, frozenset)):
        return all(_spelled(v) for v in value)
    if is_dataclass(value) and not isinstance(value, type):
        return all(_spelled(getattr(value, f.name)) for f in fields(value))
    return False


RUN_MEMO = "_run_memo"  # a session key: (the run's thread, what it looked up once)


def begin_run() -> None:
    """The start of a page's run or a section's (the router and lazy.section call it): the store and
    its inputs' versions are looked up afresh, then once per run for every query of it."""
    st.session_state[RUN_MEMO] = (threading.get_ident(), {})


def _this_run() -> dict | None:
    memo = st.session_state.get(RUN_MEMO)
    return memo[1] if memo is not None and memo[0] == threading.get_ident() else None


class NotAllowed(PermissionError):
    """A query asked for by a role that may not have its answer (checked on the server)."""


def _keyed(query: Query, args: tuple, kwargs: dict) -> tuple[Store | SparkStore, tuple]:
    """The store a query runs on and its cache key. A query that returns complaint rows is refused to
    a session whose role may not see them."""
    if query.rows:
        who = current()  # the session's identity, set at the start of the run
        if not who.sees_rows:
            raise NotAllowed(f"{query.name} returns complaint rows; the role {who.role} may not")
    memo = _this_run()
    if memo is None:
        store = get_store()
        version = query.version(store)
    else:
        store = memo["store"] if "store" in memo else memo.setdefault("store", get_store())
        inputs = (query.tables, query.facts)
        version = memo[inputs] if inputs in memo else memo.setdefault(inputs, query.version(store))
    engine = (
        "spark" if isinstance(store, SparkStore) else "duckdb"
    )  # one engine's results never answer for another
    return store, (
        query.name,
        str(store.directory),
        engine,
        version,
        args,
        tuple(sorted(kwargs.items())),
    )


def run(query: Query[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """A named query, cached by its arguments and the versions of exactly the inputs it declares."""
    store, key = _keyed(query, args, kwargs)
    if _spelled(key):
        return _compute(store, query.name, _cached_by_text, repr(key), query.name, args, key[-1])
    return _compute(store, query.name, _cached, *key)


# Queries computed ahead (`ahead`): DuckDB answers them on the machine's other core while this thread
# draws what came before. Two threads: a page's queries then take about the time of its drawing.
_AHEAD_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ccdash-ahead")
_ahead: dict[str, Future] = {}  # a cache key's text -> its answer, being computed
_answered: dict[str, None] = {}  # the keys computed since the process started (the newest last)
_ahead_lock = threading.Lock()
AHEAD_KEPT = 1024  # keys remembered, and answers waiting, at most


def ahead(calls: list[tuple]) -> int:
    """Start computing the named queries `calls` ((query, *args), each as the page will `run` it, keyword
    arguments as a dict last) in the background, unless computed before or being computed: the page's
    `run` of each then waits for its answer instead of computing it. Only a DuckDB store's, and only
    what the session's role may see. Returns how many were started."""
    started = 0
    for query, *args in calls:
        kwargs = args.pop() if args and isinstance(args[-1], dict) else {}
        if query.rows and not current().sees_rows:
            continue
        store, key = _keyed(query, tuple(args), kwargs)
        if isinstance(store, SparkStore) or not _spelled(key):
            continue
        text = repr(key)
        with _ahead_lock:
            if text in _answered or text in _ahead:
                continue
            while len(_ahead) >= AHEAD_KEPT:  # never asked for (the page changed): the oldest go
                _ahead.pop(next(iter(_ahead)))
            _ahead[text] = _AHEAD_POOL.submit(query, store, *args, **kwargs)
        started += 1
    return started


def _answer(key: str, name: str, args: tuple, kwargs: tuple):
    """A query's answer on a cache miss: the one computed ahead, else computed now."""
    with _ahead_lock:
        computing = _ahead.pop(key, None)
        _answered[key] = None
        while len(_answered) > AHEAD_KEPT:
            _answered.pop(next(iter(_answered)))
    if computing is not None:
        return computing.result()
    return all_queries()[name](get_store(), *args, **dict(kwargs))


def _compute(store: Store | SparkStore, name: str, cached, *key):
    if isinstance(store, SparkStore):  # seconds, not milliseconds: say what is being computed
        with st.spinner(
            t("engine.computing", st.session_state.get("lang", "id"), what=name, url=store.url)
        ):
            return cached(*key)
    return cached(*key)


def context(profile: Profile, lang: str, options: dict, filters: Filters) -> Context:
    """The context of one run: the reference time, the newest record and whether it is stale."""
    newest = newest_record(profile)
    return Context(
        profile,
        lang,
        reference_now(profile, newest),
        options,
        filters,
        newest,
        stale(profile, newest),
    )


def newest_record(profile: Profile) -> datetime | None:
    """What "data as of" means: the newest complaint; in a city without complaints, the last camera
    report; in a city with neither, nothing (its wifi points carry no time)."""
    if profile.has("complaints"):
        return run(complaints.latest_complaint)
    if profile.has("cctv"):
        return run(cctv.latest_seen)
    return None


def stale(profile: Profile, newest: datetime | None) -> bool:
    """The one staleness rule of every page and the wall: the newest complaint older than [thresholds]
    stale_hours by the profile's clock (under `clock = "data"` the data's own time is now: never stale)."""
    return is_stale(
        newest, reference_now(profile, newest), float(profile.threshold("stale_hours", 24))
    )


def ctx() -> Context:
    """The frame's context for the page being drawn (set by the router each run)."""
    return st.session_state["ctx"]


@dataclass
class Context:
    profile: Profile
    lang: str
    at: datetime  # the reference 'now' every metric is computed at
    options: dict
    filters: Filters
    newest: datetime | None = None  # the newest record (newest_record): what "data as of" means
    stale: bool = False  # newest older than [thresholds] stale_hours by the city's clock

    def t(self, key: str, **kw) -> str:
        return t(key, self.lang, **words(self.profile, self.lang), **kw)

    def label(self, dim: str, value) -> str:
        return label(self.profile, self.lang, dim, value)


# How long a download made on a click waits for the run its click started (a loaded machine: generous).
PENDING_RUN_WAIT_S = 120.0


def wait_for_pending_run(session_id: str, deadline_s: float = PENDING_RUN_WAIT_S) -> None:
    """Return once the session has no run asked for or going (or after `deadline_s`).

    A download is made on a server thread when its button is clicked. A change typed just before (a
    number, then the button at once) reaches the server first, as the field loses focus, and asks for a
    run; the file must wait for that run, or it holds what the page showed before the change. Read from
    Streamlit's session (pinned version; tests/browser/test_downloads.py fails if this goes wrong): a
    rerun still queued, a script executing, the session marked running. Quiet for three looks in a row,
    so the moment between a request taken and its script begun is not read as idle."""
    from streamlit import runtime
    from streamlit.runtime.app_session import AppSessionState
    from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequestType

    try:
        sessions = runtime.get_instance()._session_mgr
    except (RuntimeError, AttributeError):  # no server (AppTest's stand-in): nothing runs beside
        return

    def busy() -> bool:
        info = sessions.get_active_session_info(session_id)
        if info is None:
            return False  # the session has gone: nothing will change any more
        session, runner = info.session, info.session._scriptrunner
        return session._state == AppSessionState.APP_IS_RUNNING or (
            runner is not None
            and (runner._execing or runner._requests._state == ScriptRequestType.RERUN)
        )

    deadline, quiet = time.monotonic() + deadline_s, 0
    while quiet < 3 and time.monotonic() < deadline:
        quiet = 0 if busy() else quiet + 1
        time.sleep(0.05)
