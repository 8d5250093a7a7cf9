"""Writing tables: each beside its destination, all of a run committed together (journal, renames,
manifest), the versions that tie tables to the runs they were built from, and the lock on an output folder."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import FileLock, Timeout

MANIFEST = "manifest.json"
JOURNAL = ".commit.json"


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
        self._fills: list[tuple[str, dict, str]] = []
        self.rows = 0

    def write(self, rows: list[dict]) -> None:
        if rows:
            self._writer.write_table(pa.Table.from_pylist(rows, schema=self.schema))
            self.rows += len(rows)

    def fill(self, column: str, values: dict[str, object], *, key: str) -> None:
        """At `finish`, set `column` of every row to values[row[key]] (null when absent): a value known only
        once all rows are written (a quote's group)."""
        self._fills.append((column, values, key))

    def finish(self, metadata: dict[str, str]) -> Path:
        """Close the file with `metadata` (its run version) added and the columns to fill filled; return where it is."""
        metadata = {k: str(v) for k, v in metadata.items()}
        if not self._fills:
            self._writer.add_key_value_metadata(metadata)
            self._writer.close()
        else:
            self._writer.close()
            self._rewrite_filled(self.schema.with_metadata({**(self.schema.metadata or {}), **metadata}))
        _durable(self._tmp)
        return self._tmp

    def _rewrite_filled(self, schema: pa.Schema) -> None:
        filled = exclusive_temp(self.path)  # swept like the writer's own file if the run is killed
        with pq.ParquetFile(self._tmp) as source, pq.ParquetWriter(filled, schema, compression="zstd") as sink:
            for batch in source.iter_batches(batch_size=65_536):
                table = pa.Table.from_batches([batch]).replace_schema_metadata(schema.metadata)
                for column, values, key in self._fills:
                    position = schema.get_field_index(column)
                    field = schema.field(position)
                    table = table.set_column(position, field,
                                             pa.array([values.get(k) for k in table.column(key).to_pylist()], field.type))
                sink.write_table(table)
        os.replace(filled, self._tmp)

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
        self._journal: dict | None = None

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
        self._journal = journal  # the commit point: from here on the commit is completed, never undone
        _apply_journal(self.out, journal)
        self._staged.clear()
        self._journal = None

    def abort(self) -> None:
        if self._journal is not None:  # interrupted while committing: finish, as the next run would
            _apply_journal(self.out, self._journal)
            self._journal = None
            self._staged.clear()
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


# ---------------------------------------------------------------- stage state (grouping indexes)

def write_arrow(path: Path, table: pa.Table) -> None:
    """Write an Arrow table (a stage's plain-data state, such as a grouping index) as Parquet, atomically."""
    tmp = exclusive_temp(path)
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def read_arrow(path: Path) -> pa.Table | None:
    """The table write_arrow stored at `path`; None when there is none or it cannot be read (then rebuilt)."""
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowInvalid):
        return None
