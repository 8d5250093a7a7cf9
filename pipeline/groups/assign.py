"""From verified edges to groups: near-copies join, parts and speakerless quotes attach when unambiguous.

Every step is a function of the items and their edges, never of the order they came in.
"""

from __future__ import annotations

import sys

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

SAME, PART = 1, 2  # edge kinds: near-copies; a shorter quote within a longer one (a lies in b)


def components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected component label of each of n items joined by the (a, b) rows of `edges`."""
    if n == 0:
        return np.empty(0, np.int64)
    graph = coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def resolved_groups(speaker: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The group label of each item (speaker code -1: no speaker) from its SAME and PART edges.

    Near-copies of one speaker (or of no speaker) form a core. A core whose attaching edges (the part
    of a longer quote by the same speaker; a speakerless quote near a speaker's) all lead to one group
    joins it; a core leading to two groups stays apart, so a fragment or a speakerless quote never
    bridges two statements.
    """
    n = len(speaker)
    a, b, kind = (edges[:, 0], edges[:, 1], edges[:, 2]) if len(edges) else (np.empty(0, np.int64),) * 3
    same_speaker = speaker[a] == speaker[b]
    core = components(n, np.stack([a, b], axis=1)[(kind == SAME) & same_speaker])
    # attaching edges, from the attaching item to its target
    part = (kind == PART) & same_speaker
    from_speakerless = (speaker[a] < 0) & (speaker[b] >= 0)
    to_speakerless = (speaker[b] < 0) & (speaker[a] >= 0) & (kind == SAME)  # a whole never attaches to its part
    source = np.concatenate([a[part | from_speakerless], b[to_speakerless]])
    target = np.concatenate([b[part | from_speakerless], a[to_speakerless]])
    links = np.unique(np.stack([core[source], core[target]], axis=1), axis=0) if len(source) else np.empty((0, 2))
    targets: dict[int, list[int]] = {}
    for c, t in links.tolist():
        if c != t:
            targets.setdefault(c, []).append(t)
    final: dict[int, int] = {}
    in_progress: set[int] = set()

    def resolve(c: int) -> int:
        if c in final:
            return final[c]
        in_progress.add(c)
        ends = {resolve(t) for t in targets.get(c, ()) if t not in in_progress}
        in_progress.discard(c)
        final[c] = ends.pop() if len(ends) == 1 else c
        return final[c]

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for c in sorted(targets):
            resolve(c)
    finally:
        sys.setrecursionlimit(limit)
    mapping = np.arange(core.max() + 1 if n else 0)
    for c, f in final.items():
        mapping[c] = f
    return mapping[core]
