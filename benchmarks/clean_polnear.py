"""Clean stage on PolNeAR train and dev: no gold quote lost, and speed against a base revision.

    python benchmarks/clean_polnear.py [--base main] [--rounds 3]

(1) Every train/dev article goes through the clean logic as the pipeline reads it (a table row with a
`text` column); each gold quote's text must still be in the clean document's headline, standfirst or body
(compared after the same text repair and with spaces normalised). Prints the quotes lost, per split.
(2) Speed: the clean logic of this worktree and of `--base` (exported with `git archive`) on the same
articles, each in its own process, alternated `--rounds` times; prints both times and the ratio.
Reads ../shared/bench/polnear/{train,dev}.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "bench" / "polnear"

TIMED = """
import json, sys, time
from pipeline.clean import document_row
from pipeline.records import RawArticle
import pipeline
texts = [json.loads(line)["text"] for f in sys.argv[1:] for line in open(f, encoding="utf-8")]
started = time.perf_counter()
for n, text in enumerate(texts):
    document_row(RawArticle(str(n), str(n), text), max_chars=10**7)
print(pipeline.__file__, time.perf_counter() - started)
"""


def squash(text: str) -> str:
    return " ".join(text.split())


def lost_quotes(path: Path) -> tuple[int, int, list[str]]:
    """(gold quotes, quotes lost, examples) for one PolNeAR split."""
    from pipeline.clean import ArticleError, document_row, normalise_text
    from pipeline.records import RawArticle

    total, lost, examples = 0, 0, []
    for line in path.read_text("utf-8").splitlines():
        article = json.loads(line)
        try:
            row, _ = document_row(RawArticle(article["id"], article["id"], article["text"]), max_chars=10**7)
            clean = squash(" ".join(row[k] or "" for k in ("headline", "standfirst", "text")))
        except ArticleError:
            clean = ""
        for quote in article.get("quotes", []):
            total += 1
            if squash(normalise_text(quote["text"])) not in clean:  # mojibake repair is not a loss
                lost += 1
                examples.append(f"{article['id']}: {quote['text'][:70]!r}")
    return total, lost, examples


def clean_seconds(pythonpath: Path, files: list[Path]) -> float:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    out = subprocess.run([sys.executable, "-c", TIMED, *map(str, files)], env=env, check=True,
                         capture_output=True, text=True, cwd=pythonpath)  # -c puts the cwd first on sys.path
    path, seconds = out.stdout.split()
    assert Path(path).resolve().is_relative_to(pythonpath.resolve()), path
    return float(seconds)


def export(ref: str, into: Path) -> None:
    """The pipeline and models folders of git revision `ref`, unpacked into `into`."""
    data = subprocess.run(["git", "-C", str(ROOT), "archive", ref, "pipeline", "models"], check=True,
                          capture_output=True).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(into, filter="data")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision to compare speed with (default: main)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    files = [DATA / "train.jsonl", DATA / "dev.jsonl"]
    for path in files:
        total, lost, examples = lost_quotes(path)
        print(f"{path.stem}: {lost} of {total} gold quotes lost in cleaning")
        for example in examples[:10]:
            print("  -", example)
    with tempfile.TemporaryDirectory() as tmp:
        export(args.base, Path(tmp))
        times: dict[str, list[float]] = {"this": [], args.base: []}
        for _ in range(args.rounds):
            times["this"].append(clean_seconds(ROOT, files))
            times[args.base].append(clean_seconds(Path(tmp), files))
    this, base = min(times["this"]), min(times[args.base])
    print(f"clean logic, best of {args.rounds}: this {this:.2f}s, {args.base} {base:.2f}s, ratio {this / base:.2f}")


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"({time.perf_counter() - started:.0f}s)")
