"""A long-running server's memory kept flat on glibc: few malloc arenas, and freed memory handed back.

Streamlit serves every session and fragment rerun on its own thread; glibc gives busy threads arenas of
their own (up to 8 per core) and keeps freed pages, so a wall that redraws all day grew by megabytes an
hour with nothing leaking in Python (measured with tracemalloc: bench/soak.py, README).
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
import time

import pyarrow as pa

M_MMAP_THRESHOLD = -3  # mallopt parameters (malloc.h)
M_ARENA_MAX = -8
_lock = threading.Lock()
_last_trim = 0.0
_tuned = False
_frozen = False


def _libc():
    try:
        return ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return None


LIBC = _libc()


def tune_process() -> None:
    """What a long-running ccdash process (the server, the CLI, the watcher) sets once, at its start.

    Arrow's bundled mimalloc pool is slow to touch fresh memory here: the first million-row ingest of a
    process took ~0.9 s longer than with the C library's allocator (measured in bench/). An explicit
    ARROW_DEFAULT_MEMORY_POOL still wins."""
    global _tuned
    with _lock:
        if _tuned:
            return
        _tuned = True
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())
    limit_arenas()
    fixed_mmap_threshold()


def limit_arenas(n: int = 2) -> None:
    """At most n malloc arenas from now on, unless MALLOC_ARENA_MAX says otherwise."""
    if LIBC is not None and not os.environ.get("MALLOC_ARENA_MAX"):
        LIBC.mallopt(M_ARENA_MAX, n)


def fixed_mmap_threshold(nbytes: int = 1 << 20) -> None:
    """Blocks of `nbytes` and more come from their own mappings, handed back to the system when freed,
    unless MALLOC_MMAP_THRESHOLD_ says otherwise.

    glibc raises this threshold each time it frees a large block (up to 32 MB), after which Arrow's column
    buffers and pandas' arrays land in the heap, where freed pages stay: reading a 1.3 GB CSV a batch at a
    time grew by 300 MB that way, with Arrow's own count flat (bench: the large-file ingest)."""
    if LIBC is not None and not os.environ.get("MALLOC_MMAP_THRESHOLD_"):
        LIBC.mallopt(M_MMAP_THRESHOLD, nbytes)


def trim(every_s: float = 60.0) -> bool:
    """Hand freed heap memory back to the system, at most once every `every_s` seconds per process."""
    global _last_trim
    if LIBC is None:
        return False
    now = time.monotonic()
    with _lock:
        if now - _last_trim < every_s:
            return False
        _last_trim = now
    LIBC.malloc_trim(0)
    return True


def freeze_startup() -> bool:
    """Once, after the server's first page: move every object alive then (the modules of Streamlit,
    pandas, Plotly, pydeck and DuckDB, the profile, the store) out of the cyclic collector's walk
    (`gc.freeze`). Each full collection walked them all: about 90 ms, added to whichever page run
    set it off (profiled on the Complaints page). Later objects are collected as before; objects
    alive at the freeze are still freed when their last reference goes, unless caught in a cycle.
    Returns whether this call froze them."""
    global _frozen
    with _lock:
        if _frozen:
            return False
        _frozen = True
    gc.freeze()
    return True
