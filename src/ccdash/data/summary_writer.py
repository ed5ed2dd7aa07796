"""The complaint summaries written in a process of their own: how a server writes them.

    python -m ccdash.data.summary_writer DIRECTORY KEY [--timezone ZONE] [--facts FILE]

A server that wrote them itself kept the write's memory (DuckDB's, up to its limit, and the frames)
long after the write was over: 2.9 GB at 10M complaints, against 0.9 GB for its pages at 100M
(docs/benchmarks.md). A process of its own gives it back when it exits. It opens the same folder
with the same inputs, writes the summaries of version KEY (Store._summary_key) and exits; if the
data has moved on it writes nothing and says so on stderr (the server asks again for the new version).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .store import Store


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ccdash.data.summary_writer")
    ap.add_argument("directory", type=Path)
    ap.add_argument("key")
    ap.add_argument("--timezone")
    ap.add_argument("--facts", type=Path)
    a = ap.parse_args(argv)
    store = Store(
        a.directory, a.facts, timezone=a.timezone, summaries="off", verify_in_background=False
    )
    try:
        store.write_summaries(a.key)
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
