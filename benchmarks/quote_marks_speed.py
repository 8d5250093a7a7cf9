"""Speed of quote-mark finding on runs of quotation marks: the project's tokenizer and
`quoted_spans` on 5, 10 and 20 KB of one mark, against spaCy's stock English tokenizer (on
1, 2 and 4 KB: it takes about 90 s on 20 KB).

    python benchmarks/quote_marks_speed.py [--sizes 5000 10000 20000] [--stock-sizes 1000 2000 4000] [--repeat 3]

Prints the best of `--repeat` timings per size and the ratio to the previous size (about 2 when
linear, about 4 when quadratic); the machine is shared, so single timings are noisy.
"""

from __future__ import annotations

import argparse
import time

import spacy

from pipeline.model import load_nlp
from pipeline.quotes.marks import quoted_spans

MARKS = ('"', "'", "\u201c")


def _best(fn, mark: str, size: int, repeat: int) -> float:
    """Best of `repeat` timings, each on a run of a new length (spaCy caches the tokens it has seen)."""
    best = float("inf")
    for n in range(repeat):
        text = f"It ended with {mark * (size + n)} and nothing else."
        started = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 10000, 20000])
    parser.add_argument("--stock-sizes", type=int, nargs="+", default=[1000, 2000, 4000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ours = load_nlp().tokenizer
    stock = spacy.blank("en").tokenizer
    sides = {"stock tokenizer": (stock, args.stock_sizes), "our tokenizer": (ours, args.sizes),
             "quoted_spans": (lambda t: list(quoted_spans(t)), args.sizes)}
    for mark in MARKS:
        for name, (fn, sizes) in sides.items():
            previous, line = None, []
            for size in sizes:
                seconds = _best(fn, mark, size, args.repeat)
                ratio = "" if previous is None else f" (x{seconds / max(previous, 1e-9):.1f})"
                line.append(f"{size}: {seconds:.4f}s{ratio}")
                previous = seconds
            print(f"run of {mark!r}, {name:<16} " + "  ".join(line))

if __name__ == "__main__":
    main()
