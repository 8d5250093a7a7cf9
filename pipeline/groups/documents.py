"""Near-duplicate documents: wire copies and reprints, a few sentences edited, re-ordered or dropped.

A body is compared as the set of its word triples (headline and standfirst apart: reprints retitle);
bodies whose MinHash estimate of that overlap (Jaccard) reaches `min_jaccard` are copies, and every
copy points at the first of its story: the earliest published, then the smallest doc_id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.groups.assign import SAME, components
from pipeline.groups.index import Index, extended, from_table
from pipeline.groups.lsh import VERSION as LSH_VERSION
from pipeline.groups.lsh import band_hashes, signatures
from pipeline.groups.text import shingle_hashes, words

KEY_SEP = "\x1f"


@dataclass(frozen=True)
class DocumentSettings:
    min_words: int = 20  # shorter bodies are nobody's copy
    num_perm: int = 64
    bands: int = 21  # of 3 values: bodies sharing half their word triples meet in a bucket 94% of the time
    min_jaccard: float = 0.5

    @property
    def version(self) -> str:
        return f"documents-1:{LSH_VERSION}:" + ",".join(map(str, astuple(self)))


@dataclass
class Duplicates:
    duplicate_of: dict[str, str]  # doc_id of a copy -> doc_id of the first of its story
    index: Index


def duplicates(documents: pd.DataFrame, *, known: Index | None = None,
               settings: DocumentSettings = DocumentSettings()) -> Duplicates:
    """Copies among documents (doc_id, content_hash, text, published); `known` from an earlier run is reused."""
    keys = [f"{d}{KEY_SEP}{h}" for d, h in zip(documents["doc_id"], documents["content_hash"])]
    text_of = dict(zip(keys, documents["text"]))
    if known is None:
        known = Index.empty(settings.version, settings.num_perm, np.uint32)

    def hashed(new_keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        long_enough = [i for i, k in enumerate(new_keys) if len(words(text_of[k])) >= settings.min_words]
        sigs = signatures((shingle_hashes(words(text_of[new_keys[i]]), n=3) for i in long_enough), len(long_enough),
                          num_perm=settings.num_perm)
        return np.array(long_enough, dtype=np.int32), sigs

    def verified(pairs: np.ndarray, piece_item: np.ndarray, sigs: np.ndarray) -> np.ndarray:
        piece = np.full(len(distinct), -1)
        piece[piece_item] = np.arange(len(piece_item))  # one piece (the whole body) per document
        a, b = pairs[:, 0], pairs[:, 1]
        similar = (sigs[piece[a]] == sigs[piece[b]]).mean(axis=1) >= settings.min_jaccard
        return np.stack([a[similar], b[similar], np.full(int(similar.sum()), SAME)], axis=1)

    distinct = sorted(set(keys))
    index = extended(known, distinct, hasher=hashed, bands_of=lambda sigs: band_hashes(sigs, bands=settings.bands),
                     verifier=verified)
    story = components(len(distinct), index.edges[:, :2].astype(np.int64))
    position = {key: i for i, key in enumerate(distinct)}
    rows = pd.DataFrame({"doc_id": documents["doc_id"].to_numpy(),
                         "published": pd.to_datetime(documents["published"]).to_numpy(),
                         "story": story[[position[k] for k in keys]] if keys else np.empty(0, np.int64)})
    rows = rows.sort_values(["published", "doc_id"], na_position="last", kind="stable")
    rows["first"] = rows.groupby("story")["doc_id"].transform("first")
    copies = rows[rows["first"] != rows["doc_id"]]
    return Duplicates(dict(zip(copies["doc_id"], copies["first"])), index)


class DuplicateFinder:
    """Collects the documents a stage writes (keeping the text only of those the index does not know yet)."""

    def __init__(self, known: pa.Table | None, *, code: str = "", settings: DocumentSettings = DocumentSettings()):
        """`known`: the index table of the last run, used when made by the same `code` version and settings."""
        self.settings = settings
        self.known = from_table(known, version=settings.version + code, width=settings.num_perm, dtype=np.uint32)
        self._known_keys = set(self.known.keys)
        self._rows: list[tuple] = []

    def add(self, rows: list[dict]) -> None:
        for row in rows:
            known = f"{row['doc_id']}{KEY_SEP}{row['content_hash']}" in self._known_keys
            self._rows.append((row["doc_id"], row["content_hash"], None if known else row["text"], row["published"]))

    def result(self) -> Duplicates:
        frame = pd.DataFrame(self._rows, columns=["doc_id", "content_hash", "text", "published"])
        return duplicates(frame, known=self.known, settings=self.settings)
