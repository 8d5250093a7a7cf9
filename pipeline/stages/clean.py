"""Stage 1, clean: raw articles in, documents, removed_lines and rejected tables out."""

from __future__ import annotations

import time
from dataclasses import astuple
from pathlib import Path

from pipeline import __version__, io, schemas
from pipeline.clean import ArticleError, document_row
from pipeline.groups.documents import DuplicateFinder
from pipeline.groups.index import to_table
from pipeline.limits import MAX_RUN_CHARS, overlong_run
from pipeline.records import RawArticle, Rejection
from pipeline.stages.common import (
    RunDigest,
    StageSummary,
    batched,
    code_version,
    digest,
    note,
    warn,
)
from pipeline.timing import lap, timed


def _cleaned(article: RawArticle, *, max_chars: int) -> tuple[dict, list[dict]] | str:
    """The document row and removed lines of an article, or the reason it is rejected."""
    size = sum(len(value) for value in astuple(article) if isinstance(value, str)) - len(article.source)
    if size > max_chars:  # every field is parsed, not only the body
        return f"article too long: {size:,} characters in its fields (max_chars is {max_chars:,})"
    for name in ("text", "headline"):
        run = overlong_run(getattr(article, name) or "")
        if run:
            return (f"{name} holds {run:,} characters without a space (at most {MAX_RUN_CHARS:,}): "
                    "not prose, and it would stall the spaCy tokenizer")
    try:
        return document_row(article, max_chars=max_chars)
    except ArticleError as error:
        return str(error)
    except Exception as error:  # one article's failure must not stop the batch
        return f"cleaning failed ({type(error).__name__}: {error})"


def run_clean(*, seeds: Path, out: Path, max_chars: int, commit: io.Commit) -> StageSummary:
    """Read every input under `seeds` (never `out` itself); stage documents, removed_lines and rejected.

    With no article read, nothing is staged and the cache is left as it was.
    """
    started = time.perf_counter()
    summary = StageSummary("clean")
    meta = {"pipeline_version": __version__, "stage": "clean"}
    version = code_version("clean", "io", "records", "stages/clean", data=["clean_*.jsonl"])
    run = RunDigest(version, max_chars)
    cache = io.ResultCache(Path(out) / "clean" / "cache.sqlite")
    keys_seen: set[str] = set()
    documents = commit.writer("clean/documents", schemas.DOCUMENTS, meta)
    removed = commit.writer("clean/removed_lines", schemas.REMOVED_LINES, meta)
    rejected: list[dict] = []
    timings = summary.timings
    timings.update(read=0.0, clean=0.0, write=0.0)
    stories_path = Path(out) / "clean" / "duplicates_index.parquet"  # what later runs compare new documents with
    stories = DuplicateFinder(io.read_arrow(stories_path), code=code_version("groups"))
    try:
        for batch in batched(timed(io.read_articles(seeds, exclude=[out]), timings, "read"), 256):
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
                if isinstance(item, io.Notice):
                    (warn if item.warning else note)(f"{item.source}: {item.message}")
                    continue
                summary.documents += 1
                if isinstance(item, RawArticle):
                    run.add(keys[id(item)])
                    result = results[keys[id(item)]]
                    if isinstance(result, str):
                        item = Rejection(item.source, result)
                    else:
                        doc_rows.append(result[0])
                        removed_rows.extend(result[1])
                        summary.words += result[0]["n_words"]
                if isinstance(item, Rejection):
                    row = {"source": io.printable(item.source), "reason": io.printable(item.reason)}
                    run.add(row["source"], row["reason"])
                    rejected.append(row)
                    warn(f"{row['source']}: {row['reason']}")
            mark = lap(timings, "clean", mark)
            documents.write(doc_rows)
            stories.add(doc_rows)
            removed.write(removed_rows)
            lap(timings, "write", mark)
        summary.rejected = len(rejected)
        summary.rows = {"documents": documents.rows, "removed_lines": removed.rows, "rejected": len(rejected)}
        if documents.rows:
            mark = time.perf_counter()
            copies = stories.result()
            documents.fill("duplicate_of", copies.duplicate_of, key="doc_id")
            mark = lap(timings, "duplicates", mark)
            rejected_out = commit.writer("clean/rejected", schemas.REJECTED, meta)
            rejected_out.write(rejected)
            for table, writer in (("clean/documents", documents), ("clean/removed_lines", removed),
                                  ("clean/rejected", rejected_out)):
                commit.stage(table, writer, version=run.version(), inputs={})
            io.write_arrow(stories_path, to_table(copies.index))
            cache.keep_only(keys_seen)
            lap(timings, "write", mark)
    finally:
        cache.close()
    summary.seconds = timings["total"] = time.perf_counter() - started
    return summary
