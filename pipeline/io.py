"""All disk I/O: reading input articles, writing tables atomically, the per-document cache, the run lock."""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from charset_normalizer import from_bytes
from filelock import FileLock, Timeout

from pipeline.records import RawArticle, Rejection

INPUT_SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".csv", ".parquet")
HTML_SUFFIXES = (".html", ".htm")
TEXT_COLUMNS = ("text",)
WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")


class InputError(ValueError):
    """An input path that does not exist or holds no readable article file."""


# ---------------------------------------------------------------- inputs

def input_files(path: Path) -> list[Path]:
    """The input files under `path` (a file or a folder), in a stable order; hidden files skipped."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    return sorted(
        p for p in path.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
    )


def read_articles(path: Path) -> Iterator[RawArticle | Rejection]:
    """Every article in the input file or folder, or a Rejection for what cannot be read.

    Duplicate ids are kept once (the first in path order); later ones are rejected.
    """
    path = Path(path)
    root = path if path.is_dir() else path.parent
    seen: dict[str, str] = {}
    for file in input_files(path):
        name = file.relative_to(root).as_posix()
        for item in _read_file(file, name):
            if isinstance(item, RawArticle):
                if item.doc_id in seen:
                    item = Rejection(item.source, f"duplicate id {item.doc_id!r} (already read from {seen[item.doc_id]})")
                else:
                    seen[item.doc_id] = item.source
            yield item


def _read_file(file: Path, name: str) -> Iterator[RawArticle | Rejection]:
    suffix = file.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        yield Rejection(name, f"unsupported file type {suffix or '(none)'}: expected one of {', '.join(INPUT_SUFFIXES)}")
        return
    try:
        if suffix == ".parquet":
            yield from table_articles(pq.read_table(file).to_pylist(), name, list(pq.read_schema(file).names))
            return
        text = decode(file.read_bytes())
    except (OSError, pa.ArrowException, UnicodeError, ValueError) as error:
        yield Rejection(name, f"cannot read file: {error}")
        return
    if suffix == ".txt" or suffix in HTML_SUFFIXES:
        if not text.strip():
            yield Rejection(name, "empty file")
        else:
            yield RawArticle(doc_id=name.rsplit(".", 1)[0], source=name, text=text, url=_url_line(text),
                             html=suffix in HTML_SUFFIXES)
    elif suffix == ".jsonl":
        yield from _jsonl_rows(text, name)
    else:
        yield from _csv_rows(text, name)


def _url_line(text: str) -> str | None:
    """The article address a text page gives on a "URL: https://..." line near its top."""
    for line in text.splitlines()[:10]:
        match = re.match(r"\s*url\s*:\s*(https?://\S+)\s*$", line, re.IGNORECASE)
        if match:
            return match.group(1)
    return None


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 when valid, else the encoding charset-normalizer detects; binary data is refused."""
    if not data.strip():
        return ""
    if b"\x00" in data[:8192]:
        raise UnicodeError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    matches = from_bytes(data)
    best = matches.best()
    # Ties are common on short texts; English-language news is far more often Windows-1252 than any other.
    tied = [m for m in matches if best is not None and (m.chaos, m.coherence) == (best.chaos, best.coherence)]
    best = next((m for m in tied if m.encoding in WESTERN_ENCODINGS), best)
    if best is None:
        raise UnicodeError("binary file or unknown text encoding")
    text = str(best)
    printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text[:10000])
    if printable < 0.95 * min(len(text), 10000):
        raise UnicodeError(f"binary file: not text in any encoding (best guess {best.encoding})")
    return text


def _jsonl_rows(text: str, name: str) -> Iterator[RawArticle | Rejection]:
    rows = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield Rejection(f"{name}:{line_no}", f"malformed JSON on line {line_no}: {error.msg}")
            continue
        if not isinstance(row, dict):
            yield Rejection(f"{name}:{line_no}", f"line {line_no} is a JSON {type(row).__name__}, not an object")
            continue
        rows.append((line_no, row))
    columns = sorted({key for _, row in rows for key in row})
    for line_no, row in rows:
        yield from table_articles([row], name, columns, first_row=line_no, row_label=":")


def _csv_rows(text: str, name: str) -> Iterator[RawArticle | Rejection]:
    import csv
    import io as stdio

    csv.field_size_limit(1 << 30)
    reader = csv.DictReader(stdio.StringIO(text))
    try:
        rows = list(reader)
    except csv.Error as error:
        yield Rejection(name, f"malformed CSV: {error}")
        return
    yield from table_articles(rows, name, list(reader.fieldnames or []), first_row=1)


def table_articles(rows: list[dict], name: str, columns: list[str], *, first_row: int = 1,
                row_label: str = "#") -> Iterator[RawArticle | Rejection]:
    """Articles from table rows: a `text` column and optional id, headline/title, published, url, source."""
    if not any(c in columns for c in TEXT_COLUMNS):
        yield Rejection(name, f"no 'text' column (columns: {', '.join(map(str, columns)) or 'none'})")
        return
    for offset, row in enumerate(rows):
        row_no = first_row + offset if row_label == "#" else first_row
        where = f"{name}{row_label}{row_no}"
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            yield Rejection(where, "empty or missing 'text'")
            continue
        given_id = _value(row.get("id"))
        yield RawArticle(
            doc_id=given_id if given_id is not None else where,
            source=where,
            text=text,
            headline=_value(row.get("headline")) or _value(row.get("title")),
            published=_value(row.get("published")),
            url=_value(row.get("url")),
            publisher=_value(row.get("source")),
        )


def _value(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    value = str(value).strip()
    return value or None


# ---------------------------------------------------------------- tables

def table_metadata(schema: pa.Schema, extra: dict[str, str]) -> pa.Schema:
    """The schema with run metadata (pipeline and model versions) added."""
    return schema.with_metadata({**(schema.metadata or {}), **{k.encode(): str(v).encode() for k, v in extra.items()}})


class TableWriter:
    """Write a Parquet table row group by row group beside its destination; rename into place on commit.

    Until `commit()` the previous table stays readable and unchanged; an abandoned writer leaves it as it was.
    """

    def __init__(self, path: Path, schema: pa.Schema, metadata: dict[str, str]):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.schema = table_metadata(schema, metadata)
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):  # left by a killed run
            stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")
        self.rows = 0

    def write(self, rows: list[dict]) -> None:
        if rows:
            self._writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))
            self.rows += len(rows)

    def commit(self) -> None:
        self._writer.close()
        with open(self._tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def write_table(path: Path, rows: Iterable[dict], schema: pa.Schema, metadata: dict[str, str]) -> int:
    """Write all rows as one table, atomically; return the row count."""
    with TableWriter(path, schema, metadata) as writer:
        writer.write(list(rows))
    return writer.rows


def iter_batches(path: Path, *, batch_size: int = 256, columns: list[str] | None = None) -> Iterator[list[dict]]:
    """Rows of a Parquet table in batches, without loading it whole."""
    with pq.ParquetFile(path) as handle:
        for batch in handle.iter_batches(batch_size=batch_size, columns=columns):
            yield batch.to_pylist()


def row_count(path: Path) -> int:
    return pq.ParquetFile(path).metadata.num_rows


def read_rows(path: Path, *, columns: list[str] | None = None) -> list[dict]:
    return pq.read_table(path, columns=columns).to_pylist()


def write_json(path: Path, data: dict) -> None:
    """Write JSON atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    """Write JSON lines atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------- group indexes and filled columns

def write_arrow(path: Path, table: pa.Table) -> None:
    """Write an Arrow table (a stage's plain-data state, such as a grouping index) as Parquet, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def read_arrow(path: Path) -> pa.Table | None:
    """The table write_arrow stored at `path`; None when there is none or it cannot be read (then rebuilt)."""
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowInvalid):
        return None


def fill_column(writer: TableWriter, column: str, values: dict[str, object], *, key: str) -> None:
    """Before `writer.commit()`: set `column` of every row written so far to values[row[key]] (null when absent)."""
    writer._writer.close()
    filled = writer.path.with_name(f".{writer.path.name}.filled.tmp")  # swept like the writer's own if killed
    position = writer.schema.get_field_index(column)
    with pq.ParquetFile(writer._tmp) as source, pq.ParquetWriter(filled, writer.schema, compression="zstd") as sink:
        for batch in source.iter_batches(batch_size=65_536):
            column_values = pa.array([values.get(k) for k in batch.column(key).to_pylist()],
                                     writer.schema.field(position).type)
            sink.write_table(pa.Table.from_batches([batch]).set_column(position, writer.schema.field(position),
                                                                        column_values))
    os.replace(filled, writer._tmp)


# ---------------------------------------------------------------- cache and lock

class ResultCache:
    """Per-document results of one stage, keyed by a hash of everything they depend on (SQLite, crash-safe)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value BLOB NOT NULL)")

    def get_many(self, keys: list[str]) -> dict[str, object]:
        found = {}
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, value in self._db.execute(f"SELECT key, value FROM results WHERE key IN ({marks})", chunk):
                found[key] = pickle.loads(value)
        return found

    def put_many(self, items: dict[str, object]) -> None:
        with self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)",
                [(key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) for key, value in items.items()],
            )

    def keep_only(self, keys: set[str]) -> None:
        """Forget results no current document needs (removed or changed articles)."""
        stale = [k for (k,) in self._db.execute("SELECT key FROM results") if k not in keys]
        with self._db:
            self._db.executemany("DELETE FROM results WHERE key = ?", [(k,) for k in stale])

    def close(self) -> None:
        self._db.close()


class AlreadyRunning(RuntimeError):
    """Another run holds the output folder."""


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for this run; a second run on the same folder stops at once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out_dir / ".pipeline.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise AlreadyRunning(
            f"another pipeline run is using {out_dir} (lock file {out_dir / '.pipeline.lock'}); "
            "wait for it to finish or use another --out folder"
        ) from None
    try:
        yield
    finally:
        lock.release()
