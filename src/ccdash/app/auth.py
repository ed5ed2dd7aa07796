"""The admin password: a salted slow hash (or a plain secret), compared in constant time, with a growing
wait after each wrong try and a lockout for everyone, in every process on the data folder, after too
many. No Streamlit here (the CLI uses it)."""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path

ITERATIONS = 600_000  # PBKDF2-SHA256, OWASP's 2023 figure


def hash_password(password: str, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    """`pbkdf2_sha256$iterations$salt$hash` (hex), for `admin_password_hash` in .streamlit/secrets.toml."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def check_password(given: str, plain: str | None = None, hashed: str | None = None) -> bool:
    """True when `given` matches the configured hash (preferred) or plain secret, in constant time."""
    if hashed:
        try:
            scheme, iterations, salt, digest = hashed.split("$")
            if scheme != "pbkdf2_sha256":
                return False
            got = hashlib.pbkdf2_hmac(
                "sha256", given.encode(), bytes.fromhex(salt), int(iterations)
            )
            return hmac.compare_digest(got, bytes.fromhex(digest))
        except ValueError:
            return False
    if plain:
        return hmac.compare_digest(given.encode(), str(plain).encode())
    return False


class Throttle:
    """Wrong passwords cost time, for every process that serves the data folder.

    Each session waits base x 2^(n-1) seconds (up to a cap) after its n-th wrong try. Every try is
    counted *before* the slow check, in a small state file shared (under an flock) by every process
    and replica on the data folder: after `max_failures` tries within `window_s` that did not succeed,
    nobody may try for `lockout_s`. A burst of parallel sessions therefore gets at most `max_failures`
    checks through, and a restart or another replica does not reset the count. The price: a flood of
    wrong tries also locks the real admin out for a while. Times are the wall clock (`clock`, injected
    by tests), since processes share no monotonic clock."""

    def __init__(
        self,
        state_file: Path | None = None,
        max_failures: int = 10,
        window_s: float = 900,
        lockout_s: float = 900,
        base_delay_s: float = 1.0,
        max_delay_s: float = 60.0,
        clock: Callable[[], float] = time.time,
    ):
        self.state_file = state_file
        self.max_failures, self.window_s, self.lockout_s = max_failures, window_s, lockout_s
        self.base_delay_s, self.max_delay_s, self.clock = base_delay_s, max_delay_s, clock
        self._memory: dict = {"tries": [], "locked_until": 0.0}  # without a file: this process only
        self._lock = threading.Lock()

    @contextmanager
    def _shared(self) -> Iterator[dict]:
        """The shared state, read and written back under an exclusive lock."""
        with self._lock:
            if self.state_file is None:
                yield self._memory
                return
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            with open(self.state_file, "a+", encoding="utf-8") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                fh.seek(0)
                try:
                    state = json.loads(fh.read() or "{}")
                except json.JSONDecodeError:  # a damaged file counts as no tries, not as a crash
                    state = {}
                state = {"tries": list(state.get("tries", [])), **state}
                state.setdefault("locked_until", 0.0)
                yield state
                fh.seek(0)
                fh.truncate()
                fh.write(json.dumps(state))
                fh.flush()

    def _refusal(self, state: dict, session: MutableMapping, now: float):
        if now < state["locked_until"]:
            return "locked", state["locked_until"] - now
        until = session.get("_auth_next_try", 0.0)
        return ("wait", until - now) if now < until else None

    def wait_s(self, session: MutableMapping) -> tuple[str, float] | None:
        """Why this session may not try now and for how many seconds, or None when it may."""
        now = self.clock()
        with self._shared() as state:
            return self._refusal(state, session, now)

    def attempt(self, session: MutableMapping) -> tuple[str, float] | None:
        """Take a try before the slow check: a refusal (as wait_s), or None with the try counted.
        The try that reaches `max_failures` is still checked; the ones after it wait."""
        now = self.clock()
        with self._shared() as state:
            refused = self._refusal(state, session, now)
            if refused:
                return refused
            tries = [t for t in state["tries"] if t >= now - self.window_s]
            tries.append(now)
            if len(tries) >= self.max_failures:
                state["locked_until"] = now + self.lockout_s
                tries = []
            state["tries"] = tries
            session["_auth_try"] = now
        return None

    def failed(self, session: MutableMapping) -> None:
        """A wrong password: this session's wait grows (its try is already counted, or counted now)."""
        if session.pop("_auth_try", None) is None:
            self.attempt(session)
            session.pop("_auth_try", None)
        n = session.get("_auth_failures", 0) + 1
        session["_auth_failures"] = n
        delay = min(self.base_delay_s * 2 ** (n - 1), self.max_delay_s)
        session["_auth_next_try"] = self.clock() + delay

    def succeeded(self, session: MutableMapping) -> None:
        """The right password: its try no longer counts, and the session's wait is gone."""
        taken = session.pop("_auth_try", None)
        if taken is not None:
            with self._shared() as state:
                if taken in state["tries"]:
                    state["tries"].remove(taken)
        session["_auth_failures"] = 0
        session["_auth_next_try"] = 0.0


def throttle_for(data_dir: Path) -> Throttle:
    """The throttle every process serving this data folder shares."""
    return Throttle(Path(data_dir) / "_auth" / "throttle.json")
