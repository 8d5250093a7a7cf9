"""The one spaCy pass per document: entities, and quotes when asked, from a single parse.

`analyse` runs wherever the work is: in the main process, in local worker processes or on Dask
workers. Each process loads the model once; only small records and the serialised parse travel back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from pipeline.fields import Layout
from pipeline.limits import time_limit
from pipeline.records import Mention, Quote
from pipeline.rows import mention_rows, mentions_from_rows
from pipeline.timing import lap


@dataclass(frozen=True, slots=True)
class Analysis:
    """One document's results: mentions (or why they failed), parse, sentence starts, quotes (or why not)."""

    mentions: list[Mention] | str
    doc_bytes: bytes
    sentence_starts: list[int]
    quotes: list[Quote] | str | None = None


def quotes_of(doc, mentions: list[Mention], *, min_confidence: float, keep_unattributed: bool = False,
              indirect: bool = False) -> list[Quote] | str:
    """The document's quotes above the confidence floor (with reported speech unless `indirect`
    is false), or why the quote rules failed."""
    from pipeline.quotes import quotes

    try:
        with time_limit():
            return [q for q in quotes(doc, mentions, keep_unattributed=keep_unattributed, indirect=indirect)
                    if q.confidence >= min_confidence]
    except Exception as error:  # one article's failure must not stop the batch
        return f"quote rules failed ({type(error).__name__}: {error})"


def analyse(items: list[tuple[str, Layout]], *, batch_size: int, keep_labels: tuple[str, ...],
            min_confidence: float | None = None, keep_unattributed: bool = False, indirect: bool = False,
            selective_parse: bool = False) -> list[Analysis]:
    """Parse each analysis text once; find its mentions and, when `min_confidence` is given, its quotes.

    `selective_parse`: the dependency parse only where the quote rules can use it (`pipeline.parse.selective`).
    """
    return analysed(items, batch_size=batch_size, keep_labels=keep_labels, min_confidence=min_confidence,
                    keep_unattributed=keep_unattributed, indirect=indirect, selective_parse=selective_parse)[0]


def analysed(items: list[tuple[str, Layout]], *, batch_size: int, keep_labels: tuple[str, ...],
             min_confidence: float | None = None, keep_unattributed: bool = False, indirect: bool = False,
             selective_parse: bool = False) -> tuple[list[Analysis], dict[str, float]]:
    """`analyse`, and the seconds it spent per phase: parse, resolution (entity rules), quotes, serialise."""
    from pipeline.model import load_nlp

    nlp = load_nlp(selective_parse=selective_parse)
    results = []
    seconds = dict.fromkeys(PHASES, 0.0)
    clock = time.perf_counter
    for start in range(0, len(items), batch_size):
        with nlp.memory_zone():  # one zone per batch: spaCy's memory stays flat however many documents
            mark = clock()
            for doc, layout in nlp.pipe(items[start : start + batch_size], batch_size=batch_size, as_tuples=True):
                mark = lap(seconds, "parse", mark)
                results.append(_analysis(doc, layout, keep_labels=keep_labels, min_confidence=min_confidence,
                                         keep_unattributed=keep_unattributed, indirect=indirect, seconds=seconds))
                mark = clock()
    return results, seconds


PHASES = ("parse", "resolution", "quotes", "serialise")


def _analysis(doc, layout: Layout, *, keep_labels: tuple[str, ...], min_confidence: float | None,
              keep_unattributed: bool, indirect: bool, seconds: dict[str, float]) -> Analysis:
    from pipeline.entities import mentions

    mark = time.perf_counter()
    starts = [sent.start_char for sent in doc.sents]
    try:
        with time_limit():
            found = list(mentions(doc, keep_labels=keep_labels))
    except Exception as error:  # one article's failure must not stop the batch
        found = f"entity rules failed ({type(error).__name__}: {error})"
    mark = lap(seconds, "resolution", mark)
    quoted = None
    if min_confidence is not None:
        # the quote rules see the mentions exactly as the quote stage reads them back from the table
        rows = mention_rows("", "", layout, starts, found if isinstance(found, list) else [])
        quoted = quotes_of(doc, mentions_from_rows(rows, layout), min_confidence=min_confidence,
                           keep_unattributed=keep_unattributed, indirect=indirect)
        mark = lap(seconds, "quotes", mark)
    doc_bytes = stored_parse(doc)
    lap(seconds, "serialise", mark)
    return Analysis(found, doc_bytes, starts, quoted)


def stored_parse(doc) -> bytes:
    """The parse as bytes, the same for the same parse in any process: spaCy writes the doc's strings in
    set order, which hash randomisation changes from run to run (and with it parses.parquet and dvc.lock)."""
    import srsly

    data = srsly.msgpack_loads(doc.to_bytes(exclude=["tensor", "user_data"]))
    data["strings"] = sorted(data["strings"])
    return srsly.msgpack_dumps(data)
