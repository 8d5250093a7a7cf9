"""What earlier runs learnt, as plain arrays (stored as Parquet by pipeline.io), and how a run extends it.

A run keeps the known items still present, hashes only the new ones, and verifies only the candidate
pairs with a new item; pairs of known items keep the verdict they got when the newer of the two arrived.
An item's pieces, buckets and edges depend only on its content, so the index of a set of items is the
same whatever order, or batches, they came in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from pipeline.groups.lsh import candidate_pairs


@dataclass
class Index:
    """Items (by content key), their pieces' stored hashes and the verified edges between items."""

    version: str
    keys: list[str]
    piece_item: np.ndarray  # (P,) int32: the item of each piece
    hashes: np.ndarray  # (P, k): what is kept of each piece (band hashes, or the signature)
    edges: np.ndarray  # (E, 3) int32: item a, item b, kind (for a 'part' edge, a lies within b)

    @classmethod
    def empty(cls, version: str, width: int, dtype) -> Index:
        return cls(version, [], np.empty(0, np.int32), np.empty((0, width), dtype), np.empty((0, 3), np.int32))


Hasher = Callable[[Sequence[str]], tuple[np.ndarray, np.ndarray]]  # new keys -> (piece_item, hashes)
# candidate pairs (m, 2), every piece's item and stored hashes -> verified edges (e, 3)
Verifier = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def extended(known: Index, keys: Sequence[str], *, hasher: Hasher, bands_of: Callable[[np.ndarray], np.ndarray],
             verifier: Verifier) -> Index:
    """The index of exactly `keys` (sorted, unique): known items reused, new ones hashed and compared."""
    keys = sorted(set(keys))
    position = {key: i for i, key in enumerate(keys)}
    old_to_new = np.array([position.get(key, -1) for key in known.keys], dtype=np.int64)
    kept = old_to_new[known.piece_item] >= 0 if len(known.piece_item) else np.zeros(0, bool)
    is_new = np.ones(len(keys), dtype=bool)
    is_new[old_to_new[old_to_new >= 0]] = False
    new_items = np.flatnonzero(is_new)
    new_piece_item, new_hashes = hasher([keys[i] for i in new_items])
    piece_item = np.concatenate([old_to_new[known.piece_item[kept]], new_items[new_piece_item]]).astype(np.int32)
    hashes = (np.concatenate([known.hashes[kept], new_hashes.astype(known.hashes.dtype)]) if kept.any()
              else new_hashes.astype(known.hashes.dtype, copy=False))  # no second copy on a first run
    pairs = candidate_pairs(bands_of(hashes), piece_item, is_new) if len(piece_item) else np.empty((0, 2), np.int64)
    old_edges = known.edges.astype(np.int64)
    old_edges[:, :2] = old_to_new[old_edges[:, :2]] if len(old_edges) else old_edges[:, :2]
    old_edges = old_edges[(old_edges[:, 0] >= 0) & (old_edges[:, 1] >= 0)]
    edges = np.concatenate([old_edges, verifier(pairs, piece_item, hashes).astype(np.int64)]).astype(np.int32)
    return Index(known.version, keys, piece_item, hashes, edges)


# ---------------------------------------------------------------- plain data

def to_table(index: Index) -> pa.Table:
    """One row per item: its key, its pieces' hashes (flattened) and its outgoing edges."""
    n = len(index.keys)
    width = index.hashes.shape[1]
    piece_counts = np.bincount(index.piece_item, minlength=n)
    edge_order = np.argsort(index.edges[:, 0], kind="stable")
    edges = index.edges[edge_order]
    edge_counts = np.bincount(edges[:, 0], minlength=n)
    piece_order = np.argsort(index.piece_item, kind="stable")

    def lists(values: np.ndarray, counts: np.ndarray) -> pa.Array:
        offsets = np.r_[0, np.cumsum(counts)].astype(np.int32)
        return pa.ListArray.from_arrays(pa.array(offsets), pa.array(values))

    table = pa.table({
        "key": pa.array(index.keys, pa.string()),
        "hashes": lists(index.hashes[piece_order].reshape(-1), piece_counts * width),
        "links": lists(edges[:, 1], edge_counts),
        "kinds": lists(edges[:, 2].astype(np.int8), edge_counts),
    })
    return table.replace_schema_metadata({"version": index.version, "width": str(width)})


def from_table(table: pa.Table | None, *, version: str, width: int, dtype) -> Index:
    """The index stored in `table`, or an empty one when there is none or it was made by other settings."""
    meta = (table.schema.metadata or {}) if table is not None else {}
    if table is None or meta.get(b"version", b"").decode() != version or int(meta.get(b"width", 0)) != width:
        return Index.empty(version, width, dtype)
    keys = table.column("key").to_pylist()
    hashes_col = table.column("hashes").combine_chunks()
    counts = np.diff(hashes_col.offsets.to_numpy()) // width
    hashes = hashes_col.flatten().to_numpy().astype(dtype).reshape(-1, width)
    links = table.column("links").combine_chunks()
    link_counts = np.diff(links.offsets.to_numpy())
    edges = np.stack([np.repeat(np.arange(len(keys)), link_counts), links.flatten().to_numpy(),
                      table.column("kinds").combine_chunks().flatten().to_numpy()], axis=1)
    return Index(version, keys, np.repeat(np.arange(len(keys)), counts).astype(np.int32), hashes,
                 edges.astype(np.int32).reshape(-1, 3))
