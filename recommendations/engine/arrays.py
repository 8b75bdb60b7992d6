"""Small numpy building blocks the engine is made of: joins without pandas' per-call overhead.

A pandas merge costs about a millisecond even on ten rows, and a one-employee recompute would
need dozens; these are the same joins as sorted-array lookups, equally fast for one employee
and for a hundred thousand.
"""

import numpy as np


class Groups:
    """Rows of a table grouped by an integer key (e.g. requirements by role), for ragged joins."""

    def __init__(self, keys: np.ndarray):
        keys = np.asarray(keys, dtype="int64")
        self.order = np.argsort(keys, kind="stable")
        self.keys, self.starts, self.counts = np.unique(keys[self.order], return_index=True, return_counts=True)

    def position(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each query key: its group's index and whether the group exists (NaN never does)."""
        query = np.asarray(query, dtype="float64")
        known = ~np.isnan(query)
        as_int = np.where(known, query, -1).astype("int64")
        index = np.searchsorted(self.keys, as_int)
        index = np.minimum(index, max(len(self.keys) - 1, 0))
        found = (
            known & (len(self.keys) > 0) & (self.keys[index] == as_int)
            if len(self.keys)
            else np.zeros(len(query), bool)
        )
        return index, found

    def expand(self, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Join: for each query row, every table row in its group.

        Returns (query row index, table row index) pairs, grouped by query row.
        """
        index, found = self.position(query)
        counts = np.where(found, self.counts[index] if len(self.keys) else 0, 0)
        total = int(counts.sum())
        query_rows = np.repeat(np.arange(len(counts)), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        table_rows = self.order[np.repeat(self.starts[index] if len(self.keys) else counts, counts) + offsets]
        return query_rows, table_rows

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Sum of ``values`` (aligned with the original rows) per group, in ``self.keys`` order."""
        return np.add.reduceat(np.asarray(values)[self.order], self.starts) if len(self.keys) else np.zeros(0)


def lookup(keys: np.ndarray, values: np.ndarray, query: np.ndarray, default=np.nan) -> np.ndarray:
    """``values`` at the position of each ``query`` in ``keys`` (unique, any order), else ``default``."""
    keys = np.asarray(keys, dtype="int64")
    values = np.asarray(values)
    query = np.asarray(query, dtype="int64")
    out_dtype = np.result_type(
        values.dtype, np.min_scalar_type(default) if not isinstance(default, float) else np.float64
    )
    result = np.full(len(query), default, dtype=out_dtype)
    if len(keys) == 0 or len(query) == 0:
        return result
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    index = np.minimum(np.searchsorted(sorted_keys, query), len(keys) - 1)
    hit = sorted_keys[index] == query
    result[hit] = values[order[index[hit]]]
    return result


def pair_key(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One int64 per (first, second) pair of non-negative ids below 2**31."""
    return (np.asarray(first, dtype="int64") << 31) | np.asarray(second, dtype="int64")


def group_starts(sorted_groups: np.ndarray) -> np.ndarray:
    """Index of the first row of each run of equal values in an already sorted array."""
    if len(sorted_groups) == 0:
        return np.zeros(0, dtype="int64")
    return np.r_[0, np.flatnonzero(sorted_groups[1:] != sorted_groups[:-1]) + 1]


def rank_in_groups(sorted_groups: np.ndarray) -> np.ndarray:
    """1, 2, 3 ... within each run of equal values in an already sorted array."""
    starts = group_starts(sorted_groups)
    lengths = np.diff(np.r_[starts, len(sorted_groups)])
    return np.arange(len(sorted_groups)) - np.repeat(starts, lengths) + 1
