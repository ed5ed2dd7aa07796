"""The background integrity re-read, in a process of its own: how a server re-reads its files.

    python -m ccdash.data.verifier

It reads one file path a line on stdin and answers each with one JSON line on stdout: the path and
what is wrong with it (integrity.check_parquet), or null. It exits at the end of its input.

A server that re-read its files in a thread of its own process, beside the pages' queries, peaked
at 2.9 GB at 100M complaints: 0.7 GB for the same pages without the re-read, 0.36 GB for the re-read
alone (docs/benchmarks.md). Apart, each keeps its own memory, and the re-read's goes back to the
system when it exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import IO

from .integrity import check_parquet

NICENESS = 19  # the lowest CPU priority


class VerifierStopped(RuntimeError):
    """The process re-reading the files exited before it answered."""


class Verifier:
    """A running verifier process (`command`, the module's by default): `check(path)` as
    check_parquet, answered by the process; `close()` ends it."""

    def __init__(self, command: list[str]):
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def check(self, path: Path) -> str | None:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(f"{path}\n")
            stdin.flush()
            line = stdout.readline()
        except (BrokenPipeError, OSError, ValueError):  # ValueError: closed by stop()
            line = ""
        if not line:
            raise VerifierStopped(f"the integrity re-read stopped: {self._last_error()}")
        try:
            answer = json.loads(line)
            if answer["path"] == str(path):
                return answer["damage"]
        except (ValueError, KeyError, TypeError):
            pass
        self.stop()
        raise VerifierStopped(f"the integrity re-read answered {line.strip()[:160]!r} for {path}")

    def _last_error(self) -> str:
        self.stop()
        err = self.process.stderr.read() if self.process.stderr else ""
        lines = (err or "").strip().splitlines()
        return lines[-1] if lines else f"exit status {self.process.returncode}"

    def stop(self) -> None:
        """End the process: at once if it is reading (its file is read again at the next start)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def close(self) -> None:
        """End the process at the end of its input, or stop it."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.stop()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def answer(lines: IO[str], out: IO[str]) -> None:
    for line in lines:
        path = line.rstrip("\n")
        if path:
            out.write(json.dumps({"path": path, "damage": check_parquet(path)}) + "\n")
            out.flush()


def main() -> int:
    # Background work: on a busy machine the pages' queries come first (the re-read only takes longer).
    with contextlib.suppress(OSError):
        os.nice(NICENESS)
    answer(sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
