"""Who may see what: roles from the identity provider's claims, kiosk links for hands-free screens, and
the audit trail of what was done. No Streamlit here (the CLI and the tests use it).

Roles, least to most: *kiosk* (a wall or tour on a kiosk link) and *viewer* see aggregates only;
*analyst* also sees complaint rows, their text and downloads; *admin* also uploads, manages sources and
acknowledges alerts. *open* is an installation without sign-in (the embedded demo): everything but
the admin's actions, which the admin password guards (docs/deployment.md says a deployment must
configure sign-in).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .files import flocked, write_text_atomic

ROLES = ("kiosk", "viewer", "analyst", "admin")
SEES_ROWS = ("analyst", "admin", "open")  # complaint rows, descriptions and downloads
ADMINISTERS = ("admin",)  # uploads, sources, acknowledgements (open: with the admin password)
DEFAULT_ACCESS = {"claim": "groups", "roles": {}, "default_role": "viewer"}


@dataclass(frozen=True)
class Identity:
    """The person (or kiosk) a session acts for, and its role."""

    name: str | None  # shown and audited: an e-mail or a kiosk's name; None without sign-in
    role: str

    @property
    def sees_rows(self) -> bool:
        return self.role in SEES_ROWS

    @property
    def administers(self) -> bool:
        return self.role in ADMINISTERS


OPEN = Identity(None, "open")


def role_of(claims: dict, access: dict) -> str | None:
    """The highest role the user's groups map to in the profile's [access], else its default_role
    (None: "none", no access). A group claim may be a list or one string."""
    access = DEFAULT_ACCESS | (access or {})
    groups = claims.get(access["claim"]) or []
    if isinstance(groups, str):
        groups = [groups]
    mapped = [access["roles"][g] for g in groups if g in access["roles"]]
    if mapped:
        return max(mapped, key=ROLES.index)
    default = access["default_role"]
    return None if default == "none" else default


def display_name(claims: dict) -> str:
    for key in ("email", "preferred_username", "name", "sub"):
        if claims.get(key):
            return str(claims[key])
    return "?"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class KioskError(ValueError):
    pass


class KioskLinks:
    """Kiosk tokens for walls and tours: long random tokens, stored only as their SHA-256 in
    DATA_DIR/_auth/kiosk.json (shared by every replica, under an flock), created and revoked with
    `ccdash kiosk`. A screen checks its token at every refresh, so a revoked one stops there."""

    def __init__(self, directory: Path | str):
        self.path = Path(directory) / "_auth" / "kiosk.json"

    def _read(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:
            raise KioskError(f"{self.path.name} cannot be read: {e}") from None

    def _write(self, links: dict) -> None:
        write_text_atomic(json.dumps(links, indent=1), self.path)

    def create(self, name: str, now: datetime | None = None) -> str:
        """A new link's token (shown once: only its digest is kept)."""
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise KioskError(f"a kiosk name is letters, digits, '-' and '_', not {name!r}")
        token = secrets.token_urlsafe(32)
        with flocked(self.path.with_suffix(".lock")):
            links = self._read()
            if name in links and not links[name].get("revoked"):
                raise KioskError(f"kiosk {name!r} exists; revoke it first")
            links[name] = {
                "digest": _digest(token),
                "created": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            }
            self._write(links)
        return token

    def revoke(self, name: str, now: datetime | None = None) -> None:
        with flocked(self.path.with_suffix(".lock")):
            links = self._read()
            if name not in links:
                raise KioskError(f"no kiosk named {name!r} (have: {', '.join(links) or 'none'})")
            links[name]["revoked"] = (now or datetime.now(UTC)).isoformat(timespec="seconds")
            self._write(links)

    def check(self, token: str | None) -> str | None:
        """The name of the live kiosk link this token opens, else None (compared in constant time)."""
        if not token:
            return None
        digest = _digest(token)
        found = None
        for name, link in self._read().items():
            if hmac.compare_digest(link.get("digest", ""), digest) and not link.get("revoked"):
                found = name
        return found

    def list(self) -> dict:
        return {
            n: {k: v for k, v in link.items() if k != "digest"} for n, link in self._read().items()
        }


AUDIT_ACTIONS = (
    "sign_in",
    "sign_in_refused",
    "download",
    "upload",
    "source_change",
    "alert_ack",
    "kiosk_use",
    "kiosk_refused",
)


class AuditLog:
    """What was done, by whom: one JSON object per line in DATA_DIR/_audit/audit.jsonl, appended under
    an flock by every process and replica. It holds who, what and how much (filters, row counts,
    file names), never complaint text, tokens or passwords: `details` takes only short scalars and
    lists of them, and a caller passes no free text."""

    MAX_VALUE_CHARS = 200

    def __init__(self, directory: Path | str):
        self.path = Path(directory) / "_audit" / "audit.jsonl"

    def append(self, who: str | None, action: str, now: datetime | None = None, **details) -> dict:
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"not an audit action: {action!r} (have {', '.join(AUDIT_ACTIONS)})")
        row = {
            "at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
            "who": who or "(no sign-in)",
            "action": action,
            **{k: self._short(v) for k, v in details.items()},
        }
        with flocked(self.path.with_suffix(".lock")), open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        return row

    def _short(self, value):
        if isinstance(value, list | tuple):
            return [self._short(v) for v in value][:50]
        if isinstance(value, bool | int | float) or value is None:
            return value
        return str(value)[: self.MAX_VALUE_CHARS]

    def read(self, last: int = 500) -> list[dict]:
        """The newest `last` rows, newest first (a damaged line is skipped)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in reversed(lines):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
            if len(out) >= last:
                break
        return out
