"""What the stages share: run summaries, cache keys, table paths, batching."""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline import __version__, io

PACKAGE_DIR = Path(__file__).resolve().parent.parent
MODELS_DIR = PACKAGE_DIR.parent / "models"
DOC_COLUMNS = ["doc_id", "headline", "standfirst", "text", "n_words", "content_hash"]
QUOTE_DATA = ["speech*", "quote*", "reporting*", "organisation_descriptions.json"]


@dataclass
class StageSummary:
    """What one stage did: the line printed at its end, its counts (metrics.json) and timings (timings.json).

    Counts are the same for the same input, so metrics.json may be a DVC-tracked metric; the wall-clock
    `seconds` and per-phase `timings` (phase name -> seconds) go to timings.json, outside DVC's outs.
    """

    stage: str
    documents: int = 0
    reused: int = 0
    processed: int = 0
    rejected: int = 0
    failed: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    words: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        rate = self.words / self.seconds if self.seconds else 0.0
        rows = ", ".join(f"{n} {name}" for name, n in self.rows.items())
        failed = f", {self.failed} failed" if self.failed else ""
        phases = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.timings.items() if name != "total")
        phases = f" ({phases})" if phases else ""
        return (f"[{self.stage}] {self.documents} documents: {self.reused} reused, {self.processed} processed, "
                f"{self.rejected} rejected{failed}; wrote {rows}; {self.seconds:.1f}s{phases}, {rate:,.0f} words/s")

    def metrics(self) -> dict:
        """The deterministic counts."""
        data = asdict(self)
        del data["seconds"], data["timings"]
        return data

    def timing_metrics(self) -> dict:
        """Wall-clock seconds per phase ("total" always) and the words per second."""
        return {"stage": self.stage, "total": round(self.seconds, 3),
                **{name: round(seconds, 3) for name, seconds in self.timings.items()},
                "words_per_second": round(self.words / self.seconds, 1) if self.seconds else 0.0}


STAGE_COMMANDS = {stage: f"python -m pipeline {stage} --out OUT" for stage in ("clean", "entities", "quotes")}


def table_path(out: Path, table: str) -> Path:
    return Path(out) / f"{table}.parquet"


warn = io.warn


def note(message: str) -> None:
    print(f"note: {io.printable(message)}", file=sys.stderr)


def checked_inputs(commit: io.Commit, tables: list[str]) -> dict[str, str]:
    """The run version of each stage among `tables` (as this run sees them), after checking that they
    describe one state (io.check_tables); a stage refuses inputs from different runs."""
    commands = {stage: command.replace("OUT", str(commit.out)) for stage, command in STAGE_COMMANDS.items()}
    return io.check_tables({table: commit.path(table) for table in tables}, commands)


class RunDigest:
    """The version of a stage's run: a hash of its inputs' versions and of every document's cache key in order,
    so the same input gives the same version (and byte-identical tables)."""

    def __init__(self, *parts: object):
        self._hash = hashlib.sha256(digest(*parts).encode())

    def add(self, *parts: object) -> None:
        self._hash.update(digest(*parts).encode())

    def version(self) -> str:
        return self._hash.hexdigest()[:16]


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def code_version(*modules: str, data: Iterable[str] = ()) -> str:
    """Pipeline version plus a hash of the code and rule data a stage uses: cached results expire when they change."""
    h = hashlib.sha256(__version__.encode())
    for name in modules:  # a module ("rows") or a package ("quotes": every file in it)
        package = PACKAGE_DIR / name
        files = sorted(package.rglob("*.py")) if package.is_dir() else [PACKAGE_DIR / f"{name}.py"]
        for path in files:
            h.update(path.read_bytes())
    for pattern in data:
        for path in sorted(MODELS_DIR.glob(pattern)):
            h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


# ---------------------------------------------------------------- clean

def batched(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def progress_batches(batches: Iterator[list[dict]], total: int, stage: str) -> Iterator[list[dict]]:
    """Batches, with a progress bar counting documents when attached to a terminal."""
    if not sys.stderr.isatty():
        yield from batches
        return
    from tqdm import tqdm

    with tqdm(total=total, desc=stage, unit="doc", leave=False) as bar:
        for batch in batches:
            yield batch
            bar.update(len(batch))


def grouped_mentions(path: Path) -> Iterator[tuple[str, list[dict]]]:
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


def quote_settings(min_confidence: float, *, keep_unattributed: bool = False, indirect: bool = False) -> tuple[str, str]:
    """The quote stage's configuration and code version, part of every quote cache key."""
    return (json.dumps({"min_confidence": min_confidence, "keep_unattributed": keep_unattributed, "indirect": indirect},
                       sort_keys=True),
            code_version("quotes", "resolve", "analysis", "rows", "records", "stages/quotes",
                         data=QUOTE_DATA))
