"""A small Python API for notebooks: analyse texts in memory, get the pipeline's tables as DataFrames.

    >>> from pipeline.api import analyse
    >>> tables = analyse('"We will not back down," the minister, Jane Doe, said on Monday.')
    >>> tables["quotes"][["text", "speaker"]]

Nothing is written to disk and nothing is cached: each call cleans, parses and extracts its
texts with the same functions, rules and model as the `clean`, `entities` and `quotes` stages,
and returns the same seven tables with the same columns and dtypes as `pd.read_parquet` gives for
the files under `outputs/` (see docs/tables.md).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import pandas as pd
import pyarrow as pa

from pipeline import io, schemas
from pipeline.clean import ArticleError, document_row
from pipeline.records import RawArticle, Rejection

DEFAULT_KEEP_LABELS = ("PERSON", "COUNTRY", "ORGANIZATION")
TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "documents": schemas.DOCUMENTS,
    "removed_lines": schemas.REMOVED_LINES,
    "rejected": schemas.REJECTED,
    "mentions": schemas.MENTIONS,
    "entities": schemas.ENTITIES,
    "quotes": schemas.QUOTES,
    "quote_groups": schemas.QUOTE_GROUPS,
}


def analyse(
    data: str | Iterable[str] | pd.DataFrame,
    *,
    keep_labels: Sequence[str] = DEFAULT_KEEP_LABELS,
    min_confidence: float = 0.0,
    max_chars: int = 200_000,
    batch_size: int = 16,
    name: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Run clean, entities and quotes on texts in memory; return the tables as DataFrames.

    data: one text, a list of texts, or a DataFrame with a `text` column and optional `id`,
        `headline` (or `title`), `published`, `url` and `source` (publisher) columns, as in
        the pipeline's .csv/.jsonl/.parquet inputs. A text may be a raw page dump (section,
        headline, PUBLISHED lines ...) or plain body text.
    keep_labels, min_confidence, max_chars, batch_size: as in params.yaml
        (entities.keep_labels, quotes.min_confidence, clean.max_chars, entities.batch_size).
    name: the name rows are keyed by when they have no `id`: `doc_id` and `source` are
        NAME#ROW with ROW counted from 1 (default name: "texts" for texts, "dataframe" for a DataFrame).

    Returns {"documents", "removed_lines", "rejected", "mentions", "entities", "quotes", "quote_groups"}, each a
    DataFrame with the columns and dtypes of the Parquet table of the same name. Texts that
    cannot become documents (empty, too long, nothing left after cleaning, duplicate id) get a
    row in "rejected" instead of raising.
    """
    documents, removed, rejected = [], [], []
    seen: dict[str, str] = {}
    for article in _articles(data, name):
        if isinstance(article, Rejection):
            rejected.append(article)
            continue
        if article.doc_id in seen:
            rejected.append(Rejection(article.source, f"duplicate id {article.doc_id!r} (already read from {seen[article.doc_id]})"))
            continue
        seen[article.doc_id] = article.source
        try:
            row, lines = document_row(article, max_chars=max_chars)
        except ArticleError as error:
            rejected.append(Rejection(article.source, str(error)))
            continue
        documents.append(row)
        removed.extend(lines)

    mentions, entities, quotes = _extract(documents, keep_labels=tuple(keep_labels),
                                          min_confidence=min_confidence, batch_size=batch_size)
    documents, quotes, groups = _grouped(documents, quotes)
    rows = {
        "documents": documents,
        "removed_lines": removed,
        "rejected": [{"source": r.source, "reason": r.reason} for r in rejected],
        "mentions": mentions,
        "entities": entities,
        "quotes": quotes,
        "quote_groups": groups,
    }
    return {table: to_frame(rows[table], schema) for table, schema in TABLE_SCHEMAS.items()}


def _grouped(documents: list[dict], quotes: list[dict]) -> tuple[list[dict], list[dict], list[dict]]:
    """Documents with duplicate_of, quotes with quote_group_id, and the quote groups, as the stages make them."""
    from pipeline.groups.documents import DuplicateFinder
    from pipeline.groups.quotes import QuoteGrouper

    stories, grouper = DuplicateFinder(None), QuoteGrouper(None)
    stories.add(documents)
    grouper.add(quotes)
    first = stories.result().duplicate_of
    grouping = grouper.result({d["doc_id"]: d["published"] for d in documents})
    group_of = grouping.group_of
    return ([{**d, "duplicate_of": first.get(d["doc_id"])} for d in documents],
            [{**q, "quote_group_id": group_of[q["quote_id"]]} for q in quotes], grouping.group_rows())


def to_frame(rows: list[dict], schema: pa.Schema) -> pd.DataFrame:
    """Rows as a DataFrame with exactly the dtypes `pd.read_parquet` gives for a table of that schema."""
    return pa.Table.from_pylist(rows, schema=schema).to_pandas()


def _articles(data, name: str | None) -> list[RawArticle | Rejection]:
    """Input articles through the same row reader as the pipeline's table inputs."""
    if isinstance(data, pd.DataFrame):
        frame = data.astype(object).where(data.notna(), None)
        rows = frame.to_dict("records")
        columns = [str(c) for c in data.columns]
        label = name or "dataframe"
    else:
        if isinstance(data, str):
            data = [data]
        texts = list(data)
        bad = [type(t).__name__ for t in texts if not isinstance(t, str)]
        if bad:
            raise TypeError(f"analyse() takes a text, a list of texts or a DataFrame with a 'text' column; "
                            f"got a list holding {bad[0]}")
        rows = [{"text": t} for t in texts]
        columns = ["text"]
        label = name or "texts"
    if "text" not in columns:
        raise ValueError(f"the DataFrame has no 'text' column (columns: {', '.join(columns) or 'none'})")
    return list(io.table_articles(rows, label, columns, first_row=1))


def _extract(documents: list[dict], *, keep_labels: tuple[str, ...], min_confidence: float,
             batch_size: int) -> tuple[list[dict], list[dict], list[dict]]:
    """Mentions, entities and quotes rows of clean documents, as the entities and quotes stages make them."""
    if not documents:
        return [], [], []
    from pipeline.analysis import analyse as analyse_texts
    from pipeline.entities import entity_rows
    from pipeline.rows import layout_of, mention_rows, mentions_from_rows, quote_rows

    layouts = [layout_of(row) for row in documents]
    results = analyse_texts(layouts, batch_size=batch_size, keep_labels=keep_labels, min_confidence=min_confidence)
    all_mentions, all_quotes, by_doc = [], [], []
    for row, (_, layout), result in zip(documents, layouts, results):
        found, said = result.mentions, result.quotes
        if isinstance(found, str):
            warnings.warn(f"{row['doc_id']}: {found}; its mentions are left out", stacklevel=3)
            found = []
        if isinstance(said, str):
            warnings.warn(f"{row['doc_id']}: {said}; its quotes are left out", stacklevel=3)
            said = []
        rows = mention_rows(row["doc_id"], row["text"], layout, result.sentence_starts, found)
        all_mentions.extend(rows)
        by_doc.append((row["doc_id"], mentions_from_rows(rows, None)))
        all_quotes.extend(quote_rows(row["doc_id"], row["text"], layout, said or []))
    return all_mentions, entity_rows(by_doc), all_quotes
