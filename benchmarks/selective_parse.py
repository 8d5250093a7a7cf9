"""The selective parse against the full parse on PolNeAR attributions: coverage, agreement, speed.

    python benchmarks/selective_parse.py [--split dev] [--rounds 2] [--neighbours 1]

Parses the split's articles (../shared/bench/polnear/attributions/SPLIT.jsonl) with the project
pipeline twice, alternated: full parse, and `entities.selective_parse` (pipeline.parse.selective).
Prints, per attribution kind (direct, mixed, indirect), the share of gold cues ("said",
"according to") and of gold speakers whose tokens the selective parse handed to the parser;
the share of all tokens parsed; the share of parsed tokens whose head and label equal the full
parse's; and the CPU seconds of each spaCy pass (best of the rounds: CPU time, not wall time, so
that other work on the machine does not count). The quote and page figures come
from `python -m pipeline evaluate` and check_pages.py with `entities.selective_parse: true`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import model  # noqa: E402
from pipeline.parse.selective import PARSED_KEY, use_selective_parse  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench" / "polnear" / "attributions"


def parsed_tokens(doc) -> set[int]:
    return {i for a, b in doc.user_data[PARSED_KEY] for i in range(a, b)}


def covered(doc, parsed: set[int], start: int | None, end: int | None) -> bool | None:
    """Whether every token of the character span was parsed (None without a span)."""
    if start is None or end is None or end <= start:
        return None
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and all(t.i in parsed for t in span)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev", choices=["dev", "train"])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--neighbours", type=int, default=1)
    parser.add_argument("--articles", type=int, default=None, help="first N articles only")
    args = parser.parse_args()
    rows = [json.loads(line) for line in (BENCH / f"{args.split}.jsonl").read_text("utf-8").splitlines() if line.strip()]
    rows = rows[: args.articles] if args.articles else rows
    texts = [row["text"] for row in rows]
    full = model.load_nlp()
    selective = model.load_nlp.__wrapped__()  # a second, separate pipeline
    use_selective_parse(selective, neighbours=args.neighbours)
    seconds: dict[str, list[float]] = {"full": [], "selective": []}
    for _ in range(args.rounds):
        for name, nlp in (("full", full), ("selective", selective)):
            started = time.process_time()
            docs = list(nlp.pipe(texts, batch_size=16))
            seconds[name].append(time.process_time() - started)
            if name == "full":
                full_docs = docs
            else:
                selective_docs = docs
    cues, speakers, kinds = Counter(), Counter(), Counter()
    tokens = parsed = same = 0
    for row, one, other in zip(rows, full_docs, selective_docs):
        kept = parsed_tokens(other)
        tokens += len(other)
        parsed += len(kept)
        same += sum(one[i].head.i == other[i].head.i and one[i].dep == other[i].dep for i in kept)
        for quote in row["quotes"]:
            kind = quote["kind"]
            kinds[kind] += 1
            for counter, key in ((cues, "cue"), (speakers, "speaker")):
                hit = covered(other, kept, quote.get(f"{key}_start"), quote.get(f"{key}_end"))
                if hit is not None:
                    counter[kind, "all"] += 1
                    counter[kind, "kept"] += hit
    print(f"{len(rows)} articles of attributions/{args.split}, neighbours {args.neighbours}")
    for kind in sorted(kinds):
        parts = [f"{name} {counter[kind, 'kept']}/{counter[kind, 'all']} "
                 f"({counter[kind, 'kept'] / max(counter[kind, 'all'], 1):.3f})"
                 for name, counter in (("cues", cues), ("speakers", speakers))]
        print(f"  {kind:<9} {kinds[kind]:5d} records; parsed: " + ", ".join(parts))
    print(f"  tokens parsed {parsed / tokens:.3f}; parsed tokens with the full parse's head and label {same / parsed:.3f}")
    best = {name: min(values) for name, values in seconds.items()}
    print(f"  spaCy pass, CPU: full {best['full']:.1f}s, selective {best['selective']:.1f}s "
          f"(ratio {best['full'] / best['selective']:.2f}, best of {args.rounds} alternated rounds)")


if __name__ == "__main__":
    main()
