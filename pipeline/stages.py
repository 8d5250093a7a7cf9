"""The three stages: clean, entities, quotes. Each reads its inputs, reuses cached per-document
results, processes only new or changed documents, and replaces its tables atomically."""

from __future__ import annotations

import bisect
import hashlib
import json
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, astuple, dataclass, field
from pathlib import Path

from pipeline import __version__, io, schemas
from pipeline.clean import ArticleError, document_row
from pipeline.fields import Layout, analysis_text
from pipeline.records import Mention, Quote, RawArticle, Rejection

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


def _layout_of(row: dict) -> tuple[str, Layout]:
    return analysis_text(headline=row["headline"], standfirst=row["standfirst"], text=row["text"])


def parse_documents(texts: list[str], *, batch_size: int, keep_labels: tuple[str, ...]) -> list[tuple]:
    """Parse texts once; return each one's mentions, serialised parse and sentence starts (runs in workers too)."""
    from pipeline.entities import mentions
    from pipeline.model import load_nlp

    nlp = load_nlp()
    results = []
    with nlp.memory_zone():
        for doc in nlp.pipe(texts, batch_size=batch_size):
            try:
                found = list(mentions(doc, keep_labels=keep_labels))
            except Exception as error:  # one article's failure must not stop the batch
                found = f"entity rules failed: {type(error).__name__}: {error}"
            results.append((found, doc.to_bytes(exclude=["tensor", "user_data"]), [sent.start_char for sent in doc.sents]))
    return results


def _parsed(texts: list[str], *, batch_size: int, keep_labels: tuple[str, ...], workers: int,
            pool: ProcessPoolExecutor | None) -> list:
    if pool is None or len(texts) < 2:
        return parse_documents(texts, batch_size=batch_size, keep_labels=keep_labels)
    size = -(-len(texts) // workers)
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    futures = [pool.submit(parse_documents, chunk, batch_size=batch_size, keep_labels=keep_labels) for chunk in chunks]
    return [result for future in futures for result in future.result()]


def _paragraph_index(layout: Layout, text: str, field_name: str, start: int) -> int:
    return text.count("\n\n", 0, start) if field_name == "text" else -1


def mention_rows(doc_id: str, body: str, layout: Layout, sentence_starts: list[int],
                 found: Iterable[Mention]) -> list[dict]:
    """Table rows of one document's mentions, with field-relative offsets."""
    rows = []
    for m in found:
        where = layout.locate(m.start, m.end)
        if where is None:
            continue
        field_name, start, end = where
        rows.append({
            "doc_id": doc_id,
            "mention_id": f"{doc_id}/{field_name}/{start}",
            "field": field_name, "start": start, "end": end,
            "text": m.text, "label": m.label, "spacy_label": m.spacy_label,
            "entity_id": m.entity_id, "canonical_name": m.canonical_name,
            "country_code": m.country_code, "demonym_of": m.demonym_of, "metonym": m.metonym,
            "paragraph": _paragraph_index(layout, body, field_name, start),
            "sentence": bisect.bisect_right(sentence_starts, m.start) - 1,
        })
    return rows


def run_entities(*, out: Path, keep_labels: list[str], batch_size: int, workers: int) -> StageSummary:
    """Parse every document once; write mentions, entities and the parses the quote stage reads."""
    from pipeline.entities import entity_rows
    from pipeline.model import load_nlp, model_info

    started = time.perf_counter()
    summary = StageSummary("entities")
    info = model_info(load_nlp())
    version = code_version("entities", "components", "model", "fields", "records", "stages", data=["entity*", "gazetteer*", "titles*", "countries*"])
    config = json.dumps({"keep_labels": sorted(keep_labels)}, sort_keys=True)
    meta = {"pipeline_version": __version__, "stage": "entities", **info}
    cache = io.ResultCache(Path(out) / "entities" / "cache.sqlite")
    mentions_out = io.TableWriter(table_path(out, "entities/mentions"), schemas.MENTIONS, meta)
    parses_out = io.TableWriter(table_path(out, "entities/parses"), schemas.PARSES, meta)
    keys_seen: set[str] = set()
    pool = ProcessPoolExecutor(workers) if workers > 1 else None
    try:
        docs_path = table_path(out, "clean/documents")
        total = io.row_count(docs_path)
        for batch in _progress_batches(io.iter_batches(docs_path, batch_size=batch_size * max(workers, 1) * 4, columns=_DOC_COLUMNS), total, "entities"):
            texts = [_layout_of(row) for row in batch]
            keys = [_digest(row["content_hash"], config, info, version) for row in batch]
            keys_seen.update(keys)
            cached = cache.get_many(keys)
            todo = [i for i, key in enumerate(keys) if key not in cached]
            fresh = _parsed([texts[i][0] for i in todo], batch_size=batch_size, keep_labels=tuple(keep_labels),
                            workers=workers, pool=pool)
            new_items = {keys[i]: result for i, result in zip(todo, fresh)}
            cache.put_many(new_items)
            results = {**cached, **new_items}
            rows, parses = [], []
            for row, (text, layout), key in zip(batch, texts, keys):
                found, doc_bytes, starts = results[key]
                if isinstance(found, str):
                    _warn(f"{row['doc_id']}: {found}; its mentions are left out")
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
    except BaseException:
        mentions_out.abort()
        parses_out.abort()
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    mentions_out.commit()
    parses_out.commit()
    entities = entity_rows(
        (doc_id, _mentions_from_rows(rows, None)) for doc_id, rows in _grouped_mentions(table_path(out, "entities/mentions"))
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

def _mentions_from_rows(rows: list[dict], layout: Layout | None) -> list[Mention]:
    """Mention records from table rows; offsets into the analysis text when `layout` is given."""
    base = {name: start for name, start, _ in layout.spans} if layout else {}
    return [
        Mention(base.get(r["field"], 0) + r["start"], base.get(r["field"], 0) + r["end"], r["text"], r["label"], r["spacy_label"],
                r["entity_id"], r["canonical_name"], r["country_code"], r["demonym_of"], r["metonym"])
        for r in rows
    ]


def quote_rows(doc_id: str, body: str, layout: Layout, found: Iterable[Quote]) -> list[dict]:
    """Table rows of one document's quotes, with field-relative offsets."""
    rows = []
    for q in found:
        where = layout.locate(q.start, q.end)
        if where is None:
            continue
        field_name, start, end = where
        speaker_where = (layout.locate(q.speaker_mention_start, q.speaker_mention_end)
                         if q.speaker_mention_start is not None else None)
        rows.append({
            "doc_id": doc_id,
            "quote_id": f"{doc_id}/{field_name}/{start}",
            "field": field_name, "start": start, "end": end,
            "text": q.text, "kind": q.kind,
            "paragraph": _paragraph_index(layout, body, field_name, start),
            "speaker_mention": q.speaker_mention,
            "speaker_mention_field": speaker_where[0] if speaker_where else None,
            "speaker_mention_start": speaker_where[1] if speaker_where else None,
            "speaker_mention_end": speaker_where[2] if speaker_where else None,
            "speaker": q.speaker, "speaker_entity_id": q.speaker_entity_id, "speaker_type": q.speaker_type,
            "cue": q.cue, "rule": q.rule, "confidence": q.confidence,
        })
    return rows


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
    """Find the quotes of every document in its stored parse; write the quotes table."""
    from spacy.tokens import Doc

    from pipeline.model import load_nlp, model_info
    from pipeline.quotes import quotes

    started = time.perf_counter()
    summary = StageSummary("quotes")
    nlp = load_nlp()
    info = model_info(nlp)
    version = code_version("quotes", "records", "stages", data=["speech*", "quote*"])
    config = json.dumps({"min_confidence": min_confidence}, sort_keys=True)
    meta = {"pipeline_version": __version__, "stage": "quotes", **info}
    cache = io.ResultCache(Path(out) / "quotes" / "cache.sqlite")
    quotes_out = io.TableWriter(table_path(out, "quotes/quotes"), schemas.QUOTES, meta)
    keys_seen: set[str] = set()
    mention_groups = _grouped_mentions(table_path(out, "entities/mentions"))
    pending = next(mention_groups, None)
    try:
        docs = io.iter_batches(table_path(out, "clean/documents"), batch_size=256, columns=_DOC_COLUMNS)
        parses = io.iter_batches(table_path(out, "entities/parses"), batch_size=256, columns=["doc_id", "key", "doc"])
        for doc_batch, parse_batch in zip(docs, parses):
            keys = [_digest(p["key"], config, version) for p in parse_batch]
            keys_seen.update(keys)
            cached = cache.get_many(keys)
            new_items, rows = {}, []
            for row, parse, key in zip(doc_batch, parse_batch, keys):
                if parse["doc_id"] != row["doc_id"]:
                    raise RuntimeError("entities/parses.parquet does not match clean/documents.parquet: rerun the entities stage")
                doc_mentions = []
                if pending is not None and pending[0] == row["doc_id"]:
                    doc_mentions = pending[1]
                    pending = next(mention_groups, None)
                text, layout = _layout_of(row)
                if key in cached:
                    found = cached[key]
                    summary.reused += 1
                else:
                    doc = Doc(nlp.vocab).from_bytes(parse["doc"])
                    try:
                        found = [q for q in quotes(doc, _mentions_from_rows(doc_mentions, layout))
                                 if q.confidence >= min_confidence]
                    except Exception as error:  # one article's failure must not stop the batch
                        _warn(f"{row['doc_id']}: quote rules failed ({type(error).__name__}: {error}); "
                              "its quotes are left out")
                        summary.failed += 1
                        found = []
                    else:
                        new_items[key] = found
                    summary.processed += 1
                rows.extend(quote_rows(row["doc_id"], row["text"], layout, found))
                summary.words += row["n_words"]
                summary.documents += 1
            cache.put_many(new_items)
            quotes_out.write(rows)
    except BaseException:
        quotes_out.abort()
        raise
    quotes_out.commit()
    cache.keep_only(keys_seen)
    cache.close()
    summary.rows = {"quotes": quotes_out.rows}
    summary.seconds = time.perf_counter() - started
    return summary


# ---------------------------------------------------------------- evaluation

def evaluation_rows(out: Path, gold: dict[str, dict]) -> list[dict]:
    """The quotes table as scorer rows, offsets mapped onto each gold article's own text."""
    from pipeline.evaluate import prediction_rows

    documents = {row["doc_id"]: row for row in io.read_rows(table_path(out, "clean/documents"), columns=_DOC_COLUMNS)}
    by_doc: dict[str, list[Quote]] = {}
    for row in io.read_rows(table_path(out, "quotes/quotes")):
        by_doc.setdefault(row["doc_id"], []).append(row)
    predictions = []
    for doc_id, rows in by_doc.items():
        if doc_id not in gold or doc_id not in documents:
            continue
        text, layout = _layout_of(documents[doc_id])
        base = {name: start for name, start, _ in layout.spans}
        found = [
            Quote(base[r["field"]] + r["start"], base[r["field"]] + r["end"], r["text"], r["kind"], r["speaker_mention"],
                  None, None, r["speaker"], r["speaker_entity_id"], r["speaker_type"], r["cue"], r["rule"], r["confidence"])
            for r in rows
        ]
        predictions.extend(prediction_rows(doc_id, found, text=text, gold_text=gold[doc_id]["text"]))
    return predictions
