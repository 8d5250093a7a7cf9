"""All disk I/O: reading input articles, writing tables (all of a run or none), the per-document cache, the lock.

Reading never trusts its input: every file, line or row that cannot be read becomes a `Rejection`
with its reason, and the rest of the batch goes on. Writing never shows a half-done run: tables are
written beside their destination and a `Commit` puts all of a run's tables in place together.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import json
import os
import re
import sqlite3
import stat
import sys
import tempfile
import time
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import msgpack
import pyarrow as pa
import pyarrow.parquet as pq
from charset_normalizer import from_bytes
from filelock import FileLock, Timeout

from pipeline import records
from pipeline.records import RawArticle, Rejection

INPUT_SUFFIXES = (".txt", ".jsonl", ".csv", ".parquet")
TEXT_COLUMNS = ("text",)
ARTICLE_COLUMNS = ("id", "text", "headline", "title", "published", "url", "source")
WESTERN_ENCODINGS = ("cp1252", "latin_1", "iso8859_15")
MANIFEST = "manifest.json"
JOURNAL = ".commit.json"
RUN_TOKEN = uuid.uuid4().hex  # this process's run, as recorded beside the cache entries it makes
_SURROGATE = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """An input path that does not exist or holds no readable article file."""


@dataclasses.dataclass(frozen=True, slots=True)
class Notice:
    """Something the reader repaired on its own (a line in a legacy encoding): reported, not rejected.

    `warning` is False for a file wholly in one legacy encoding, True when it mixes encodings.
    """

    source: str
    message: str
    warning: bool = True


def printable(text: str) -> str:
    """`text` with control characters, line breaks and lone surrogates escaped, safe to print and to store."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


def warn(message: str) -> None:
    print(f"warning: {printable(message)}", file=sys.stderr)


# ---------------------------------------------------------------- inputs

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
    if suffix == ".txt":
        text = "\n".join(lines)
        if not text.strip():
            yield Rejection(name, "empty file")
        else:
            yield from _articles([{"text": text}], name, ["text"], doc_ids=[name.rsplit(".", 1)[0]], wheres=[name])
    elif suffix == ".jsonl":
        yield from _jsonl_rows(lines, name)
    else:
        yield from _csv_rows(lines, name)


def decode(data: bytes) -> str:
    """Bytes to text (see `decode_lines`)."""
    return "\n".join(decode_lines(data, "")[0])


def decode_lines(data: bytes, name: str) -> tuple[list[str], Notice | None]:
    """Bytes to lines, split at line feeds only, each decoded on its own: UTF-8 where valid (exactly as
    written), the legacy encoding the other lines are in where not; UTF-16 with or without a byte-order
    mark; binary data refused. The Notice names the lines read in a legacy encoding."""
    if not data.strip():
        return [], None
    utf16 = _utf16(data)
    if utf16:
        text = data.decode(utf16)
        if _printable_share(text) < 0.95:
            raise UnicodeError(f"binary file: not text ({utf16.upper()} gives control characters)")
        return text.removeprefix("\ufeff").split("\n"), None
    if b"\x00" in data:
        raise UnicodeError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig").split("\n"), None
    except UnicodeDecodeError:
        pass
    raw = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
    lines = [line.decode("utf-8", errors="surrogateescape") for line in raw]
    mixed = any(_valid_run(line) for line in lines)
    stray = [i for i, line in enumerate(lines) if _SURROGATE.search(line) and _valid_run(line)]
    legacy = [i for i, line in enumerate(lines) if _SURROGATE.search(line) and i not in stray]
    for i in stray:  # UTF-8 text with a few stray bytes: the bytes are replaced, the text stays exact
        lines[i] = raw[i].decode("utf-8", errors="replace")
    encoding = _legacy_encoding(b"\n".join(raw[i] for i in legacy)) if legacy else "utf-8"
    for i in legacy:
        lines[i] = raw[i].decode(encoding, errors="replace")
    if _printable_share("\n".join(lines[i] for i in legacy)) < 0.95:
        raise UnicodeError(f"binary file: not text in any encoding (best guess {encoding})")
    parts = []
    if legacy:
        parts.append(f"line(s) {_numbers(legacy)} not valid UTF-8: read as {encoding}")
    if stray:
        parts.append(f"line(s) {_numbers(stray)} hold bytes that are not UTF-8: replaced by \ufffd")
    kept = " (the other lines are UTF-8 and kept as written)" if mixed else ""
    return lines, Notice(name, "; ".join(parts) + kept, bool(mixed or stray))


def _valid_run(line: str) -> bool:
    """A line decoded with surrogateescape holds a valid multi-byte UTF-8 character."""
    return any(not ch.isascii() and not _SURROGATE.match(ch) for ch in line)


def _numbers(indexes: list[int]) -> str:
    return ", ".join(str(i + 1) for i in indexes[:10]) + (f" and {len(indexes) - 10} more" if len(indexes) > 10 else "")


def _utf16(data: bytes) -> str | None:
    """'utf-16' when the data starts with its byte-order mark; 'utf-16-le'/'-be' when every other byte is NUL."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16" if len(data) % 2 == 0 else None
    sample = data[:4096]
    if len(data) % 2 or len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.7 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.7 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _legacy_encoding(data: bytes) -> str:
    """The encoding of text that is not UTF-8. English-language news is most often Windows-1252: it wins
    unless charset-normalizer finds an encoding that reads as another script (Cyrillic, Greek, ...)."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        western = "latin_1"
    else:
        western = "cp1252"
    best = from_bytes(data).best()
    if best is not None and any(ch.isalpha() and not ch.isascii() and "LATIN" not in unicodedata.name(ch, "")
                                for ch in str(best)):
        return best.encoding
    return western


def _printable_share(text: str) -> float:
    sample = text[:10000]
    if not sample:
        return 1.0
    return sum(ch.isprintable() or ch in "\n\r\t" for ch in sample) / len(sample)


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
              doc_ids: list[str] | None = None) -> Iterator[RawArticle | Rejection]:
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
        )
        broken = next((f for f in dataclasses.fields(article) if _SURROGATE.search(getattr(article, f.name) or "")),
                      None)
        if broken is not None:
            at = _SURROGATE.search(getattr(article, broken.name))
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


# ---------------------------------------------------------------- tables

def table_metadata(schema: pa.Schema, extra: dict[str, str]) -> pa.Schema:
    """The schema with run metadata (pipeline and model versions) added."""
    return schema.with_metadata({**(schema.metadata or {}), **{k.encode(): str(v).encode() for k, v in extra.items()}})


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def exclusive_temp(path: Path) -> Path:
    """A new empty file beside `path`, created exclusively (no name a planted link can take over), with the
    mode a plain new file gets under the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
    finally:
        os.close(fd)
    return Path(tmp)


def _durable(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


class TableWriter:
    """Write a Parquet table row group by row group beside its destination.

    `finish()` completes the file and gives it to a `Commit`, which puts it in place with the other tables
    of the run; until then the previous table stays readable and unchanged.
    """

    def __init__(self, path: Path, schema: pa.Schema, metadata: dict[str, str]):
        self.path = Path(path)
        self.schema = table_metadata(schema, metadata)
        self._tmp = exclusive_temp(self.path)
        self._writer = pq.ParquetWriter(self._tmp, self.schema, compression="zstd")
        self.rows = 0

    def write(self, rows: list[dict]) -> None:
        if rows:
            self._writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))
            self.rows += len(rows)

    def finish(self, metadata: dict[str, str]) -> Path:
        """Close the file with `metadata` (its run version) added; return where it is."""
        self._writer.add_key_value_metadata({k: str(v) for k, v in metadata.items()})
        self._writer.close()
        _durable(self._tmp)
        return self._tmp

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
        self._tmp.unlink(missing_ok=True)


class InconsistentTables(RuntimeError):
    """Tables of an output folder that were not written by one run."""


class Commit:
    """The tables of one run, put in place together.

    Each stage stages its finished tables (`stage`) and the next stage of the same run reads them from
    there (`path`). `apply` writes a journal naming every staged file, renames them all, writes the
    manifest (each table's version and rows) and removes the journal. A run killed before the journal is
    written leaves the previous tables as they were; one killed after it is completed by `recover`, which
    every run does first.
    """

    def __init__(self, out: Path):
        self.out = Path(out)
        self._staged: dict[str, tuple[Path, dict]] = {}
        self._writers: list[TableWriter] = []

    def writer(self, table: str, schema: pa.Schema, metadata: dict[str, str]) -> TableWriter:
        writer = TableWriter(table_file(self.out, table), schema, metadata)
        self._writers.append(writer)
        return writer

    def stage(self, table: str, writer: TableWriter, *, version: str, inputs: dict[str, str]) -> None:
        """Finish a table written by this run; it belongs to the stage run `version`, built from `inputs`."""
        entry = {"version": version, "inputs": inputs, "rows": writer.rows}
        tmp = writer.finish({"run_version": version, "inputs": json.dumps(inputs, sort_keys=True)})
        self._writers.remove(writer)
        self._staged[table] = (tmp, entry)

    def path(self, table: str) -> Path:
        """Where `table` is for this run: its staged file if this run wrote it, else the committed one."""
        staged = self._staged.get(table)
        return staged[0] if staged else table_file(self.out, table)

    def apply(self) -> None:
        if not self._staged:
            return
        journal = {"tables": {t: tmp.name for t, (tmp, _) in self._staged.items()},
                   "entries": {t: entry for t, (_, entry) in self._staged.items()}}
        write_json(self.out / JOURNAL, journal)
        _apply_journal(self.out, journal)
        self._staged.clear()

    def abort(self) -> None:
        for writer in self._writers:
            writer.abort()
        for tmp, _ in self._staged.values():
            tmp.unlink(missing_ok=True)
        self._writers.clear()
        self._staged.clear()


def table_file(out: Path, table: str) -> Path:
    return Path(out) / f"{table}.parquet"


def _apply_journal(out: Path, journal: dict) -> None:
    for table, tmp in journal["tables"].items():
        final = table_file(out, table)
        staged = final.with_name(tmp)
        if staged.exists():
            os.replace(staged, final)
    manifest = read_manifest(out)
    manifest.update(journal["entries"])
    write_json(out / MANIFEST, dict(sorted(manifest.items())))
    (out / JOURNAL).unlink(missing_ok=True)


def recover(out: Path) -> None:
    """Finish a commit a killed run began; remove the temporary files of runs killed before committing."""
    out = Path(out)
    journal_path = out / JOURNAL
    if journal_path.exists():
        try:
            journal = json.loads(journal_path.read_text("utf-8"))
        except ValueError:  # killed while writing the journal: that commit never began
            journal_path.unlink()
        else:
            _apply_journal(out, journal)
    for stale in out.glob("*/.*.tmp"):
        stale.unlink(missing_ok=True)
    for stale in out.glob(".*.tmp"):
        stale.unlink(missing_ok=True)


def read_manifest(out: Path) -> dict:
    path = Path(out) / MANIFEST
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}


def table_version(path: Path) -> tuple[str | None, dict[str, str]]:
    """A table's run version and the versions of the stage runs it was built from."""
    meta = pq.ParquetFile(path).metadata.metadata or {}
    version = meta.get(b"run_version")
    inputs = json.loads(meta.get(b"inputs", b"{}"))
    return (version.decode() if version else None), inputs


def check_tables(paths: dict[str, Path], stages: dict[str, str]) -> dict[str, str]:
    """The run version of each stage whose tables are given, after checking they describe one state:
    tables of one stage come from one run, and every table was built from the runs of the others.

    `paths` maps table names ("entities/mentions") to files; `stages` maps stage names to the command
    that remakes them. Raises InconsistentTables naming the table and what to rerun.
    """
    versions: dict[str, str] = {}
    lineage: dict[str, dict[str, str]] = {}
    for table, path in paths.items():
        stage = table.split("/")[0]
        version, inputs = table_version(path)
        if version is None:
            raise InconsistentTables(f"{path} has no run version (written by an older pipeline): "
                                     f"rerun the {stage} stage ({stages[stage]})")
        if versions.setdefault(stage, version) != version:
            raise InconsistentTables(f"{path} and the other {stage} tables come from different runs "
                                     f"(an interrupted run?): rerun the {stage} stage ({stages[stage]})")
        lineage[table] = inputs
    for table, inputs in lineage.items():
        for upstream, version in inputs.items():
            if upstream in versions and versions[upstream] != version:
                stage = table.split("/")[0]
                raise InconsistentTables(f"{paths[table]} was built from another {upstream} run than the "
                                         f"{upstream} tables beside it: rerun the {stage} stage ({stages[stage]})")
    return versions


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
    """Write JSON atomically (exclusive temporary file, renamed into place)."""
    tmp = exclusive_temp(path)
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    """Write JSON lines atomically."""
    tmp = exclusive_temp(path)
    with open(tmp, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    os.replace(tmp, path)


# ---------------------------------------------------------------- cache and lock

_DATETIME, _RECORD = 1, 2
_RECORDS = {cls.__name__: cls for cls in (records.Mention, records.Quote)}


def _pack(obj):
    if isinstance(obj, datetime):
        return msgpack.ExtType(_DATETIME, obj.isoformat().encode())
    if type(obj).__name__ in _RECORDS and isinstance(obj, _RECORDS[type(obj).__name__]):
        values = [type(obj).__name__, *(getattr(obj, f.name) for f in dataclasses.fields(obj))]
        return msgpack.ExtType(_RECORD, msgpack.packb(values, default=_pack))
    raise TypeError(f"cannot cache a {type(obj).__name__}")


def _unpack_ext(code: int, data: bytes):
    if code == _DATETIME:
        return datetime.fromisoformat(data.decode())
    if code == _RECORD:
        name, *values = msgpack.unpackb(data, ext_hook=_unpack_ext)
        return _RECORDS[name](*values)
    raise ValueError(f"unknown cache record type {code}")


def pack(value: object) -> bytes:
    """Plain data (numbers, text, bytes, lists, dicts, datetimes, Mention and Quote records) as msgpack."""
    return msgpack.packb(value, default=_pack)


def unpack(data: bytes) -> object:
    return msgpack.unpackb(data, ext_hook=_unpack_ext, strict_map_key=False)


class ResultCache:
    """Per-document results of one stage, keyed by a hash of everything they depend on (SQLite, crash-safe).

    Values are stored as msgpack, never pickled. A file that is not a readable cache is set aside
    (renamed `*.corrupt-TIME`) with a warning and the cache starts empty.
    """

    FORMAT = 2  # PRAGMA user_version of this layout; any other (an older, pickled cache) starts afresh

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.made_this_run: set[str] = set()  # keys found that this process's run wrote
        try:
            self._open()
        except sqlite3.DatabaseError as error:
            self._set_aside(error)

    def _open(self) -> None:
        self._db = sqlite3.connect(self.path)
        self._db.execute("PRAGMA journal_mode=WAL")
        if self._db.execute("PRAGMA user_version").fetchone()[0] != self.FORMAT:
            with self._db:
                self._db.execute("DROP TABLE IF EXISTS results")
                self._db.execute(f"PRAGMA user_version = {self.FORMAT}")
        self._db.execute("CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, value BLOB NOT NULL, run TEXT)")

    def _set_aside(self, error: Exception) -> None:
        with contextlib.suppress(Exception):
            self._db.close()
        moved = self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                os.replace(part, Path(f"{moved}{suffix}"))
        warn(f"{self.path}: not a readable cache ({error}); moved to {moved.name}, starting with an empty cache")
        self._open()

    def get_many(self, keys: list[str]) -> dict[str, object]:
        found = {}
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value, run in self._db.execute(
                        f"SELECT key, value, run FROM results WHERE key IN ({marks})", chunk):
                    try:
                        found[key] = unpack(value)
                    except Exception:  # an entry this code cannot read is simply recomputed
                        continue
                    if run == RUN_TOKEN:
                        self.made_this_run.add(key)
        except sqlite3.DatabaseError as error:
            self._set_aside(error)
            return {}
        return found

    def put_many(self, items: dict[str, object]) -> None:
        packed = []
        for key, value in items.items():
            try:
                packed.append((key, pack(value), RUN_TOKEN))
            except (TypeError, ValueError, UnicodeError, OverflowError):
                continue  # not cacheable: recomputed next time
        try:
            with self._db:
                self._db.executemany("INSERT OR REPLACE INTO results (key, value, run) VALUES (?, ?, ?)", packed)
        except sqlite3.DatabaseError as error:
            self._set_aside(error)

    def keep_only(self, keys: set[str]) -> None:
        """Forget results no current document needs (removed or changed articles)."""
        try:
            stale = [k for (k,) in self._db.execute("SELECT key FROM results") if k not in keys]
            with self._db:
                self._db.executemany("DELETE FROM results WHERE key = ?", [(k,) for k in stale])
        except sqlite3.DatabaseError as error:
            self._set_aside(error)

    def close(self) -> None:
        self._db.close()


class AlreadyRunning(RuntimeError):
    """Another run holds the output folder, or the folder cannot be used."""


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold the output folder for this run (a second run on the same folder stops at once); finish a
    commit an earlier run was killed in."""
    lock_path = Path(out_dir) / ".pipeline.lock"
    try:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_path)
        lock.acquire(timeout=0)
    except Timeout:
        raise AlreadyRunning(
            f"another pipeline run is using {out_dir} (lock file {lock_path}); "
            "wait for it to finish or use another --out folder"
        ) from None
    except OSError as error:
        raise AlreadyRunning(f"cannot use the output folder {out_dir}: {error.strerror} "
                             f"({error.filename or lock_path})") from None
    try:
        recover(Path(out_dir))
        yield
    finally:
        lock.release()
