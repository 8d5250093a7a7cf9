"""Stage 2, entities: one spaCy pass per document; mentions, entities and the stored parses out."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline import __version__, io, schemas
from pipeline.analysis import analyse
from pipeline.executors import executor, submit_in_chunks
from pipeline.rows import layout_of, mention_rows, mentions_from_rows
from pipeline.stages.common import (DOC_COLUMNS, RunDigest, StageSummary, checked_inputs, code_version, digest,
                                    grouped_mentions, progress_batches, quote_settings, warn)

ENTITY_DATA = ["entity*", "gazetteer*", "titles*", "countries*", "quote_given_names*"]


@dataclass(frozen=True)
class Parallelism:
    """How the spaCy pass is spread: executor 'local' or 'dask', worker count, Dask scheduler address."""

    executor: str = "local"
    workers: int = 1
    scheduler: str | None = None


def run_entities(*, out: Path, keep_labels: list[str], batch_size: int, parallelism: Parallelism = Parallelism(),
                 quotes_min_confidence: float | None = None, commit: io.Commit) -> StageSummary:
    """Parse every document once; stage mentions, entities and the parses the quote stage reads.

    With `quotes_min_confidence` (whole-pipeline runs), the quotes are found in the same pass and
    stored in the quote stage's cache, so that stage only writes its table.
    """
    from pipeline.entities import entity_rows
    from pipeline.model import load_nlp, model_info

    started = time.perf_counter()
    summary = StageSummary("entities")
    info = model_info(load_nlp())
    version = code_version("entities", "components", "entity_data", "model", "fields", "analysis", "rows", "records",
                           "stages/entities", data=ENTITY_DATA)
    config = json.dumps({"keep_labels": sorted(keep_labels)}, sort_keys=True)
    meta = {"pipeline_version": __version__, "stage": "entities", **info}
    docs_path = commit.path("clean/documents")
    clean_version = checked_inputs(commit, ["clean/documents"])["clean"]
    run = RunDigest(clean_version, version, config, info)
    cache = io.ResultCache(Path(out) / "entities" / "cache.sqlite")
    quote_cache = io.ResultCache(Path(out) / "quotes" / "cache.sqlite") if quotes_min_confidence is not None else None
    quote_config = quote_settings(quotes_min_confidence) if quote_cache else None
    mentions_out = commit.writer("entities/mentions", schemas.MENTIONS, meta)
    parses_out = commit.writer("entities/parses", schemas.PARSES, meta)
    keys_seen: set[str] = set()
    workers = max(parallelism.workers, 1)
    analyse_options = {"batch_size": batch_size, "keep_labels": tuple(keep_labels),
                       "min_confidence": quotes_min_confidence}

    def submitted(batch: list[dict], pool) -> tuple:
        """Start the work on a batch: what is cached is looked up, the rest goes to the workers."""
        items = [layout_of(row) for row in batch]
        keys = [digest(row["content_hash"], config, info, version) for row in batch]
        keys_seen.update(keys)
        for key in keys:
            run.add(key)
        cached = cache.get_many(keys)
        todo = [i for i, key in enumerate(keys) if key not in cached]
        pending = submit_in_chunks(pool, analyse, [items[i] for i in todo], chunks=workers * 2, **analyse_options)
        return batch, items, keys, cached, todo, pending

    def written(batch, items, keys, cached, todo, pending) -> None:
        """Collect a batch's results, cache them and write its rows."""
        fresh = pending()
        new_items = {keys[i]: (a.mentions, a.doc_bytes, a.sentence_starts) for i, a in zip(todo, fresh)}
        cache.put_many(new_items)
        if quote_cache is not None:
            quote_cache.put_many({digest(keys[i], *quote_config): a.quotes for i, a in zip(todo, fresh)
                                  if isinstance(a.quotes, list)})
        results = {**cached, **new_items}
        rows, parses = [], []
        for row, (_, layout), key in zip(batch, items, keys):
            found, doc_bytes, starts = results[key]
            if isinstance(found, str):
                warn(f"{row['doc_id']}: {found}; its mentions are left out")
                summary.failed += 1
                found = []
            rows.extend(mention_rows(row["doc_id"], row["text"], layout, starts, found))
            parses.append({"doc_id": row["doc_id"], "content_hash": row["content_hash"], "key": key, "doc": doc_bytes})
            summary.words += row["n_words"]
        mentions_out.write(rows)
        parses_out.write(parses)
        summary.documents += len(batch)
        summary.reused += len(cached)
        summary.processed += len(todo)

    try:
        batches = io.iter_batches(docs_path, batch_size=batch_size * workers * 4, columns=DOC_COLUMNS)
        with executor(parallelism.executor, workers=workers, scheduler=parallelism.scheduler) as pool:
            in_flight = None  # the workers parse one batch while this process writes the one before
            for batch in progress_batches(batches, io.row_count(docs_path), "entities"):
                following = submitted(batch, pool)
                if in_flight is not None:
                    written(*in_flight)
                in_flight = following
            if in_flight is not None:
                written(*in_flight)
        lineage = {"version": run.version(), "inputs": {"clean": clean_version}}
        commit.stage("entities/mentions", mentions_out, **lineage)
        commit.stage("entities/parses", parses_out, **lineage)
        entities = entity_rows(
            (doc_id, mentions_from_rows(rows, None)) for doc_id, rows in grouped_mentions(commit.path("entities/mentions"))
        )
        entities_out = commit.writer("entities/entities", schemas.ENTITIES, meta)
        entities_out.write(entities)
        commit.stage("entities/entities", entities_out, **lineage)
        cache.keep_only(keys_seen)
    finally:
        cache.close()
        if quote_cache is not None:
            quote_cache.close()
    summary.rows = {"mentions": mentions_out.rows, "entities": len(entities)}
    summary.seconds = time.perf_counter() - started
    summary.timings = {"total": summary.seconds}
    return summary
