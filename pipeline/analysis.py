"""The one spaCy pass per document: entities, and quotes when asked, from a single parse.

`analyse` runs wherever the work is: in the main process, in local worker processes or on Dask
workers. Each process loads the model once; only small records and the serialised parse travel back.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.fields import Layout
from pipeline.limits import time_limit
from pipeline.records import Mention, Quote
from pipeline.rows import mention_rows, mentions_from_rows


@dataclass(frozen=True, slots=True)
class Analysis:
    """One document's results: mentions (or why they failed), parse, sentence starts, quotes (or why not)."""

    mentions: list[Mention] | str
    doc_bytes: bytes
    sentence_starts: list[int]
    quotes: list[Quote] | str | None = None


def quotes_of(doc, mentions: list[Mention], *, min_confidence: float) -> list[Quote] | str:
    """The document's quotes above the confidence floor, or why the quote rules failed."""
    from pipeline.quotes import quotes

    try:
        with time_limit():
            return [q for q in quotes(doc, mentions) if q.confidence >= min_confidence]
    except Exception as error:  # one article's failure must not stop the batch
        return f"quote rules failed ({type(error).__name__}: {error})"


def analyse(items: list[tuple[str, Layout]], *, batch_size: int, keep_labels: tuple[str, ...],
            min_confidence: float | None = None) -> list[Analysis]:
    """Parse each analysis text once; find its mentions and, when `min_confidence` is given, its quotes."""
    from pipeline.model import load_nlp

    nlp = load_nlp()
    results = []
    for start in range(0, len(items), batch_size):
        with nlp.memory_zone():  # one zone per batch: spaCy's memory stays flat however many documents
            for doc, layout in nlp.pipe(items[start : start + batch_size], batch_size=batch_size, as_tuples=True):
                results.append(_analysis(doc, layout, keep_labels=keep_labels, min_confidence=min_confidence))
    return results


def _analysis(doc, layout: Layout, *, keep_labels: tuple[str, ...], min_confidence: float | None) -> Analysis:
    from pipeline.entities import mentions

    starts = [sent.start_char for sent in doc.sents]
    try:
        with time_limit():
            found = list(mentions(doc, keep_labels=keep_labels))
    except Exception as error:  # one article's failure must not stop the batch
        found = f"entity rules failed ({type(error).__name__}: {error})"
    quoted = None
    if min_confidence is not None:
        # the quote rules see the mentions exactly as the quote stage reads them back from the table
        rows = mention_rows("", "", layout, starts, found if isinstance(found, list) else [])
        quoted = quotes_of(doc, mentions_from_rows(rows, layout), min_confidence=min_confidence)
    return Analysis(found, doc.to_bytes(exclude=["tensor", "user_data"]), starts, quoted)
