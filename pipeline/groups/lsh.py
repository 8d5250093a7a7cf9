"""MinHash signatures (datasketch) and LSH banding over plain arrays: which items may be near-copies.

datasketch's `MinHashLSH` keeps a Python set per bucket and band (300 bytes per item and band, measured
with 32 bands: about 10 GB per million pieces); the banding here keeps one 64-bit hash
per item and band in a NumPy array and finds the items sharing a bucket by sorting, which also makes the
index plain data that a later run reloads.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import datasketch
import numpy as np
from datasketch import MinHash

_MIX = np.uint64(0x9E3779B97F4A7C15)
VERSION = f"datasketch-{datasketch.__version__}"  # part of every index version: signatures may change with it


def signatures(shingles: Iterable[Sequence[int]], count: int, *, num_perm: int) -> np.ndarray:
    """The datasketch MinHash signature (seed 1) of each of `count` sets of 32-bit shingle hashes: (count, num_perm)."""
    out = np.empty((count, num_perm), dtype=np.uint32)
    for row, minhash in enumerate(MinHash.generator(shingles, num_perm=num_perm, hashfunc=int)):
        out[row] = minhash.hashvalues
    return out


def banded_signatures(shingles: Iterable[Sequence[int]], out: np.ndarray, *, num_perm: int,
                      chunk: int = 65_536) -> np.ndarray:
    """Fill `out` (count, bands) with the `band_hashes` of the signatures of `count` shingle sets, a chunk at a time
    (signatures are not kept)."""
    count, bands = out.shape
    sets = iter(shingles)
    for start in range(0, count, chunk):
        size = min(chunk, count - start)
        out[start : start + size] = band_hashes(signatures(itertools.islice(sets, size), size, num_perm=num_perm),
                                                bands=bands)
    return out


def band_hashes(signature: np.ndarray, *, bands: int) -> np.ndarray:
    """One 64-bit hash per band of `rows = num_perm / bands` signature values: an (n, bands) array."""
    n, num_perm = signature.shape
    rows = num_perm // bands
    values = signature[:, : bands * rows].reshape(n, bands, rows)
    hashed = np.zeros((n, bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            hashed += values[:, :, r]
            hashed *= _MIX
            hashed ^= hashed >> np.uint64(29)
    return hashed


def _pairs_in_runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (i, j), i < j, of every two equal values of a sorted array."""
    if len(sorted_values) < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    lengths = np.diff(np.r_[starts, len(sorted_values)])
    run_end = np.repeat(starts + lengths, lengths)  # for each position, where its run ends
    position = np.arange(len(sorted_values))
    partners = run_end - position - 1
    left = np.repeat(position, partners)
    first = np.cumsum(partners) - partners  # where each left position's partners begin in `left`
    right = left + 1 + (np.arange(len(left)) - np.repeat(first, partners))
    return left, right


def candidate_pairs(bands: np.ndarray, piece_item: np.ndarray, is_new: np.ndarray) -> np.ndarray:
    """Item pairs (a < b) with two pieces in one bucket of some band, at least one item new: an (m, 2) array."""
    found = []
    n_items = np.int64(len(is_new))
    for band in range(bands.shape[1]):
        order = np.argsort(bands[:, band], kind="stable")
        left, right = _pairs_in_runs(bands[order, band])
        a, b = piece_item[order[left]].astype(np.int64), piece_item[order[right]].astype(np.int64)
        keep = (a != b) & (is_new[a] | is_new[b])
        a, b = a[keep], b[keep]
        found.append(np.unique(np.minimum(a, b) * n_items + np.maximum(a, b)))
    codes = np.unique(np.concatenate(found)) if found else np.empty(0, np.int64)
    return np.stack([codes // n_items, codes % n_items], axis=1)
