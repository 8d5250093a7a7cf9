"""The quotes table as scorer rows for `python -m pipeline evaluate`."""

from __future__ import annotations

from pathlib import Path

from pipeline import io
from pipeline.rows import layout_of, quotes_from_rows
from pipeline.stages.common import DOC_COLUMNS, table_path


def evaluation_rows(out: Path, gold: dict[str, dict]) -> list[dict]:
    """The quotes table as scorer rows, offsets mapped onto each gold article's own text."""
    from pipeline.evaluate import prediction_rows

    documents = {row["doc_id"]: row for row in io.read_rows(table_path(out, "clean/documents"), columns=DOC_COLUMNS)}
    by_doc: dict[str, list[dict]] = {}
    for row in io.read_rows(table_path(out, "quotes/quotes")):
        by_doc.setdefault(row["doc_id"], []).append(row)
    predictions = []
    for doc_id, rows in by_doc.items():
        if doc_id not in gold or doc_id not in documents:
            continue
        text, layout = layout_of(documents[doc_id])
        predictions.extend(prediction_rows(doc_id, quotes_from_rows(rows, layout), text=text,
                                           gold_text=gold[doc_id]["text"]))
    return predictions
