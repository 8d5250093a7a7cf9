"""The three stages: clean, entities, quotes. Each reads its inputs, reuses cached per-document
results, processes only new or changed documents, and replaces its tables atomically."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path

from pipeline import __version__, io, schemas
from pipeline.clean import ArticleError, document_row
from pipeline.analysis import analyse, quotes_of
from pipeline.executors import executor, map_in_chunks
from pipeline.records import RawArticle, Rejection
from pipeline.rows import layout_of, mention_rows, mentions_from_rows, quote_rows, quotes_from_rows

PACKAGE_DIR = Path(__file__).resolve().parent
MODELS_DIR = PACKAGE_DIR.parent / "models"


@dataclass
class StageSummary:
    """What one stage did: the line printed at its end and its entry in metrics.json."""

    stage: str
    documents: int = 0
    reused: int = 0
    processed: int = 0
    rejected: int = 0
    failed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    words: int = 0
    seconds: float = 0.0

    def line(self) -> str:
        rate = self.words / self.seconds if self.seconds else 0.0
        rows = ", ".join(f"{n} {name}" for name, n in self.rows.items())
        failed = f", {self.failed} failed" if self.failed else ""
        return (f"[{self.stage}] {self.documents} documents: {self.reused} reused, {self.processed} processed, "
                f"{self.rejected} rejected{failed}; wrote {rows}; {self.seconds:.1f}s, {rate:,.0f} words/s")

    def metrics(self) -> dict:
        data = asdict(self)
        data["words_per_second"] = round(self.words / self.seconds, 1) if self.seconds else 0.0
        data["seconds"] = round(self.seconds, 3)
        return data


def table_path(out: Path, table: str) -> Path:
    return Path(out) / f"{table}.parquet"


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def code_version(*modules: str, data: Iterable[str] = ()) -> str:
    """Pipeline version plus a hash of the code and rule data a stage uses: cached results expire when they change."""
    h = hashlib.sha256(__version__.encode())
    for name in modules:
        h.update((PACKAGE_DIR / f"{name}.py").read_bytes())
    for pattern in data:
        for path in sorted(MODELS_DIR.glob(pattern)):
            h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


# ---------------------------------------------------------------- clean

def _batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


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
    version = code_version("clean", "io", "records", "stages", data=["clean_lines.jsonl"])
    cache = io.ResultCache(Path(out) / "clean" / "cache.sqlite")
    keys_seen: set[str] = set()
    documents = io.TableWriter(table_path(out, "clean/documents"), schemas.DOCUMENTS, meta)
    removed = io.TableWriter(table_path(out, "clean/removed_lines"), schemas.REMOVED_LINES, meta)
    rejected: list[dict] = []
    try:
        for batch in _batched(io.read_articles(seeds), 256):
            articles = [item for item in batch if isinstance(item, RawArticle)]
            keys = {id(a): _digest(*astuple(a), max_chars, version) for a in articles}
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
                    _warn(f"{item.source}: {item.reason}")
            documents.write(doc_rows)
            removed.write(removed_rows)
    except BaseException:
        documents.abort()
        removed.abort()
        cache.close()
        raise
    documents.commit()
    removed.commit()
    io.write_table(table_path(out, "clean/rejected"), rejected, schemas.REJECTED, meta)
    cache.keep_only(keys_seen)
    cache.close()
    summary.rejected = len(rejected)
    summary.rows = {"documents": documents.rows, "removed_lines": removed.rows, "rejected": len(rejected)}
    summary.seconds = time.perf_counter() - started
    return summary


# ---------------------------------------------------------------- entities

_DOC_COLUMNS = ["doc_id", "headline", "standfirst", "text", "n_words", "content_hash"]
ENTITY_DATA = ["entity*", "gazetteer*", "titles*", "countries*"]
QUOTE_DATA = ["speech*", "quote*"]


@dataclass(frozen=True)
class Parallelism:
    """How the spaCy pass is spread: executor 'local' or 'dask', worker count, Dask scheduler address."""

    executor: str = "local"
    workers: int = 1
    scheduler: str | None = None


def _quote_settings(min_confidence: float) -> tuple[str, str]:
    """The quote stage's configuration and code version, part of every quote cache key."""
    return (json.dumps({"min_confidence": min_confidence}, sort_keys=True),
            code_version("quotes", "quote_lexicon", "quote_marks", "analysis", "rows", "records", data=QUOTE_DATA))


def run_entities(*, out: Path, keep_labels: list[str], batch_size: int, parallelism: Parallelism = Parallelism(),
                 quotes_min_confidence: float | None = None) -> StageSummary:
    """Parse every document once; write mentions, entities and the parses the quote stage reads.

    With `quotes_min_confidence` (whole-pipeline runs), the quotes are found in the same pass and
    stored in the quote stage's cache, so that stage only writes its table.
    """
    from pipeline.entities import entity_rows
    from pipeline.model import load_nlp, model_info

    started = time.perf_counter()
    summary = StageSummary("entities")
    info = model_info(load_nlp())
    version = code_version("entities", "components", "entity_data", "model", "fields", "analysis", "rows", "records",
                           data=ENTITY_DATA)
    config = json.dumps({"keep_labels": sorted(keep_labels)}, sort_keys=True)
    meta = {"pipeline_version": __version__, "stage": "entities", **info}
    cache = io.ResultCache(Path(out) / "entities" / "cache.sqlite")
    quote_cache = io.ResultCache(Path(out) / "quotes" / "cache.sqlite") if quotes_min_confidence is not None else None
    quote_config = _quote_settings(quotes_min_confidence) if quote_cache else None
    mentions_out = io.TableWriter(table_path(out, "entities/mentions"), schemas.MENTIONS, meta)
    parses_out = io.TableWriter(table_path(out, "entities/parses"), schemas.PARSES, meta)
    keys_seen: set[str] = set()
    workers = max(parallelism.workers, 1)
    try:
        docs_path = table_path(out, "clean/documents")
        batches = io.iter_batches(docs_path, batch_size=batch_size * workers * 4, columns=_DOC_COLUMNS)
        with executor(parallelism.executor, workers=workers, scheduler=parallelism.scheduler) as pool:
            for batch in _progress_batches(batches, io.row_count(docs_path), "entities"):
                items = [layout_of(row) for row in batch]
                keys = [_digest(row["content_hash"], config, info, version) for row in batch]
                keys_seen.update(keys)
                cached = cache.get_many(keys)
                todo = [i for i, key in enumerate(keys) if key not in cached]
                fresh = map_in_chunks(pool, analyse, [items[i] for i in todo], chunks=workers * 2, batch_size=batch_size,
                                      keep_labels=tuple(keep_labels), min_confidence=quotes_min_confidence)
                new_items = {keys[i]: (a.mentions, a.doc_bytes, a.sentence_starts) for i, a in zip(todo, fresh)}
                cache.put_many(new_items)
                if quote_cache is not None:
                    quote_cache.put_many({_digest(keys[i], *quote_config): a.quotes for i, a in zip(todo, fresh)
                                          if isinstance(a.quotes, list)})
                results = {**cached, **new_items}
                rows, parses = [], []
                for row, (_, layout), key in zip(batch, items, keys):
                    found, doc_bytes, starts = results[key]
                    if isinstance(found, str):
                        _warn(f"{row['doc_id']}: {found}; its mentions are left out")
                        summary.failed += 1
                        found = []
                    rows.extend(mention_rows(row["doc_id"], row["text"], layout, starts, found))
                    parses.append({"doc_id": row["doc_id"], "content_hash": row["content_hash"], "key": key,
                                   "doc": doc_bytes})
                    summary.words += row["n_words"]
                mentions_out.write(rows)
                parses_out.write(parses)
                summary.documents += len(batch)
                summary.reused += len(cached)
                summary.processed += len(todo)
    except BaseException:
        mentions_out.abort()
        parses_out.abort()
        raise
    finally:
        if quote_cache is not None:
            quote_cache.close()
    mentions_out.commit()
    parses_out.commit()
    entities = entity_rows(
        (doc_id, mentions_from_rows(rows, None)) for doc_id, rows in _grouped_mentions(table_path(out, "entities/mentions"))
    )
    io.write_table(table_path(out, "entities/entities"), entities, schemas.ENTITIES, meta)
    cache.keep_only(keys_seen)
    cache.close()
    summary.rows = {"mentions": mentions_out.rows, "entities": len(entities)}
    summary.seconds = time.perf_counter() - started
    return summary


def _progress_batches(batches: Iterator[list[dict]], total: int, stage: str) -> Iterator[list[dict]]:
    """Batches, with a progress bar counting documents when attached to a terminal."""
    if not sys.stderr.isatty():
        yield from batches
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=stage, unit="doc", leave=False) as bar:
        for batch in batches:
            yield batch
            bar.update(len(batch))


# ---------------------------------------------------------------- quotes

def _grouped_mentions(path: Path) -> Iterator[tuple[str, list[dict]]]:
    """(doc_id, mention rows) in table order; documents without mentions are simply absent."""
    current, rows = None, []
    for batch in io.iter_batches(path, batch_size=4096):
        for row in batch:
            if row["doc_id"] != current:
                if current is not None:
                    yield current, rows
                current, rows = row["doc_id"], []
            rows.append(row)
    if current is not None:
        yield current, rows


def run_quotes(*, out: Path, min_confidence: float) -> StageSummary:
    """Find the quotes of every document in its stored parse (no second parse); write the quotes table."""
    from spacy.tokens import Doc

    from pipeline.model import load_nlp, model_info

    started = time.perf_counter()
    summary = StageSummary("quotes")
    nlp = load_nlp()
    info = model_info(nlp)
    config = _quote_settings(min_confidence)
    meta = {"pipeline_version": __version__, "stage": "quotes", **info}
    cache = io.ResultCache(Path(out) / "quotes" / "cache.sqlite")
    quotes_out = io.TableWriter(table_path(out, "quotes/quotes"), schemas.QUOTES, meta)
    keys_seen: set[str] = set()
    mention_groups = _grouped_mentions(table_path(out, "entities/mentions"))
    pending = next(mention_groups, None)
    try:
        docs = io.iter_batches(table_path(out, "clean/documents"), batch_size=256, columns=_DOC_COLUMNS)
        parses = io.iter_batches(table_path(out, "entities/parses"), batch_size=256, columns=["doc_id", "key"])
        for doc_batch, parse_batch in zip(docs, parses):
            keys = [_digest(p["key"], *config) for p in parse_batch]
            keys_seen.update(keys)
            cached = cache.get_many(keys)
            todo = {p["doc_id"] for p, key in zip(parse_batch, keys) if key not in cached}
            stored = _stored_parses(table_path(out, "entities/parses"), todo) if todo else {}
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
                        summary.reused += 1
                    else:
                        doc = Doc(nlp.vocab).from_bytes(stored[row["doc_id"]])
                        found = quotes_of(doc, mentions_from_rows(doc_mentions, layout), min_confidence=min_confidence)
                        summary.processed += 1
                        if isinstance(found, str):
                            _warn(f"{row['doc_id']}: {found}; its quotes are left out")
                            summary.failed += 1
                            found = []
                        else:
                            new_items[key] = found
                    rows.extend(quote_rows(row["doc_id"], row["text"], layout, found))
                    summary.words += row["n_words"]
                    summary.documents += 1
            cache.put_many(new_items)
            quotes_out.write(rows)
    except BaseException:
        quotes_out.abort()
        cache.close()
        raise
    quotes_out.commit()
    cache.keep_only(keys_seen)
    cache.close()
    summary.rows = {"quotes": quotes_out.rows}
    summary.seconds = time.perf_counter() - started
    return summary


def _stored_parses(path: Path, doc_ids: set[str]) -> dict[str, bytes]:
    """The serialised parses of some documents (read only when they are not cached)."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["doc_id", "doc"], filters=pc.field("doc_id").isin(sorted(doc_ids)))
    return dict(zip(table.column("doc_id").to_pylist(), table.column("doc").to_pylist()))


# ---------------------------------------------------------------- evaluation

def evaluation_rows(out: Path, gold: dict[str, dict]) -> list[dict]:
    """The quotes table as scorer rows, offsets mapped onto each gold article's own text."""
    from pipeline.evaluate import prediction_rows

    documents = {row["doc_id"]: row for row in io.read_rows(table_path(out, "clean/documents"), columns=_DOC_COLUMNS)}
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
