"""Stage 1, clean: raw articles in, documents, removed_lines and rejected tables out."""

from __future__ import annotations

import time
from dataclasses import astuple
from pathlib import Path

from pipeline import __version__, io, schemas
from pipeline.clean import ArticleError, document_row
from pipeline.groups.documents import DuplicateFinder
from pipeline.groups.index import to_table
from pipeline.records import RawArticle, Rejection
from pipeline.stages.common import (
    StageSummary,
    batched,
    code_version,
    digest,
    table_path,
    warn,
)
from pipeline.timing import lap, timed


def _cleaned(article: RawArticle, *, max_chars: int) -> tuple[dict, list[dict]] | str:
    """The document row and removed lines of an article, or the reason it is rejected."""
    try:
        return document_row(article, max_chars=max_chars)
    except ArticleError as error:
        return str(error)


def run_clean(*, seeds: Path, out: Path, max_chars: int) -> StageSummary:
    """Read every input under `seeds`; write documents, removed_lines and rejected tables."""
    started = time.perf_counter()
    summary = StageSummary("clean")
    meta = {"pipeline_version": __version__, "stage": "clean"}
    version = code_version("clean", "io", "records", "stages/clean", data=["clean_*.jsonl"])
    cache = io.ResultCache(Path(out) / "clean" / "cache.sqlite")
    keys_seen: set[str] = set()
    documents = io.TableWriter(table_path(out, "clean/documents"), schemas.DOCUMENTS, meta)
    removed = io.TableWriter(table_path(out, "clean/removed_lines"), schemas.REMOVED_LINES, meta)
    rejected: list[dict] = []
    timings = summary.timings
    timings.update(read=0.0, clean=0.0, write=0.0)
    stories_path = Path(out) / "clean" / "duplicates_index.parquet"  # what later runs compare new documents with
    stories = DuplicateFinder(io.read_arrow(stories_path), code=code_version("groups"))
    try:
        for batch in batched(timed(io.read_articles(seeds), timings, "read"), 256):
            mark = time.perf_counter()
            articles = [item for item in batch if isinstance(item, RawArticle)]
            keys = {id(a): digest(*astuple(a), max_chars, version) for a in articles}
            keys_seen.update(keys.values())
            cached = cache.get_many(list(keys.values()))
            fresh = {keys[id(a)]: _cleaned(a, max_chars=max_chars) for a in articles if keys[id(a)] not in cached}
            cache.put_many(fresh)
            results = {**cached, **fresh}
            summary.reused += len(cached)
            summary.processed += len(fresh)
            doc_rows, removed_rows = [], []
            for item in batch:
                summary.documents += 1
                if isinstance(item, RawArticle):
                    result = results[keys[id(item)]]
                    if isinstance(result, str):
                        item = Rejection(item.source, result)
                    else:
                        doc_rows.append(result[0])
                        removed_rows.extend(result[1])
                        summary.words += result[0]["n_words"]
                if isinstance(item, Rejection):
                    rejected.append({"source": item.source, "reason": item.reason})
                    warn(f"{item.source}: {item.reason}")
            mark = lap(timings, "clean", mark)
            documents.write(doc_rows)
            stories.add(doc_rows)
            removed.write(removed_rows)
            lap(timings, "write", mark)
        mark = time.perf_counter()
        copies = stories.result()
        io.fill_column(documents, "duplicate_of", copies.duplicate_of, key="doc_id")
        lap(timings, "duplicates", mark)
    except BaseException:
        documents.abort()
        removed.abort()
        cache.close()
        raise
    mark = time.perf_counter()
    documents.commit()
    removed.commit()
    io.write_arrow(stories_path, to_table(copies.index))
    io.write_table(table_path(out, "clean/rejected"), rejected, schemas.REJECTED, meta)
    cache.keep_only(keys_seen)
    cache.close()
    lap(timings, "write", mark)
    summary.rejected = len(rejected)
    summary.rows = {"documents": documents.rows, "removed_lines": removed.rows, "rejected": len(rejected)}
    summary.seconds = timings["total"] = time.perf_counter() - started
    return summary
