"""An ingest in a process of its own, for files that arrive in a long-lived server (the Data page's
upload): whatever a file does to the process that reads it (memory, a crash in a C library), the
server and every session in it go on. The child is the command line, so the checks are the same."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from . import Report
from .errors import IngestError


def ingest_in_child(
    data: bytes,
    name: str,
    kind: str,
    data_dir: Path,
    profile_path: Path,
    mapping_path: Path | None = None,
    replace: bool = False,
) -> Report:
    """`python -m ccdash ingest` on `data` (written to a private file under DATA_DIR/_uploads,
    removed after) in a child process; its report, or IngestError with its one line. Stored data
    is the old or the new whatever happens to the child (ingest publishes a whole file or nothing)."""
    folder = Path(data_dir) / "_uploads"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".upload")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        cmd = [sys.executable, "-m", "ccdash", "ingest", "--kind", kind, tmp]
        cmd += ["--data-dir", str(data_dir), "--profile", str(profile_path)]
        cmd += ["--source-name", name, "--json"]
        if mapping_path:
            cmd += ["--mapping", str(mapping_path)]
        if replace:
            cmd.append("--replace")
        out = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        Path(tmp).unlink(missing_ok=True)
    if out.returncode == 0:
        return Report.from_json(out.stdout)
    if out.returncode < 0:
        sig = signal.Signals(-out.returncode).name
        raise IngestError(
            f"{name}: the ingest process was stopped ({sig}: out of memory?); nothing was written"
        )
    line = (out.stderr.strip().splitlines() or ["no message"])[-1]
    raise IngestError(line.removeprefix("error: "))
