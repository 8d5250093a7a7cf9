"""The per-document cache of a stage: plain data in SQLite, never pickled; a corrupt file set aside."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sqlite3
import time
import uuid
from datetime import datetime
from pathlib import Path

import msgpack

from pipeline import records
from pipeline.io.messages import warn

RUN_TOKEN = uuid.uuid4().hex  # this process's run, as recorded beside the cache entries it makes


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
