"""Reading input articles: every file, line or row that cannot be read becomes a `Rejection` with its
reason, and the rest of the batch goes on."""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io.decoding import SURROGATE, Notice, decode_lines
from pipeline.io.messages import printable
from pipeline.records import RawArticle, Rejection

INPUT_SUFFIXES = (".txt", ".html", ".htm", ".jsonl", ".csv", ".parquet")
HTML_SUFFIXES = (".html", ".htm")
TEXT_COLUMNS = ("text",)
ARTICLE_COLUMNS = ("id", "text", "headline", "title", "published", "url", "source")


class InputError(ValueError):
    """An input path that does not exist or holds no readable article file."""


def input_files(path: Path, *, exclude: Iterable[Path] = ()) -> Iterator[Path | Rejection]:
    """The input files under `path` (a file or a folder) in a stable order, and a Rejection for each
    subfolder that cannot be listed; hidden files and the folders in `exclude` (an output folder) skipped."""
    path = Path(path)
    if not path.is_dir():
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        yield path
        return
    skipped = {p.resolve() for p in exclude}
    found: list[Path] = []
    unreadable: list[Rejection] = []

    def listing_failed(error: OSError) -> None:
        where = Path(error.filename).relative_to(path).as_posix() if error.filename else "?"
        unreadable.append(Rejection(printable(f"{where}/"), f"cannot list folder: {error.strerror}"))

    for folder, subfolders, names in os.walk(path, onerror=listing_failed):
        subfolders[:] = [d for d in subfolders if not d.startswith(".") and Path(folder, d).resolve() not in skipped]
        found.extend(Path(folder, name) for name in names if not name.startswith("."))
    yield from unreadable
    yield from sorted(found)


def read_articles(path: Path, *, exclude: Iterable[Path] = ()) -> Iterator[RawArticle | Rejection | Notice]:
    """Every article in the input file or folder, a Rejection for what cannot be read, a Notice for repairs.

    Duplicate ids are kept once (the first in path order); later ones are rejected.
    """
    path = Path(path)
    root = path if path.is_dir() else path.parent
    seen: dict[str, str] = {}
    for file in input_files(path, exclude=exclude):
        if isinstance(file, Rejection):
            yield file
            continue
        name = printable(file.relative_to(root).as_posix())
        for item in _read_file(file, name):
            if isinstance(item, RawArticle):
                if item.doc_id in seen:
                    item = Rejection(item.source, f"duplicate id {item.doc_id!r} (already read from {seen[item.doc_id]})")
                else:
                    seen[item.doc_id] = item.source
            yield item


class UnreadableFile(ValueError):
    """A file that is not a regular file, or not text."""


def read_bytes(file: Path) -> bytes:
    """The bytes of a regular file; a FIFO, socket or device is refused without blocking on it."""
    fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = {stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device",
                    stat.S_IFBLK: "a device", stat.S_IFDIR: "a folder"}.get(stat.S_IFMT(mode), "special")
            raise UnreadableFile(f"not a regular file ({kind})")
        with os.fdopen(os.dup(fd), "rb") as handle:
            return handle.read()
    finally:
        os.close(fd)


def _read_file(file: Path, name: str) -> Iterator[RawArticle | Rejection | Notice]:
    suffix = file.suffix.lower()
    if suffix not in INPUT_SUFFIXES:
        yield Rejection(name, f"unsupported file type {printable(suffix) or '(none)'}: "
                              f"expected one of {', '.join(INPUT_SUFFIXES)}")
        return
    try:
        data = read_bytes(file)
        if suffix == ".parquet":
            yield from _parquet_rows(data, name)
            return
        lines, notice = decode_lines(data, name)
    except (OSError, pa.ArrowException, UnicodeError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        yield Rejection(name, f"cannot read file: {reason}")
        return
    if notice:
        yield notice
    if suffix == ".txt" or suffix in HTML_SUFFIXES:
        text = "\n".join(lines)
        if not text.strip():
            yield Rejection(name, "empty file")
        else:
            yield from _articles([{"text": text, "url": _url_line(text)}], name, ["text", "url"],
                                 doc_ids=[name.rsplit(".", 1)[0]], wheres=[name], html=suffix in HTML_SUFFIXES)
    elif suffix == ".jsonl":
        yield from _jsonl_rows(lines, name)
    else:
        yield from _csv_rows(lines, name)


def _url_line(text: str) -> str | None:
    """The article address a text page gives on a "URL: https://..." line near its top."""
    for line in text.splitlines()[:10]:
        match = re.match(r"\s*url\s*:\s*(https?://\S+)\s*$", line, re.IGNORECASE)
        if match:
            return match.group(1)
    return None


def _jsonl_rows(lines: list[str], name: str) -> Iterator[RawArticle | Rejection]:
    rows, wheres = [], []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{name}:{line_no}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            yield Rejection(where, f"malformed JSON on line {line_no}: {error.msg}")
            continue
        except RecursionError:
            yield Rejection(where, f"JSON on line {line_no} is nested too deeply to read")
            continue
        except ValueError as error:  # an integer of thousands of digits
            yield Rejection(where, f"JSON on line {line_no} cannot be read: {error}")
            continue
        if not isinstance(row, dict):
            yield Rejection(where, f"line {line_no} is a JSON {type(row).__name__}, not an object")
            continue
        rows.append(row)
        wheres.append(where)
    columns = sorted({printable(str(key)) for row in rows for key in row})
    yield from _articles(rows, name, columns, wheres=wheres)


def _csv_rows(lines: list[str], name: str) -> Iterator[RawArticle | Rejection]:
    """CSV records; a record that is malformed (an unterminated quote, a wrong number of fields) is rejected
    and reading starts again on the next line, so it never swallows the rows after it."""
    csv.field_size_limit(1 << 30)
    lines = [line + "\n" for line in lines]
    header: list[str] | None = None
    rows, wheres = [], []
    pos, row_no = 0, 0
    while pos < len(lines):
        base, consumed = pos, 0
        reader = csv.reader(iter(lines[base:]), strict=True)
        try:
            for record in reader:
                first, consumed = base + consumed, reader.line_num  # the record's first line; lines read
                pos = base + consumed
                if not record or record == [""]:
                    continue
                if header is None:
                    header = record
                    continue
                row_no += 1
                if len(record) != len(header):
                    yield Rejection(f"{name}#{row_no}", f"malformed CSV record (line {first + 1}): "
                                                        f"{len(record)} fields, the header has {len(header)}")
                    pos = first + 1
                    break
                rows.append(dict(zip(header, record)))
                wheres.append(f"{name}#{row_no}")
            else:
                pos = len(lines)
        except csv.Error as error:
            first = base + consumed
            if header is None:
                yield Rejection(name, f"malformed CSV header: {error}")
                return
            row_no += 1
            yield Rejection(f"{name}#{row_no}", f"malformed CSV record (line {first + 1}): {error}")
            pos = first + 1
    yield from _articles(rows, name, header or [], wheres=wheres)


def _parquet_rows(data: bytes, name: str) -> Iterator[RawArticle | Rejection]:
    """Rows of a Parquet table; a timestamp outside the years 1-9999 rejects its row, not the file."""
    table = pq.read_table(pa.BufferReader(data))
    columns = list(table.column_names)
    used = table.select([c for c in ARTICLE_COLUMNS if c in columns])
    values: dict[str, list] = {}
    bad: dict[int, str] = {}
    for column in used.column_names:
        array = used.column(column)
        if pa.types.is_timestamp(array.type) or pa.types.is_date(array.type):
            values[column] = _dates(array, column, bad)
        else:
            values[column] = array.to_pylist()
    rows = [{c: values[c][i] for c in values} for i in range(used.num_rows)]
    wheres = [f"{name}#{i + 1}" for i in range(used.num_rows)]
    for i, reason in sorted(bad.items()):
        yield Rejection(wheres[i], reason)
    keep = [i for i in range(used.num_rows) if i not in bad]
    yield from _articles([rows[i] for i in keep], name, columns, wheres=[wheres[i] for i in keep])


def _dates(array: pa.ChunkedArray, column: str, bad: dict[int, str]) -> list:
    """Dates as Python datetimes, row by row; rows whose date Python cannot hold go into `bad`."""
    if pa.types.is_date(array.type):
        array = array.cast(pa.timestamp("s"))
    unit = array.type.unit
    per_second = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}[unit]
    out = []
    for i, raw in enumerate(array.cast(pa.int64()).to_pylist()):
        if raw is None:
            out.append(None)
            continue
        try:
            out.append(datetime(1970, 1, 1) + timedelta(microseconds=raw * 1_000_000 // per_second))
        except OverflowError:
            bad[i] = f"{column} is out of range ({raw} {unit} from 1970): years 1 to 9999 only"
            out.append(None)
    return out


def table_articles(rows: list[dict], name: str, columns: list[str], *, first_row: int = 1,
                   row_label: str = "#") -> Iterator[RawArticle | Rejection]:
    """Articles from table rows: a `text` column and optional id, headline/title, published, url, source."""
    wheres = [f"{name}{row_label}{first_row + i}" for i in range(len(rows))]
    yield from _articles(rows, name, columns, wheres=wheres)


def _articles(rows: list[dict], name: str, columns: list[str], *, wheres: list[str],
              doc_ids: list[str] | None = None, html: bool = False) -> Iterator[RawArticle | Rejection]:
    if not any(c in columns for c in TEXT_COLUMNS):
        yield Rejection(name, f"no 'text' column (columns: {', '.join(map(printable, map(str, columns))) or 'none'})")
        return
    for i, (row, where) in enumerate(zip(rows, wheres)):
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            yield Rejection(where, "empty or missing 'text'")
            continue
        try:
            fields = {key: _value(row.get(key)) for key in ARTICLE_COLUMNS if key != "text"}
        except ValueError as error:
            yield Rejection(where, f"unreadable field: {error}")
            continue
        article = RawArticle(
            doc_id=doc_ids[i] if doc_ids else fields["id"] if fields["id"] is not None else where,
            source=where,
            text=text,
            headline=fields["headline"] or fields["title"],
            published=fields["published"],
            url=fields["url"],
            publisher=fields["source"],
            html=html,
        )
        broken = next((f for f in dataclasses.fields(article) if isinstance(getattr(article, f.name), str)
                       and SURROGATE.search(getattr(article, f.name))),
                      None)
        if broken is not None:
            at = SURROGATE.search(getattr(article, broken.name))
            yield Rejection(where, f"{broken.name} holds a lone surrogate ({ascii(at.group())[1:-1]} at character "
                                   f"{at.start()}): not valid Unicode")
            continue
        yield article


def _value(value) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        raise ValueError(f"a JSON {type(value).__name__} where a plain value belongs")
    value = str(value).strip()
    return value or None
