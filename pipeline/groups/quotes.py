"""Quote groups: the same words by the same speaker across articles, exact or nearly.

A quote is compared as its words (`text.words`: case, marks, spacing and ellipses do not count).
Quotes of at least `min_words` words are cut into overlapping windows, each hashed with MinHash and
banded (LSH); two quotes sharing a bucket are compared word for word: the shorter one's words and
word pairs must mostly lie in the longer one. Near-equal lengths make them near-copies (one core);
a much shorter one (a cut, one sentence of a longer quote) is a part and attaches to the longer
one's group. Shorter quotes meet (one piece, hashed whole) and group only with the same words exactly. Speakers: see `assign`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import astuple, dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.groups.assign import PART, SAME, resolved_groups
from pipeline.groups.index import Index, extended, from_table
from pipeline.groups.lsh import VERSION as LSH_VERSION
from pipeline.groups.lsh import banded_signatures
from pipeline.groups.text import ngrams, shingle_hashes, window_starts, words

KEY_SEP = "\x1f"


@dataclass(frozen=True)
class QuoteSettings:
    min_words: int = 4  # shorter quotes group only when their words are the same
    window: int = 6  # words per MinHash piece of a longer quote (a part shares most of one piece)
    step: int = 3
    shingle: int = 3  # words per MinHash shingle (with word pairs, any two pieces sharing "of the" often meet)
    num_perm: int = 96
    bands: int = 32  # of 3 values: pieces with half their word pairs in common meet in a bucket 98% of the time
    min_word_share: float = 0.7  # share of the shorter quote's distinct words found in the longer one
    min_pair_share: float = 0.4  # share of its word pairs (bigrams) found in the longer one
    part_below: float = 0.6  # a quote shorter than this fraction of the other is a part of it
    min_part_share: float = 0.75  # share of a part's words, and of its word pairs, found in the longer quote

    @property
    def version(self) -> str:
        return f"quotes-1:{LSH_VERSION}:" + ",".join(map(str, astuple(self)))


@dataclass
class QuoteGrouping:
    group_ids: list[str]  # quote_group_id of each input row, in order
    groups: pd.DataFrame  # one row per group (schemas.QUOTE_GROUPS)
    index: Index  # what the next run starts from
    quote_ids: list[str]

    @property
    def group_of(self) -> dict[str, str]:
        """quote_id -> quote_group_id."""
        return dict(zip(self.quote_ids, self.group_ids))

    def group_rows(self) -> list[dict]:
        """The groups as table rows (nulls as None)."""
        return self.groups.astype(object).where(self.groups.notna(), None).to_dict("records")


def speaker_key(entity_id: str | None, name: str | None, kind: str | None = None) -> str:
    """Who said it, as one key: the entity id, else the name as written, else '' (nobody said).
    Reported speech (kind "indirect") is the writer's words for what someone said: it groups only
    with reported speech of the same speaker, never with anyone's quoted words."""
    key = entity_id or (f"name:{name}" if name else "")
    return f"reported:{key}" if kind == "indirect" else key


def quote_key(speaker: str, text: str) -> str:
    return f"{speaker}{KEY_SEP}{' '.join(words(text))}"


def _split(key: str) -> tuple[str, list[str]]:
    speaker, _, joined = key.partition(KEY_SEP)
    return speaker, joined.split()


def edge_kind(x: list[str], y: list[str], settings: QuoteSettings) -> int:
    """SAME, PART (x lies within y), -PART (y within x) or 0 for the words of two quotes.

    Near-copies: of the shorter quote's distinct words and word pairs, the shares found in the longer one reach
    `min_word_share` and `min_pair_share`, and of the longer one's words `min_word_share` lie in the shorter one.
    Else a part: `min_part_share` of both its words and word pairs lie in the longer one (a cut or a sentence is
    near-verbatim; a looser rule would tie a common phrase to any quote holding it).
    """
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    if len(short) < settings.min_words:
        return SAME if x == y else 0
    short_words, long_words = set(short), set(long)
    common = len(short_words & long_words)
    word_share = common / len(short_words)
    if word_share < min(settings.min_word_share, settings.min_part_share):
        return 0
    short_pairs = ngrams(short, 2)
    pair_share = len(short_pairs & ngrams(long, 2)) / len(short_pairs)
    if (len(short) >= settings.part_below * len(long) and word_share >= settings.min_word_share
            and pair_share >= settings.min_pair_share and common >= settings.min_word_share * len(long_words)):
        return SAME
    if word_share >= settings.min_part_share and pair_share >= settings.min_part_share:
        return PART if short is x else -PART
    return 0


def _hasher(settings: QuoteSettings):
    def hashed(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        piece_item, pieces, short_item, short_hash = [], [], [], []
        for i, key in enumerate(keys):
            tokens = _split(key)[1]
            if len(tokens) < settings.min_words:  # one piece, its words' hash in every band: meets only its equals
                short_item.append(i)
                short_hash.append(int.from_bytes(hashlib.sha256(" ".join(tokens).encode()).digest()[:8], "big"))
                continue
            for start in window_starts(len(tokens), size=settings.window, step=settings.step):
                piece_item.append(i)
                pieces.append((i, start))
        shingles = (shingle_hashes(_split(keys[i])[1][start : start + settings.window], n=settings.shingle) for i, start in pieces)
        bands = np.empty((len(pieces) + len(short_item), settings.bands), dtype=np.uint64)
        banded_signatures(shingles, bands[: len(pieces)], num_perm=settings.num_perm)
        bands[len(pieces) :] = np.array(short_hash, dtype=np.uint64)[:, None]
        return np.array(piece_item + short_item, dtype=np.int32), bands
    return hashed


def _verifier(keys: list[str], settings: QuoteSettings):
    def verified(pairs: np.ndarray, _piece_item, _hashes) -> np.ndarray:
        edges = []
        for a, b in pairs.tolist():
            (speaker_a, words_a), (speaker_b, words_b) = _split(keys[a]), _split(keys[b])
            if speaker_a and speaker_b and speaker_a != speaker_b:
                continue  # two speakers' words are never one statement
            kind = edge_kind(words_a, words_b, settings)
            if kind:
                edges.append((b, a, PART) if kind == -PART else (a, b, kind))
        return np.array(edges, dtype=np.int32).reshape(-1, 3)
    return verified


def quote_groups(quotes: pd.DataFrame, *, known: Index | None = None,
                 settings: QuoteSettings = QuoteSettings()) -> QuoteGrouping:
    """Group quote rows (quote_id, doc_id, text, speaker, speaker_entity_id, published; kind if known).

    `known` is the index an earlier run returned: its quotes still present are not hashed or compared again.
    """
    kinds = quotes["kind"] if "kind" in quotes else [None] * len(quotes)
    speakers = [speaker_key(e, s, k) for e, s, k in zip(quotes["speaker_entity_id"], quotes["speaker"], kinds)]
    keys = [quote_key(s, t) for s, t in zip(speakers, quotes["text"])]
    if known is None:
        known = Index.empty(settings.version, settings.bands, np.uint64)
    distinct = sorted(set(keys))
    index = extended(known, distinct, hasher=_hasher(settings), bands_of=lambda h: h,
                     verifier=_verifier(distinct, settings))
    codes: dict[str, int] = {"": -1}  # -1: nobody said
    speaker_codes = np.array([codes.setdefault(_split(k)[0], len(codes) - 1) for k in index.keys], dtype=np.int64)
    item_group = resolved_groups(speaker_codes, index.edges.astype(np.int64))
    position = {key: i for i, key in enumerate(index.keys)}
    rows = pd.DataFrame({
        "group": item_group[[position[k] for k in keys]] if keys else np.empty(0, np.int64),
        "quote_id": quotes["quote_id"].to_numpy(), "doc_id": quotes["doc_id"].to_numpy(),
        "text": quotes["text"].to_numpy(), "speaker": quotes["speaker"].to_numpy(),
        "speaker_entity_id": quotes["speaker_entity_id"].to_numpy(),
        "published": pd.to_datetime(quotes["published"]).to_numpy(),
        "order": np.arange(len(quotes)),
    })
    return QuoteGrouping(*_grouped(rows), index, quotes["quote_id"].tolist())


def _grouped(rows: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """Each row's group id (from the group's first quote: earliest published, then doc_id, quote_id) and the groups."""
    rows = rows.sort_values(["published", "doc_id", "quote_id"], na_position="last", kind="stable")
    first = rows.drop_duplicates("group").set_index("group")
    first["quote_group_id"] = ["qg-" + hashlib.sha256(q.encode()).hexdigest()[:16] for q in first["quote_id"]]
    rows["quote_group_id"] = rows["group"].map(first["quote_group_id"])
    longest = rows.assign(length=rows["text"].str.len()).sort_values("length", ascending=False, kind="stable")
    by_group = rows.groupby("group", sort=False)
    groups = pd.DataFrame({
        "quote_group_id": first["quote_group_id"],
        "text": longest.drop_duplicates("group").set_index("group")["text"],
        "speaker": by_group["speaker"].first(),
        "speaker_entity_id": by_group["speaker_entity_id"].first(),
        "n_quotes": by_group.size(),
        "n_articles": by_group["doc_id"].nunique(),
        "first_doc_id": first["doc_id"],
        "first_quote_id": first["quote_id"],
        "first_published": by_group["published"].min(),
        "last_published": by_group["published"].max(),
    })
    groups = groups.sort_values(["n_articles", "n_quotes", "quote_group_id"], ascending=[False, False, True])
    return rows.sort_values("order")["quote_group_id"].tolist(), groups.reset_index(drop=True)


class QuoteGrouper:
    """Collects the quote rows a stage writes; groups them at the end, with the index of the run before."""

    COLUMNS = ("quote_id", "doc_id", "text", "kind", "speaker", "speaker_entity_id")

    def __init__(self, known: pa.Table | None, *, code: str = "", settings: QuoteSettings = QuoteSettings()):
        """`known`: the index table of the last run, used when made by the same `code` version and settings."""
        self.settings = settings
        self.known = from_table(known, version=settings.version + code, width=settings.bands, dtype=np.uint64)
        self._rows: list[tuple] = []

    def add(self, rows: list[dict]) -> None:
        self._rows.extend(tuple(row[c] for c in self.COLUMNS) for row in rows)

    def result(self, published: dict[str, object]) -> QuoteGrouping:
        """The grouping, given each document's publication time."""
        frame = pd.DataFrame(self._rows, columns=list(self.COLUMNS))
        frame["published"] = frame["doc_id"].map(published)
        return quote_groups(frame, known=self.known, settings=self.settings)
