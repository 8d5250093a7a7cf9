"""Quote grouping at scale and its accuracy: synthetic quote rows built from the PolNeAR quotes with edits.

    python benchmarks/groups_scale.py --sizes 10000 100000 1000000
    python benchmarks/groups_scale.py --sizes 100000 --incremental

The corpus (made here, deterministic for a size): statements are the distinct PolNeAR quotes (train and
dev, near-copies among them dropped), then, to reach the size, new statements made from them by replacing
80% of their words with words of other quotes (so that statements made from one quote are as different as
two real ones: with half the words kept, the statements made from one quote, 45 of them at 1M rows, would
share phrases the real ones do not, and their candidate pairs would grow with the square of the size); a few statements repeat another's words with another speaker. Each statement is quoted
1 to 12 times (mean about 3), the first time as is, then as an exact copy, or with case, marks and spacing
changed, an ellipsis for a few words, a cut of 10-50% at either end, one or two words replaced, or one
sentence of it; 5% of the copies have no speaker. Quotes under 8 words are only copied, with surface changes.

Each size runs in a fresh process: wall and CPU time of `quote_groups` (corpus building excluded; CPU time
is less disturbed by other work on the machine), the process's peak memory, and the pairwise precision and recall of the grouping against the statements. `--incremental`
also groups 99% of the rows, then the last 1% with the index of the first run, and checks that the
result, and a run on shuffled rows, equal a fresh run's.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.groups.quotes import quote_groups
from pipeline.groups.text import ngrams, words

BENCH = ROOT.parent / "shared" / "bench" / "polnear"
MARKS = re.compile(r"^[\s\"'“”‘’]+|[\s\"'“”‘’]+$")


def base_statements() -> list[str]:
    """Distinct PolNeAR quote texts (marks trimmed), none sharing a third of its word pairs with an earlier one."""
    kept, postings = [], {}
    for split in ("train", "dev"):
        for line in (BENCH / f"{split}.jsonl").open(encoding="utf-8"):
            for quote in json.loads(line)["quotes"]:
                text = MARKS.sub("", quote["text"])
                tokens = words(text)
                pairs = ngrams(tokens, 2) or {tuple(tokens)}
                if not tokens:
                    continue
                shared = Counter(i for pair in pairs for i in postings.get(pair, ()))
                if shared and shared.most_common(1)[0][1] >= len(pairs) / 3:
                    continue
                for pair in pairs:
                    postings.setdefault(pair, []).append(len(kept))
                kept.append(text)
    return kept


def _edit(text: str, rng: random.Random, vocabulary: list[str]) -> str:
    tokens = text.split()
    choice = rng.random()
    if len(tokens) < 8 or choice < 0.45:
        return text if choice < 0.3 or rng.random() < 0.5 else _surface(text, rng)
    if choice < 0.6:
        return _surface(text, rng)
    if choice < 0.7:  # an ellipsis for one to three words
        at = rng.randrange(2, len(tokens) - 4)
        return " ".join(tokens[:at] + ["..."] + tokens[at + rng.randint(1, 3):])
    if choice < 0.85:  # a cut at either end
        keep = max(4, round(len(tokens) * rng.uniform(0.5, 0.9)))
        return " ".join(tokens[:keep] if rng.random() < 0.5 else tokens[-keep:])
    if choice < 0.95:  # one or two words replaced
        for at in rng.sample(range(len(tokens)), rng.randint(1, 2)):
            tokens[at] = rng.choice(vocabulary)
        return " ".join(tokens)
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s.split()) >= 4]
    return rng.choice(sentences) if len(sentences) > 1 else " ".join(tokens[: max(4, len(tokens) // 2)])


def _surface(text: str, rng: random.Random) -> str:
    change = rng.randrange(3)
    if change == 0:
        return text.upper() if rng.random() < 0.3 else text.lower()
    if change == 1:
        return text.replace("'", "’").replace(",", " ,").rstrip(".") + "..."
    return "  ".join(text.split())


def corpus(size: int, seed: int = 7) -> pd.DataFrame:
    """`size` quote rows with their true statement."""
    rng = random.Random(seed)
    bases = base_statements()
    vocabulary = sorted({w for text in bases for w in text.split()})
    n_speakers = max(20, size // 90)
    rows: list[tuple] = []
    statement = 0
    start = pd.Timestamp("2016-01-01")
    while len(rows) < size:
        text = bases[statement % len(bases)]
        if statement >= len(bases):  # a new statement: its words replaced but a fifth (others' words, its length)
            text = " ".join(w if rng.random() < 0.2 else rng.choice(vocabulary) for w in text.split())
        speaker = rng.randrange(n_speakers)
        if statement and rng.random() < 0.02:  # another speaker's words, said again
            text = rows[-1][2]
            speaker = (int((rows[-1][6] or "person:0").split(":")[1]) + 1) % n_speakers
        copies = min(12, int(np.random.default_rng(seed * 1_000_003 + statement).geometric(0.35)))
        day = rng.randrange(700)
        for copy in range(copies):
            quote = text if copy == 0 else _edit(text, rng, vocabulary)
            said = None if copy and rng.random() < 0.05 else speaker
            n = len(rows)
            rows.append((f"d{n // 4}/text/{n % 4}", f"d{n // 4}", quote, statement, start + pd.Timedelta(days=day + copy),
                         None if said is None else f"Speaker {said}", None if said is None else f"person:{said}"))
            if len(rows) >= size:
                break
        statement += 1
    return pd.DataFrame(rows, columns=["quote_id", "doc_id", "text", "statement", "published", "speaker",
                                       "speaker_entity_id"])


def pairwise(truth: pd.Series, predicted: pd.Series) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping (pairs of rows put together, against the true pairs)."""
    def pairs(counts: pd.Series) -> int:
        return int((counts * (counts - 1) // 2).sum())

    both = pairs(pd.DataFrame({"t": truth, "p": predicted}).value_counts())
    return both / max(pairs(predicted.value_counts()), 1), both / max(pairs(truth.value_counts()), 1)


def one(size: int, incremental: bool) -> dict:
    frame = corpus(size)
    started, cpu = time.perf_counter(), time.process_time()
    result = quote_groups(frame)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    precision, recall = pairwise(frame["statement"], pd.Series(result.group_ids))
    report = {"rows": size, "groups": len(result.groups), "seconds": round(seconds, 2),
              "us_per_row": round(seconds / size * 1e6, 1),
              "cpu_us_per_row": round(cpu / size * 1e6, 1), "precision": round(precision, 4),
              "recall": round(recall, 4)}
    if incremental:
        cut = int(size * 0.99)
        first = quote_groups(frame.iloc[:cut])
        started = time.perf_counter()
        rest = quote_groups(frame, known=first.index)
        report["incremental_1pct_seconds"] = round(time.perf_counter() - started, 2)
        report["incremental_equals_fresh"] = rest.group_ids == result.group_ids
        shuffled = frame.sample(frac=1, random_state=1)
        again = quote_groups(shuffled)
        report["shuffled_equals_fresh"] = dict(zip(shuffled["quote_id"], again.group_ids)) == result.group_of
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--incremental", action="store_true", help="also time a 1%% increment and check order")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.incremental)))
        return
    results = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size)] + (["--incremental"] if args.incremental else [])
        line = subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        results.append(json.loads(line))
        print(json.dumps(results[-1]), flush=True)
    for small, large in itertools.pairwise(results):
        print(f"time per row at {large['rows']:,} / at {small['rows']:,}: {large['us_per_row'] / small['us_per_row']:.2f}"
              f" (CPU time: {large['cpu_us_per_row'] / small['cpu_us_per_row']:.2f})")


if __name__ == "__main__":
    main()
