"""Incremental reruns: the cost of adding a few articles to a processed batch.

    python benchmarks/incremental.py [--articles 80] [--added 4]

Runs `python -m pipeline run` on the first N articles of ../shared/bench/polnear/train.jsonl (one
file per article) into a fresh folder, adds a few more articles, reruns on the same folder, and
prints both wall times and their ratio, with what each stage reused and processed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "bench" / "polnear" / "train.jsonl"


def run(seeds: Path, out: Path) -> tuple[float, dict]:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", "run", "--seeds", str(seeds), "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    return seconds, json.loads((out / "metrics.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--articles", type=int, default=80)
    parser.add_argument("--added", type=int, default=4)
    args = parser.parse_args()
    rows = [json.loads(line) for _, line in zip(range(args.articles + args.added), open(args.data, encoding="utf-8"))]
    with tempfile.TemporaryDirectory() as tmp:
        seeds, out = Path(tmp) / "seeds", Path(tmp) / "out"
        seeds.mkdir()

        def add(batch: list[dict]) -> None:
            for row in batch:
                name = row["id"].replace("/", "_")
                (seeds / f"{name}.jsonl").write_text(json.dumps({"id": row["id"], "text": row["text"]}) + "\n")

        add(rows[: args.articles])
        first, _ = run(seeds, out)
        add(rows[args.articles :])
        again, metrics = run(seeds, out)
    print(f"first run, {args.articles} articles: {first:.1f}s")
    print(f"rerun with {args.added} added:       {again:.1f}s  ratio {again / first:.2f}")
    for stage in ("clean", "entities", "quotes"):
        m = metrics[stage]
        print(f"  {stage:<9} reused {m['reused']:>4}  processed {m['processed']:>4}")


if __name__ == "__main__":
    main()
