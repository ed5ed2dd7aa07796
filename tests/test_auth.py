"""The admin password: hashed secrets, constant-time checks, growing waits and a lockout, wired to the page."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from ccdash.app.auth import Throttle, check_password, hash_password, throttle_for
from tests.test_views import start


def test_hashed_and_plain_secrets():
    h = hash_password("correct horse", iterations=1_000)
    assert h.startswith("pbkdf2_sha256$1000$")
    assert check_password("correct horse", hashed=h)
    assert not check_password("correct hors", hashed=h)
    assert check_password("s3cret", plain="s3cret") and not check_password("s3cre", plain="s3cret")
    assert not check_password("x", hashed="md5$1$00$00") and not check_password(
        "x", hashed="garbage"
    )
    assert not check_password("", plain=None, hashed=None)  # nothing configured: nobody gets in
    assert check_password(
        "s3cret", plain="other", hashed=hash_password("s3cret", iterations=1_000)
    )  # hash wins


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


def test_each_wrong_try_doubles_the_wait():
    clock = Clock()
    th = Throttle(max_failures=100, base_delay_s=1, max_delay_s=8, clock=clock)
    s = {}
    waits = []
    for _ in range(5):
        assert th.wait_s(s) is None
        th.failed(s)
        why, left = th.wait_s(s)
        waits.append((why, left))
        clock.t += left
    assert waits == [("wait", 1), ("wait", 2), ("wait", 4), ("wait", 8), ("wait", 8)]
    th.succeeded(s)
    assert th.wait_s(s) is None


def test_too_many_wrong_tries_lock_every_session_out():
    clock = Clock()
    th = Throttle(max_failures=5, window_s=60, lockout_s=300, base_delay_s=0, clock=clock)
    for _ in range(5):  # a new session each time: the attacker's way around a per-session wait
        th.failed({})
    assert th.wait_s({}) == ("locked", 300)
    clock.t += 299
    assert th.wait_s({})[0] == "locked"
    clock.t += 2
    assert th.wait_s({}) is None
    # Failures spread wider than the window do not add up to a lockout.
    for _ in range(4):
        th.failed({})
        clock.t += 61
    assert th.wait_s({}) is None


def sign_in(at, password):
    at.text_input(key="dt_password").set_value(password)
    next(b for b in at.button if b.label == "Sign in as admin").click().run()
    return at


def test_the_page_waits_after_a_wrong_password_and_then_signs_in(monkeypatch, writable_city):
    clock = Clock()  # the wait passes when the test says so, not after a sleep
    monkeypatch.setattr("ccdash.app.data_page.THROTTLE", Throttle(base_delay_s=30, clock=clock))
    at = start(
        monkeypatch,
        writable_city,
        {"lang": "en"},
        page="app_pages/data.py",
        secrets={"admin_password": "pw"},
    )
    sign_in(at, "nope")
    assert [e.value for e in at.error] == ["Wrong password."]
    sign_in(at, "pw")  # at once: too soon, even with the right password
    assert at.error[0].value.startswith("Too soon after a wrong password")
    assert not at.get("file_uploader")
    clock.t += 30
    sign_in(at, "pw")
    assert at.get("file_uploader") and not at.error


def test_a_lockout_refuses_even_the_right_password(monkeypatch, writable_city):
    monkeypatch.setattr("ccdash.app.data_page.THROTTLE", Throttle(max_failures=3, base_delay_s=0))
    hashed = hash_password("pw", iterations=1_000)
    at = start(
        monkeypatch,
        writable_city,
        {"lang": "en"},
        page="app_pages/data.py",
        secrets={"admin_password_hash": hashed},
    )
    for _ in range(3):
        sign_in(at, "guess")
    sign_in(at, "pw")
    assert at.error[0].value.startswith("Too many wrong passwords")
    assert not at.get("file_uploader")


@pytest.mark.parametrize(
    "secret",
    [{"admin_password": "pw"}, {"admin_password_hash": hash_password("pw", iterations=1_000)}],
)
def test_either_secret_signs_in_and_out(monkeypatch, writable_city, secret):
    monkeypatch.setattr("ccdash.app.data_page.THROTTLE", Throttle())
    at = start(monkeypatch, writable_city, {"lang": "en"}, page="app_pages/data.py", secrets=secret)
    sign_in(at, "pw")
    assert at.get("file_uploader")
    next(b for b in at.button if b.label == "Sign out").click().run()
    assert not at.get("file_uploader")


def test_the_lockout_is_shared_by_every_process_on_the_data_folder(tmp_path):
    """Two throttles on one folder stand for two server processes (or replicas): tries on one count
    on the other, and a fresh one (a restart) inherits the lockout."""
    clock = Clock()
    state = tmp_path / "_auth" / "throttle.json"
    first = Throttle(state, max_failures=4, lockout_s=600, base_delay_s=0, clock=clock)
    second = Throttle(state, max_failures=4, lockout_s=600, base_delay_s=0, clock=clock)
    for throttle in (first, second, first):
        session: dict = {}
        assert throttle.attempt(session) is None
        throttle.failed(session)
    assert second.attempt({}) is None  # the fourth try is checked, and locks everyone out
    assert first.wait_s({}) == ("locked", 600)
    restarted = Throttle(state, clock=clock)
    assert restarted.wait_s({}) == ("locked", 600)
    clock.t += 600
    assert restarted.wait_s({}) is None


def test_a_right_password_does_not_count_towards_the_lockout(tmp_path):
    clock = Clock()
    throttle = Throttle(tmp_path / "t.json", max_failures=3, base_delay_s=0, clock=clock)
    for _ in range(5):
        session: dict = {}
        assert throttle.attempt(session) is None
        throttle.succeeded(session)
    assert json.loads((tmp_path / "t.json").read_text())["tries"] == []


def _one_slow_try(state_file: str) -> bool:
    """A wrong password in its own process: True when the slow check ran."""
    throttle = throttle_for(Path(state_file))
    session: dict = {}
    if throttle.attempt(session) is not None:
        return False
    check_password("guess", hashed=hash_password("pw", iterations=50_000))
    throttle.failed(session)
    return True


def test_a_burst_of_parallel_tries_gets_no_more_checks_than_the_limit(tmp_path):
    """40 tries from 8 processes at once: each try is counted before its slow check, so exactly the
    limit's number of checks run (counted after the check, a burst got 12 through a limit of 10)."""
    with ProcessPoolExecutor(8) as pool:
        ran = list(pool.map(_one_slow_try, [str(tmp_path)] * 40))
    assert sum(ran) == 10
    assert throttle_for(tmp_path).wait_s({})[0] == "locked"
