"""ccdash: an analytics dashboard for a city command center."""

import os

import pyarrow as pa

__version__ = "0.1.0"

# Arrow's bundled mimalloc pool is slow to touch fresh memory here: the first million-row ingest of
# a process took ~0.9 s longer than with the C library's allocator (measured in bench/). An explicit
# ARROW_DEFAULT_MEMORY_POOL still wins.
if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
    pa.set_memory_pool(pa.system_memory_pool())

from . import memory

memory.limit_arenas()
memory.fixed_mmap_threshold()
