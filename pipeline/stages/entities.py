"""Stage 2, entities: one spaCy pass per document; mentions, entities and the stored parses out."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__, io, schemas
from pipeline.analysis import PHASES, analysed
from pipeline.executors import executor, in_order
from pipeline.rows import layout_of, mention_rows, mentions_from_rows
from pipeline.stages.common import (
    DOC_COLUMNS,
    RunDigest,
    StageSummary,
    checked_inputs,
    code_version,
    digest,
    grouped_mentions,
    progress_batches,
    quote_settings,
    warn,
)
from pipeline.timing import lap

ENTITY_DATA = ["entity*", "gazetteer*", "titles*", "countries*", "quote*", "speech*", "reporting*",
               "organisation_descriptions.json"]
WRITE_EVERY = 64  # documents per row group of the mentions and parses tables
CHUNKS_PER_WORKER = 4
MAX_CHUNK = 4  # documents per chunk sent to a worker: a few seconds of work, so the last chunks finish together


@dataclass(frozen=True)
class Parallelism:
    """How the spaCy pass is spread: executor 'local' or 'dask', worker count, Dask scheduler address."""

    executor: str = "local"
    workers: int = 1
    scheduler: str | None = None


def run_entities(*, out: Path, keep_labels: list[str], batch_size: int, parallelism: Parallelism = Parallelism(),
                 quotes_min_confidence: float | None = None, quotes_keep_unattributed: bool = False,
                 quotes_indirect: bool = False, selective_parse: bool = False, commit: io.Commit) -> StageSummary:
    """Parse every document once; stage mentions, entities and the parses the quote stage reads.

    With `quotes_min_confidence` (whole-pipeline runs), the quotes are found in the same pass and
    stored in the quote stage's cache, so that stage only writes its table. `selective_parse`: the
    dependency parse only of the sentences the quote rules can use (`pipeline.parse.selective`).
    Documents go to the workers in small chunks as they are read, and their results are written as they come back.
    """
    from pipeline.entities import entity_rows
    from pipeline.model import model_info

    clock = time.perf_counter
    started = clock()
    summary = StageSummary("entities")
    timings = summary.timings
    timings.update(dict.fromkeys(("read", *PHASES, "wait", "write"), 0.0))
    info = model_info()
    # the entity step resolves references and, in a whole-pipeline run, finds the quotes: both packages count
    version = code_version("entities", "components", "entity_data", "resolve", "quotes", "model", "fields", "analysis",
                           "rows", "records", "stages/entities", *(["parse"] if selective_parse else []),
                           data=ENTITY_DATA)
    config = json.dumps({"keep_labels": sorted(keep_labels), "selective_parse": selective_parse}, sort_keys=True)
    meta = {"pipeline_version": __version__, "stage": "entities", **info}
    docs_path = commit.path("clean/documents")
    clean_version = checked_inputs(commit, ["clean/documents"])["clean"]
    run = RunDigest(clean_version, version, config, info)
    cache = io.ResultCache(Path(out) / "entities" / "cache.sqlite")
    quote_cache = io.ResultCache(Path(out) / "quotes" / "cache.sqlite") if quotes_min_confidence is not None else None
    quote_config = quote_settings(quotes_min_confidence, keep_unattributed=quotes_keep_unattributed, indirect=quotes_indirect) if quote_cache else None
    mentions_out = commit.writer("entities/mentions", schemas.MENTIONS, meta)
    parses_out = commit.writer("entities/parses", schemas.PARSES, meta)
    keys_seen: set[str] = set()
    workers = max(parallelism.workers, 1)
    total = io.row_count(docs_path)
    chunk = chunk_size(total, workers=workers, batch_size=batch_size)
    analyse_options = {"batch_size": batch_size, "keep_labels": tuple(keep_labels),
                       "min_confidence": quotes_min_confidence, "keep_unattributed": quotes_keep_unattributed,
                       "indirect": quotes_indirect, "selective_parse": selective_parse}
    rows_buffer, parses_buffer, fresh_buffer = [], [], {}

    def chunks():
        """(the chunk's rows, layouts, keys and cached results; the layouts still to analyse), chunk by chunk."""
        mark = clock()
        batches = io.iter_batches(docs_path, batch_size=chunk, columns=DOC_COLUMNS)
        for batch in progress_batches(batches, total, "entities"):
            items = [layout_of(row) for row in batch]
            keys = [digest(row["content_hash"], config, info, version) for row in batch]
            keys_seen.update(keys)
            for key in keys:
                run.add(key)
            cached = cache.get_many(keys)
            todo = [i for i, key in enumerate(keys) if key not in cached]
            timings["read"] += clock() - mark
            yield (batch, items, keys, cached, todo), [items[i] for i in todo]
            mark = clock()

    def collected(batch, items, keys, cached, todo, analysed_chunk) -> None:
        """A chunk's rows and parses, buffered for writing; its fresh results, for the caches."""
        fresh, seconds = analysed_chunk or ([], {})
        for phase, spent in seconds.items():
            timings[phase] += spent
        new_items = {keys[i]: a for i, a in zip(todo, fresh)}
        fresh_buffer.update(new_items)
        for row, (_, layout), key in zip(batch, items, keys):
            found, doc_bytes, starts = (cached[key] if key in cached else
                                        (new_items[key].mentions, new_items[key].doc_bytes,
                                         new_items[key].sentence_starts))
            if isinstance(found, str):
                warn(f"{row['doc_id']}: {found}; its mentions are left out")
                summary.failed += 1
                found = []
            rows_buffer.extend(mention_rows(row["doc_id"], row["text"], layout, starts, found))
            parses_buffer.append({"doc_id": row["doc_id"], "content_hash": row["content_hash"], "key": key,
                                  "doc": doc_bytes})
            summary.words += row["n_words"]
        summary.documents += len(batch)
        summary.reused += len(cached)
        summary.processed += len(todo)

    def flushed() -> None:
        """Write the buffered rows and parses and cache the fresh results."""
        cache.put_many({key: (a.mentions, a.doc_bytes, a.sentence_starts) for key, a in fresh_buffer.items()})
        if quote_cache is not None:
            quote_cache.put_many({digest(key, *quote_config): a.quotes for key, a in fresh_buffer.items()
                                  if isinstance(a.quotes, list)})
        mentions_out.write(rows_buffer)
        parses_out.write(parses_buffer)
        rows_buffer.clear()
        parses_buffer.clear()
        fresh_buffer.clear()

    try:
        with executor(parallelism.executor, workers=workers, scheduler=parallelism.scheduler) as pool:
            mark = clock()
            for tag, result in in_order(pool, analysed, chunks(), window=workers * 3, **analyse_options):
                timings["wait"] += clock() - mark
                mark = clock()
                collected(*tag, result)
                if len(parses_buffer) >= WRITE_EVERY:
                    flushed()
                timings["write"] += clock() - mark
                mark = clock()
            flushed()
            timings["write"] += clock() - mark
        if workers > 1:  # the time waited on the chunks, less what was read meanwhile
            timings["wait"] = max(timings["wait"] - timings["read"], 0.0)
        else:  # in this process, the analysis itself: its phases are counted already
            del timings["wait"]
        mark = clock()
        lineage = {"version": run.version(), "inputs": {"clean": clean_version}}
        commit.stage("entities/mentions", mentions_out, **lineage)
        commit.stage("entities/parses", parses_out, **lineage)
        mark = lap(timings, "write", mark)
        entities = entity_rows(
            (doc_id, mentions_from_rows(rows, None)) for doc_id, rows in grouped_mentions(commit.path("entities/mentions"))
        )
        mark = lap(timings, "resolution", mark)
        entities_out = commit.writer("entities/entities", schemas.ENTITIES, meta)
        entities_out.write(entities)
        commit.stage("entities/entities", entities_out, **lineage)
        cache.keep_only(keys_seen)
        lap(timings, "write", mark)
    finally:
        cache.close()
        if quote_cache is not None:
            quote_cache.close()
    summary.rows = {"mentions": mentions_out.rows, "entities": len(entities)}
    summary.seconds = timings["total"] = clock() - started
    return summary


def chunk_size(documents: int, *, workers: int, batch_size: int) -> int:
    """Documents per chunk: `batch_size` in one process; with workers, small enough that each gets
    several chunks (none idles at the end of a small batch) and never more than `batch_size`."""
    if workers <= 1:
        return batch_size
    return max(1, min(batch_size, MAX_CHUNK, -(-documents // (workers * CHUNKS_PER_WORKER))))
