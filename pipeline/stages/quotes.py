"""Stage 3, quotes: quotes and speakers from the stored parses (no second parse); the quotes table out."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from pipeline import __version__, io, schemas
from pipeline.analysis import quotes_of
from pipeline.groups.index import to_table
from pipeline.groups.quotes import QuoteGrouper
from pipeline.rows import layout_of, mentions_from_rows, quote_rows
from pipeline.stages.common import (
    DOC_COLUMNS,
    RunDigest,
    StageSummary,
    checked_inputs,
    code_version,
    digest,
    grouped_mentions,
    quote_settings,
    warn,
)
from pipeline.timing import lap, timed


def run_quotes(*, out: Path, min_confidence: float, commit: io.Commit, keep_unattributed: bool = False,
               indirect: bool = False) -> StageSummary:
    """Find the quotes of every document in its stored parse (no second parse); stage the quotes and
    quote_groups tables.

    Quotes the entity stage found in its own pass of this run (whole-pipeline runs) count as processed.
    keep_unattributed: also write quotes no rule attributes (speaker null, rule "none");
    indirect: also reported speech (kind "indirect")."""
    from spacy.tokens import Doc

    from pipeline.model import load_nlp, model_info

    started = time.perf_counter()
    summary = StageSummary("quotes")
    timings = summary.timings
    timings.update(read=0.0, quotes=0.0, write=0.0)
    nlp = None  # loaded only when a parse must be read (a whole-pipeline run has every document cached)
    info = model_info()
    config = quote_settings(min_confidence, keep_unattributed=keep_unattributed, indirect=indirect)
    meta = {"pipeline_version": __version__, "stage": "quotes", **info}
    inputs = checked_inputs(commit, ["clean/documents", "entities/mentions", "entities/parses"])
    run = RunDigest(inputs, config)
    cache = io.ResultCache(Path(out) / "quotes" / "cache.sqlite")
    quotes_out = commit.writer("quotes/quotes", schemas.QUOTES, meta)
    keys_seen: set[str] = set()
    mention_groups = grouped_mentions(commit.path("entities/mentions"))
    pending = next(mention_groups, None)
    groups_path = Path(out) / "quotes" / "groups_index.parquet"  # what later runs compare new quotes with
    grouper = QuoteGrouper(io.read_arrow(groups_path), code=code_version("groups"))
    try:
        docs = io.iter_batches(commit.path("clean/documents"), batch_size=256, columns=DOC_COLUMNS)
        parses = io.iter_batches(commit.path("entities/parses"), batch_size=256, columns=["doc_id", "key", "doc"])
        for doc_batch, parse_batch in timed(zip(docs, parses), timings, "read"):
            mark = time.perf_counter()
            keys = [digest(p["key"], *config) for p in parse_batch]
            keys_seen.update(keys)
            for key in keys:
                run.add(key)
            cached = cache.get_many(keys)
            if nlp is None and len(cached) < len(keys):
                nlp = load_nlp()
            with nlp.memory_zone() if nlp else contextlib.nullcontext():  # the parses' strings are freed per batch
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
                        found = quotes_of(doc, mentions_from_rows(doc_mentions, layout), min_confidence=min_confidence,
                                          keep_unattributed=keep_unattributed, indirect=indirect)
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
            mark = lap(timings, "quotes", mark)
            cache.put_many(new_items)
            quotes_out.write(rows)
            lap(timings, "write", mark)
            grouper.add(rows)
        mark = time.perf_counter()
        published = {r["doc_id"]: r["published"]
                     for r in io.read_rows(commit.path("clean/documents"), columns=["doc_id", "published"])}
        grouping = grouper.result(published)
        quotes_out.fill("quote_group_id", grouping.group_of, key="quote_id")
        groups_out = commit.writer("quotes/quote_groups", schemas.QUOTE_GROUPS, meta)
        groups_out.write(grouping.group_rows())
        mark = lap(timings, "groups", mark)
        commit.stage("quotes/quotes", quotes_out, version=run.version(), inputs=inputs)
        commit.stage("quotes/quote_groups", groups_out, version=run.version(), inputs=inputs)
        io.write_arrow(groups_path, to_table(grouping.index))
        cache.keep_only(keys_seen)
        lap(timings, "write", mark)
    finally:
        cache.close()
    summary.rows = {"quotes": quotes_out.rows, "quote_groups": len(grouping.groups)}
    summary.seconds = timings["total"] = time.perf_counter() - started
    return summary
