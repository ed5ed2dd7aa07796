"""`python -m ccdash sync`: pull every source of the sources file on its interval, and keep going.

Each round takes the sources that are due (their interval passed since the last pull, or their
backoff since a failure), pulls what changed since their cursor into a staged file, ingests it
(validated, upserted by id, under the ingest lock: the same path as a dropped file) and only then
records the new cursor and the counts. A failed pull, of any kind, changes no table and no cursor;
it is retried after 30 s, 1, 2, 4 ... minutes (never later than the source's interval), and the
Data page, the wall and this command's log say which source is late, since when and why.
`--once` pulls each source once and exits (for cron): 0 when all succeeded, 1 otherwise.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .cli_watch import Watcher
from .data.ingest import IngestError, Mapping, ingest
from .data.ingest.errors import failure_line
from .data.profile import ProfileError, load_profile
from .data.pull import PullError, pull
from .data.sources import (
    FOLDER,
    SourcesError,
    SourceSpec,
    duration,
    load_sources,
    read_state,
    secrets_file,
    update_state,
)

FIRST_BACKOFF = timedelta(seconds=30)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def redact(text: str, secrets: list[str]) -> str:
    """`text` with every secret value (and a URL's user:password part) replaced by ***."""
    for s in sorted(secrets, key=len, reverse=True):
        if len(s) >= 3:
            text = text.replace(s, "***")
    return re.sub(r"(\w+://)[^/@\s]+@", r"\1***@", text)


def backoff(failures: int, every: timedelta) -> timedelta:
    """The wait after the n-th failure in a row: 30 s, 1, 2, 4 ... minutes, at most `every`."""
    return min(every, FIRST_BACKOFF * 2 ** max(0, failures - 1))


@dataclass
class Syncer:
    data_dir: Path
    profile_path: Path
    sources_path: Path
    clock: Callable[[], datetime] = _utc_now
    sleep: Callable[[float], None] = time.sleep
    secrets: dict = field(default_factory=secrets_file)
    log: Callable[[str], None] = lambda line: print(line, flush=True)
    watchers: dict = field(default_factory=dict)  # folder sources' inbox watchers, by name
    progress: Callable[[int], None] | None = None  # told of each chunk a pull writes (tests)

    def specs(self) -> list[SourceSpec]:
        return load_sources(self.sources_path)

    def due(self, spec: SourceSpec, now: datetime) -> bool:
        record = read_state(self.data_dir).get(spec.name, {})
        try:
            return now >= datetime.fromisoformat(record["next_pull"])
        except (KeyError, TypeError, ValueError):
            return True

    def run_one(self, spec: SourceSpec) -> bool:
        """One pull of `spec`, ingested, recorded; whether it succeeded."""
        now = self.clock()
        record = read_state(self.data_dir).get(spec.name, {})
        update_state(self.data_dir, spec.name, last_attempt=now.isoformat(), kind=spec.kind)
        staging = None
        try:
            profile = load_profile(self.profile_path)
            mapping = Mapping.load(spec.mapping) if spec.mapping else None
            if spec.type == "folder":
                added, updated, rejected, fetched, cursor = self._folder(spec, mapping)
            else:
                (self.data_dir / FOLDER).mkdir(parents=True, exist_ok=True)
                staging = Path(
                    tempfile.mkdtemp(prefix=f".{spec.name}-", dir=self.data_dir / FOLDER)
                )
                pulled = pull(
                    spec,
                    record.get("cursor"),
                    staging,
                    self.secrets,
                    now,
                    self.sleep,
                    self.progress,
                )
                added = updated = rejected = 0
                fetched, cursor = pulled.rows, pulled.cursor
                if pulled.files:
                    report = ingest(
                        pulled.files if len(pulled.files) > 1 else pulled.files[0],
                        spec.kind,
                        self.data_dir,
                        profile,
                        mapping,
                        source_name=spec.name,
                    )
                    added = report.accepted - report.replaced
                    updated, rejected = report.replaced, report.rejected
        except Exception as e:  # any failure is this source's, never the loop's end
            public = getattr(e, "public", None) or _public(e)
            line = redact(
                str(e) if isinstance(e, PullError) else failure_line(e), spec.secrets(self.secrets)
            )
            failures = int(record.get("failures", 0)) + 1
            retry = now + backoff(failures, spec.every)
            update_state(
                self.data_dir,
                spec.name,
                failures=failures,
                failing_since=record.get("failing_since") or now.isoformat(),
                last_error=line,
                public_error=public,
                next_pull=retry.isoformat(),
            )
            self.log(f"{spec.name}: failed ({public}); next try {retry:%H:%M:%S}Z: {line}")
            return False
        finally:
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
        finished = self.clock()
        update_state(
            self.data_dir,
            spec.name,
            cursor=cursor,
            last_success=now.isoformat(),
            last_duration_s=round((finished - now).total_seconds(), 3),
            failures=0,
            failing_since=None,
            last_error=None,
            public_error=None,
            next_pull=(now + spec.every).isoformat(),
            fetched=fetched,
            added=added,
            updated=updated,
            rejected=rejected,
            total_added=int(record.get("total_added", 0)) + added,
            total_updated=int(record.get("total_updated", 0)) + updated,
            total_rejected=int(record.get("total_rejected", 0)) + rejected,
        )
        self.log(
            f"{spec.name}: {fetched:,} fetched, {added:,} added, {updated:,} updated, "
            f"{rejected:,} rejected; next pull {now + spec.every:%H:%M:%S}Z"
        )
        return True

    def _folder(self, spec: SourceSpec, mapping):
        """A folder source: its files, as `watch` takes them (complete ones, each to done/ or
        failed/). A file that failed is this round's failure; the others are kept."""
        watcher = self.watchers.get(spec.name)
        if watcher is None:
            watcher = Watcher(
                Path(spec.options["path"]),
                self.data_dir,
                self.profile_path,
                spec.kind,
                spec.mapping,
                duration(spec.options.get("stable", "5s")).total_seconds(),
            )
            self.watchers[spec.name] = watcher
        if not watcher.inbox.is_dir():
            raise PullError(f"{spec.name}: the folder is missing", "folder_missing")
        watcher.step(lambda line: None)
        added = updated = rejected = fetched = 0
        errors = []
        for name, report, error in watcher.results:
            if report is None:
                errors.append(f"{name}: {error}")
                continue
            fetched += report.rows_read
            added += report.accepted - report.replaced
            updated += report.replaced
            rejected += report.rejected
        if errors:
            raise PullError(f"{spec.name}: " + "; ".join(errors)[:400], "file_refused")
        return added, updated, rejected, fetched, None

    def run(self, once: bool = False, rounds: int | None = None) -> int:
        """Pull due sources until stopped (Ctrl-C), or each once with `once`."""
        try:
            specs = self.specs()
        except SourcesError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if once:
            ok = True
            for spec in specs:
                ok = self.run_one(spec) and ok
                if spec.type == "folder":  # files seen this round are complete after `stable`
                    watcher = self.watchers[spec.name]
                    while ok and any(True for _ in watcher.candidates()):
                        self.sleep(min(1.0, max(watcher.stable_seconds, 0.05)))
                        ok = self.run_one(spec)
            return 0 if ok else 1
        self.log(f"syncing {len(specs)} source(s) from {self.sources_path}; Ctrl-C stops")
        done = 0
        try:
            while rounds is None or done < rounds:
                try:
                    specs = self.specs()  # a changed file applies at the next round
                except SourcesError as e:
                    self.log(f"sources file: {e}; keeping the previous sources")
                for spec in specs:
                    if self.due(spec, self.clock()):
                        self.run_one(spec)
                done += 1
                self.sleep(1.0)
        except KeyboardInterrupt:
            return 0
        return 0


def _public(e: Exception) -> str:
    if isinstance(e, IngestError):
        return "mapping"
    if isinstance(e, (ProfileError, SourcesError)):
        return "config"
    if isinstance(e, OSError):
        return "disk"
    return "unexpected"
