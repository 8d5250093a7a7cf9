"""Stage 3, quotes: quotes and speakers from the stored parses (no second parse); the quotes table out."""

from __future__ import annotations

import time
from pathlib import Path

from pipeline import __version__, io, schemas
from pipeline.analysis import quotes_of
from pipeline.rows import layout_of, mentions_from_rows, quote_rows
from pipeline.stages.common import (DOC_COLUMNS, RunDigest, StageSummary, checked_inputs, digest, grouped_mentions,
                                    quote_settings, warn)


def run_quotes(*, out: Path, min_confidence: float, commit: io.Commit) -> StageSummary:
    """Find the quotes of every document in its stored parse (no second parse); stage the quotes table.

    Quotes the entity stage found in its own pass of this run (whole-pipeline runs) count as processed.
    """
    from spacy.tokens import Doc

    from pipeline.model import load_nlp, model_info

    started = time.perf_counter()
    summary = StageSummary("quotes")
    nlp = load_nlp()
    info = model_info(nlp)
    config = quote_settings(min_confidence)
    meta = {"pipeline_version": __version__, "stage": "quotes", **info}
    inputs = checked_inputs(commit, ["clean/documents", "entities/mentions", "entities/parses"])
    run = RunDigest(inputs, config)
    cache = io.ResultCache(Path(out) / "quotes" / "cache.sqlite")
    quotes_out = commit.writer("quotes/quotes", schemas.QUOTES, meta)
    keys_seen: set[str] = set()
    mention_groups = grouped_mentions(commit.path("entities/mentions"))
    pending = next(mention_groups, None)
    try:
        docs = io.iter_batches(commit.path("clean/documents"), batch_size=256, columns=DOC_COLUMNS)
        parses = io.iter_batches(commit.path("entities/parses"), batch_size=256, columns=["doc_id", "key", "doc"])
        for doc_batch, parse_batch in zip(docs, parses):
            keys = [digest(p["key"], *config) for p in parse_batch]
            keys_seen.update(keys)
            for key in keys:
                run.add(key)
            cached = cache.get_many(keys)
            with nlp.memory_zone():  # strings of the deserialised parses are freed per batch
                new_items, rows = {}, []
                for row, parse, key in zip(doc_batch, parse_batch, keys):
                    if parse["doc_id"] != row["doc_id"]:
                        raise RuntimeError("entities/parses.parquet does not match clean/documents.parquet: "
                                           "rerun the entities stage")
                    doc_mentions = []
                    if pending is not None and pending[0] == row["doc_id"]:
                        doc_mentions = pending[1]
                        pending = next(mention_groups, None)
                    _, layout = layout_of(row)
                    if key in cached:
                        found = cached[key]
                        if key in cache.made_this_run:
                            summary.processed += 1
                        else:
                            summary.reused += 1
                    else:
                        doc = Doc(nlp.vocab).from_bytes(parse["doc"])
                        found = quotes_of(doc, mentions_from_rows(doc_mentions, layout), min_confidence=min_confidence)
                        summary.processed += 1
                        if isinstance(found, str):
                            warn(f"{row['doc_id']}: {found}; its quotes are left out")
                            summary.failed += 1
                            found = []
                        else:
                            new_items[key] = found
                    rows.extend(quote_rows(row["doc_id"], row["text"], layout, found))
                    summary.words += row["n_words"]
                    summary.documents += 1
            cache.put_many(new_items)
            quotes_out.write(rows)
        commit.stage("quotes/quotes", quotes_out, version=run.version(), inputs=inputs)
        cache.keep_only(keys_seen)
    finally:
        cache.close()
    summary.rows = {"quotes": quotes_out.rows}
    summary.seconds = time.perf_counter() - started
    summary.timings = {"total": summary.seconds}
    return summary
