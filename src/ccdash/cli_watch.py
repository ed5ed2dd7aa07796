"""`python -m ccdash watch INBOX`: ingest each file dropped into a folder, and keep going.

INBOX/<kind>/ holds files of one kind (complaints, cctv, wifi, wifi_usage), with an optional
INBOX/<kind>/mapping.toml; files directly in INBOX take --kind and --mapping. A file is taken once it is
complete: it has not changed for --stable-seconds (a writer that writes then renames is complete at
once; names starting with '.' or ending in .tmp or .part are never taken). Each file ends in
INBOX/done/ (with its report and its rejected rows beside it) or INBOX/failed/ (with the one-line
reason); nothing stored changes for a failed file. The app redraws when the data changes.
"""

from __future__ import annotations

import hashlib
import shutil
import stat
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .data.ingest import Mapping, ingest
from .data.ingest.errors import failure_line
from .data.profile import ProfileError, load_profile
from .data.schema import KINDS

SUFFIXES = (".csv", ".csv.gz", ".gz", ".parquet", ".json", ".jsonl", ".ndjson", ".txt", ".tsv")
SKIP = (".tmp", ".part", ".crdownload", ".swp")


@dataclass
class Watcher:
    inbox: Path
    data_dir: Path
    profile_path: Path
    kind: str | None = None
    mapping: Path | None = None
    stable_seconds: float = 5.0
    unfinished_seconds: float = 600.0  # how long a text file ending mid-row is waited for
    seen: dict = field(default_factory=dict)  # path -> (size, mtime_ns, first seen unchanged at)
    results: list = field(
        default_factory=list
    )  # the last step's (file name, report or None, error)

    def candidates(self) -> list[tuple[Path, str, Path | None]]:
        """(file, kind, mapping) of every file in the inbox that may be ingested."""
        out = []
        folders = [(self.inbox, self.kind, self.mapping)] + [
            (self.inbox / k, k, self.inbox / k / "mapping.toml")
            for k in KINDS
            if (self.inbox / k).is_dir()
        ]
        for folder, kind, mapping in folders:
            if kind is None:
                continue
            for p in sorted(folder.iterdir()):
                name = p.name.lower()
                if (
                    (p.is_file() or p.is_symlink())
                    and not name.startswith(".")
                    and not name.endswith(SKIP)
                    and name.endswith(SUFFIXES)
                    and name != "mapping.toml"
                ):
                    out.append((p, kind, mapping if mapping and Path(mapping).is_file() else None))
        return out

    def ready(self, p: Path, now: float) -> bool:
        """Complete: the same size and modification time for stable_seconds, and, for a plain text
        file, a line break at its end (a writer that paused mid-row is waited for, up to
        unfinished_seconds; then ingest refuses the file for its cut-off last row)."""
        try:
            st = p.stat()
        except FileNotFoundError:
            return False
        key = (st.st_size, st.st_mtime_ns)
        before = self.seen.get(p)
        if before is None or before[:2] != key:
            self.seen[p] = (*key, now)
            unchanged = 0.0
        else:
            unchanged = now - before[2]
        if unchanged < self.stable_seconds:
            return False
        return unchanged >= self.unfinished_seconds or _ends_a_line(p)

    def _set_aside(self, p: Path, stamp: str, why: str, log) -> None:
        """A file that cannot be ingested goes to failed/ with its one-line reason; nothing stored
        changed (ingest publishes only a whole file)."""
        self.results.append((p.name, None, why))
        dest = _move(p, self.inbox / "failed", stamp)
        dest.with_name(dest.name + ".error.txt").write_text(f"{why}\n", encoding="utf-8")
        log(f"{shown(p.name)}: failed, moved to {shown(str(dest))}: {why}")

    def step(self, log=print) -> int:
        """Ingest every ready file once; the number handled."""
        handled = 0
        self.results = []
        now = time.monotonic()
        for p, kind, mapping in self.candidates():
            if not self.ready(p, now):
                continue
            handled += 1
            self.seen.pop(p, None)
            stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
            if p.is_symlink() or not p.is_file():  # never read what lies outside the inbox
                self._set_aside(p, stamp, "not a regular file (a link or a device): not read", log)
                continue
            try:
                profile = load_profile(self.profile_path)
                report = ingest(
                    p, kind, self.data_dir, profile, Mapping.load(mapping) if mapping else None
                )
            except ProfileError as e:
                self._set_aside(p, stamp, str(e), log)
                continue
            except Exception as e:  # any failure is this file's, never the watcher's end
                self._set_aside(p, stamp, failure_line(e), log)
                continue
            self.results.append((p.name, report, None))
            dest = _move(p, self.inbox / "done", stamp)
            dest.with_name(dest.name + ".report.txt").write_text(
                "\n".join(report.lines()) + "\n", encoding="utf-8"
            )
            if report.rejects_file:
                shutil.copyfile(report.rejects_file, dest.with_name(dest.name + ".rejects.csv"))
            log(
                f"{shown(p.name)}: {report.accepted:,} accepted, {report.rejected:,} rejected; "
                f"moved to {shown(str(dest))}"
            )
        return handled


def _ends_a_line(p: Path) -> bool:
    """Whether a file could be whole: a compressed or binary one says so itself (ingest checks it);
    a plain text file (CSV, JSON lines) is whole only when its last byte ends a line."""
    try:
        if not stat.S_ISREG(p.lstat().st_mode):  # a link is set aside unread, never opened here
            return True
        with open(p, "rb") as fh:
            magic = fh.read(4)
            if magic == b"PAR1" or magic[:2] == b"\x1f\x8b" or p.name.lower().endswith(".json"):
                return True
            fh.seek(-1, 2)
            return fh.read(1) in (b"\n", b"\r")
    except OSError:  # empty, gone or unreadable: ingest names it
        return True


NAME_BYTES = 160  # room left in a 255-byte file name for the stamp and the .report.txt beside it


def _fitting(name: str) -> str:
    """A name that fits done/ and failed/ with what is written beside it: a long one keeps its start
    and its suffixes, with a hash of the whole between them (so two long names stay apart)."""
    if len(name.encode()) <= NAME_BYTES:
        return name
    suffix = "".join(Path(name).suffixes[-2:])[-20:]
    digest = hashlib.sha256(name.encode()).hexdigest()[:12]
    head = name.encode()[: NAME_BYTES - len(suffix.encode()) - 14].decode(errors="ignore")
    return f"{head}~{digest}{suffix}"


def shown(name: str) -> str:
    """A file name as the log shows it: control characters (a newline, an ANSI escape) escaped, so a
    name cannot forge lines or colours in the log."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def _move(p: Path, folder: Path, stamp: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    name = _fitting(p.name)
    dest = folder / f"{stamp}-{name}"
    n = 1
    while dest.exists():
        n += 1
        dest = folder / f"{stamp}-{n}-{name}"
    shutil.move(str(p), dest)
    return dest


def watch(w: Watcher, once: bool = False, poll_seconds: float = 1.0) -> int:
    if not w.inbox.is_dir():
        print(f"error: {w.inbox} is not a folder", file=sys.stderr)
        return 2
    if w.kind is None and not any((w.inbox / k).is_dir() for k in KINDS):
        print(
            f"error: {w.inbox} has no subfolder named after a kind ({', '.join(KINDS)}); make one or give --kind",
            file=sys.stderr,
        )
        return 2
    print(
        f"watching {w.inbox} (complete after {w.stable_seconds:g} s unchanged); Ctrl-C stops",
        flush=True,
    )
    try:
        while True:
            w.step(lambda line: print(line, flush=True))
            if once and not any(True for _ in w.candidates()):
                return 0
            time.sleep(poll_seconds if not once else min(poll_seconds, max(w.stable_seconds, 0.05)))
    except KeyboardInterrupt:
        return 0
