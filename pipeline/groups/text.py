"""Text to words, pieces and shingles: what two copies of the same words have in common."""

from __future__ import annotations

import re
import unicodedata
import zlib

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


def words(text: str) -> list[str]:
    """Lower-case words without marks, spacing or ellipses: 'We’re  READY…' -> ['we're', 'ready']."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold())


def window_starts(n_tokens: int, *, size: int, step: int) -> list[int]:
    """Where the pieces of a text of n_tokens words start: one piece when short, else overlapping windows
    of `size` words every `step`, the last ending at the end."""
    if n_tokens <= size:
        return [0]
    return list(range(0, n_tokens - size, step)) + [n_tokens - size]


def shingle_hashes(tokens: list[str], *, n: int) -> list[int]:
    """32-bit hashes (CRC-32, stable across runs and machines) of the word n-grams; the whole text when shorter."""
    grams = [" ".join(tokens[i : i + n]) for i in range(max(len(tokens) - n + 1, 1))]
    return [zlib.crc32(gram.encode()) for gram in grams]


def ngrams(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}
