"""Direct quotes and their speakers from a parsed document (placeholder until the quote rules land)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from spacy.tokens import Doc

from pipeline.records import Mention, Quote


def quotes(doc: Doc, mentions: Sequence[Mention]) -> Iterator[Quote]:
    """Yield the quotes of `doc` with their speakers."""
    return iter(())
