"""Live sources: the sources file (what to pull, from where, how often), their secrets, and what
each pull left behind (the cursor, the counts, the last error), shared by `sync`, the Data page and
the wall.

    DATA_DIR/sources.toml            [[source]] tables, checked by config.SOURCES (docs/sources.md)
    DATA_DIR/_sources/state.json     {name: {cursor, last_success, added, updated, ...}}

Secrets never go in the sources file: it names environment variables (connection_env, token_env,
user_env, password_env), read from the environment or, failing that, from Streamlit's secrets file
(`[sources.NAME]` with the same key without `_env`). The state is written under an flock and
atomically, so `sync`, the server and its replicas read one story.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .config import SOURCES, load_checked
from .files import flocked, write_text_atomic

FILE_NAME = "sources.toml"
FOLDER = "_sources"
DEFAULT_EVERY = timedelta(minutes=15)
DEFAULT_TIMEOUT = timedelta(seconds=30)
DEFAULT_RETRIES = 3
LATE_AFTER = 2  # a source is late when its last success is older than this many intervals

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class SourcesError(Exception):
    """A sources file that cannot be used; the message is one line."""


def duration(text: str) -> timedelta:
    """ "30s", "5m", "1.5h", "1d" as a timedelta (the schema has checked the form)."""
    return timedelta(seconds=float(text[:-1]) * UNITS[text[-1]])


@dataclass(frozen=True)
class SourceSpec:
    """One [[source]] of the sources file."""

    name: str
    kind: str
    type: str  # postgresql | mysql | http | folder
    options: dict = field(default_factory=dict)  # the rest of its keys, as written
    mapping: Path | None = None
    every: timedelta = DEFAULT_EVERY
    timeout: timedelta = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES

    def secret(self, key: str, secrets: dict | None = None) -> str | None:
        """The secret named by option `<key>_env`: the environment's value, else Streamlit's
        secrets file's [sources.<name>] <key>."""
        env = self.options.get(f"{key}_env")
        if env is None:
            return None
        value = os.environ.get(env)
        if value:
            return value
        table = (secrets or {}).get("sources", {}).get(self.name, {})
        value = table.get(key) if isinstance(table, dict) else None
        return str(value) if value else None

    def secrets(self, secrets: dict | None = None) -> list[str]:
        """Every secret value this source uses (to be blotted out of any message)."""
        values = [self.secret(k, secrets) for k in ("connection", "token", "user", "password")]
        out = [v for v in values if v]
        for v in list(out):  # a URL's password part, which a driver may quote alone
            m = re.match(r"^[a-z]+://[^:/@]*:([^@]+)@", v)
            if m:
                out.append(m.group(1))
        return out


def load_sources(path: Path | str) -> list[SourceSpec]:
    """The sources of a sources file, checked; SourcesError with one line naming the file and key."""
    path = Path(path)
    try:
        raw = load_checked(path, SOURCES, "sources file")
    except ValueError as e:
        raise SourcesError(str(e)) from None
    out, names = [], set()
    for entry in raw["source"]:
        entry = dict(entry)
        name = entry.pop("name")
        if name in names:
            raise SourcesError(f"sources file {path}: two sources are named {name!r}")
        names.add(name)
        mapping = entry.pop("mapping", None)
        out.append(
            SourceSpec(
                name=name,
                kind=entry.pop("kind"),
                type=entry.pop("type"),
                mapping=path.parent / mapping if mapping else None,
                every=duration(entry.pop("every")) if "every" in entry else DEFAULT_EVERY,
                timeout=duration(entry.pop("timeout")) if "timeout" in entry else DEFAULT_TIMEOUT,
                retries=int(entry.pop("retries", DEFAULT_RETRIES)),
                options=entry,
            )
        )
    return out


def secrets_file(environ: Mapping[str, str] | None = None) -> dict:
    """Streamlit's secrets file, as the server reads it: $CCDASH_SECRETS, else ./.streamlit/ then
    ~/.streamlit/secrets.toml; {} when there is none."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    candidates = [Path(env["CCDASH_SECRETS"])] if env.get("CCDASH_SECRETS") else []
    candidates += [Path(".streamlit/secrets.toml"), Path.home() / ".streamlit" / "secrets.toml"]
    for p in candidates:
        try:
            return tomllib.loads(Path(p).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
    return {}


# What a pull leaves behind -------------------------------------------------------------------


def _state_path(directory: Path | str) -> Path:
    return Path(directory) / FOLDER / "state.json"


def _locked(directory: Path | str):
    return flocked(Path(directory) / FOLDER / "state.lock")


def read_state(directory: Path | str) -> dict[str, dict]:
    """Every source's record ({} when there is none or it is unreadable: it describes pulls, the
    data is in the tables; a lost cursor means one full pull, upserted by id)."""
    try:
        state = json.loads(_state_path(directory).read_text(encoding="utf-8"))
        return state if isinstance(state, dict) else {}
    except (OSError, ValueError):
        return {}


def update_state(directory: Path | str, name: str, **changes) -> dict:
    """Merge `changes` into a source's record, under the lock; the new record."""
    with _locked(directory):
        state = read_state(directory)
        record = {**state.get(name, {}), **changes}
        state[name] = record
        write_text_atomic(
            json.dumps(state, indent=2, ensure_ascii=False, default=str),
            _state_path(directory),
        )
        return record


@dataclass(frozen=True)
class SourceHealth:
    """How one source stands at `now`, for the Data page, the wall and `sync`."""

    name: str
    kind: str
    late: bool
    since: datetime | None  # failing since, or last success when merely late
    reason: str | None  # one line with no secret and no path (public screens show this)
    last_success: datetime | None
    next_pull: datetime | None
    record: dict


def _time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def health(spec: SourceSpec, record: dict, now: datetime) -> SourceHealth:
    last = _time(record.get("last_success"))
    failing = _time(record.get("failing_since"))
    overdue = last is None or now - last > LATE_AFTER * spec.every
    late = failing is not None or (overdue and record.get("last_attempt") is not None)
    return SourceHealth(
        name=spec.name,
        kind=spec.kind,
        late=late,
        since=failing or (last if late else None),
        reason=record.get("public_error") if failing else ("late" if late else None),
        last_success=last,
        next_pull=_time(record.get("next_pull")),
        record=record,
    )


@functools.lru_cache(maxsize=8)
def _specs(path: Path, version: tuple[int, int]) -> tuple[SourceSpec, ...]:
    """The sources of a file at one version (mtime, size): the wall reads them on every rerun and
    checks the file against its schema only when it changed."""
    return tuple(load_sources(path))


def source_health(directory: Path | str, now: datetime) -> list[SourceHealth] | None:
    """Every source of DATA_DIR/sources.toml with its health; None when there is no sources file,
    SourcesError (one line) when it cannot be read."""
    path = Path(directory) / FILE_NAME
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    specs = _specs(path, (st.st_mtime_ns, st.st_size))
    state = read_state(directory)
    return [health(s, state.get(s.name, {}), now) for s in specs]
