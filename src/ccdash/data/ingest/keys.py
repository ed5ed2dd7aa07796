"""The ids an ingest has met in the file's earlier batches.

A Python set of 5 million ids takes over 500 MB, and rebuilding an Arrow hash set of all ids for every
batch costs a second a batch at that size. Here an id costs about 16 bytes plus its text: its 64-bit hash
in a sorted run (runs of similar size are merged as they grow, so a batch is looked up with a few binary
searches), and the ids themselves to settle each matching hash exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute

from ..dataset import hash_ids


def _strings(values: pd.Series | pa.Array) -> pa.Array:
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values.cast(pa.string())
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    return pa.array(values.astype(object), type=pa.string(), from_pandas=True)


class IdSet:
    """Strings, compared exactly."""

    def __init__(self):
        self.runs: list[
            tuple[np.ndarray, np.ndarray]
        ] = []  # (sorted hashes, positions of their ids)
        self.chunks: list[pa.Array] = []
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, values: pd.Series | pa.Array) -> None:
        arr = _strings(values)
        arr = arr.filter(arr.is_valid())
        if not len(arr):
            return
        h = hash_ids(arr)
        order = np.argsort(h, kind="stable")
        self.runs.append((h[order], order.astype(np.int64) + self.size))
        self.chunks.append(arr)
        self.size += len(arr)
        while len(self.runs) > 1 and len(self.runs[-2][0]) <= 2 * len(self.runs[-1][0]):
            (h2, p2), (h1, p1) = self.runs.pop(), self.runs.pop()
            h, p = np.concatenate([h1, h2]), np.concatenate([p1, p2])
            order = np.argsort(h, kind="stable")
            self.runs.append((h[order], p[order]))

    def contains(self, values: pd.Series | pa.Array) -> np.ndarray:
        """Per value: is it in the set (never for a missing value)."""
        arr = _strings(values)
        found = np.zeros(len(arr), dtype=bool)
        if not self.runs or not len(arr):
            return found
        h = hash_ids(arr)
        by_hash = np.argsort(
            h
        )  # sorted needles: binary searches that walk the run in order (3x faster)
        h = h[by_hash]
        valid = arr.is_valid().to_numpy(zero_copy_only=False)[by_hash]
        row_parts: list[np.ndarray] = []
        where_parts: list[np.ndarray] = []
        for hashes, positions in self.runs:
            lo, hi = np.searchsorted(hashes, h, "left"), np.searchsorted(hashes, h, "right")
            one = (hi - lo == 1) & valid  # a hash met once: the usual hit
            row_parts.append(np.flatnonzero(one))
            where_parts.append(positions[lo[one]])
            for i in np.flatnonzero((hi - lo > 1) & valid):  # a hash shared by several ids
                row_parts.append(np.full(hi[i] - lo[i], i))
                where_parts.append(positions[lo[i] : hi[i]])
        rows, where = by_hash[np.concatenate(row_parts)], np.concatenate(where_parts)
        if len(rows):
            ours = arr.take(pa.array(rows))
            theirs = pa.chunked_array(self.chunks, type=pa.string()).take(pa.array(where))
            same = pa.compute.equal(ours, theirs).to_numpy(zero_copy_only=False)
            found[rows[same]] = True
        return found


class Keys:
    """The ids of this file's earlier batches (`seen_earlier`): a duplicate within one file is rejected, while
    an id already stored is replaced (the dataset's rule)."""

    def __init__(self):
        self.earlier = IdSet()

    def seen_earlier(self, values: pd.Series) -> np.ndarray:
        return self.earlier.contains(values)

    def add(self, values: pd.Series) -> None:
        self.earlier.add(values)
