"""The admin password: a salted slow hash (or a plain secret), compared in constant time, with a growing
wait after each wrong try and a lockout for everyone after too many. No Streamlit here (the CLI uses it)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import MutableMapping

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
    """Wrong passwords cost time: each session waits base x 2^(n-1) seconds (up to a cap) after its n-th
    wrong try, and after `max_failures` wrong tries within `window_s` from anywhere, nobody may try for
    `lockout_s` (opening new sessions does not reset it). The price: a flood of wrong tries also locks the
    real admin out for a while."""

    def __init__(
        self,
        max_failures: int = 10,
        window_s: float = 900,
        lockout_s: float = 900,
        base_delay_s: float = 1.0,
        max_delay_s: float = 60.0,
        clock=time.monotonic,
    ):
        self.max_failures, self.window_s, self.lockout_s = max_failures, window_s, lockout_s
        self.base_delay_s, self.max_delay_s, self.clock = base_delay_s, max_delay_s, clock
        self._failures: deque[float] = deque()
        self._locked_until = 0.0
        self._lock = threading.Lock()

    def wait_s(self, session: MutableMapping) -> tuple[str, float] | None:
        """Why this session may not try now and for how many seconds, or None when it may."""
        now = self.clock()
        with self._lock:
            if now < self._locked_until:
                return "locked", self._locked_until - now
        until = session.get("_auth_next_try", 0.0)
        return ("wait", until - now) if now < until else None

    def failed(self, session: MutableMapping) -> None:
        now = self.clock()
        n = session.get("_auth_failures", 0) + 1
        session["_auth_failures"] = n
        session["_auth_next_try"] = now + min(self.base_delay_s * 2 ** (n - 1), self.max_delay_s)
        with self._lock:
            self._failures.append(now)
            while self._failures and self._failures[0] < now - self.window_s:
                self._failures.popleft()
            if len(self._failures) >= self.max_failures:
                self._locked_until = now + self.lockout_s
                self._failures.clear()

    def succeeded(self, session: MutableMapping) -> None:
        session["_auth_failures"] = 0
        session["_auth_next_try"] = 0.0


THROTTLE = Throttle()  # one per server process: every session shares the lockout
