"""Canonical speakers on a PolNeAR *_canonical split: scores, every error, and a calibration table.

    python -m pipeline evaluate --gold ../shared/bench/polnear/dev_canonical.jsonl --out /tmp/ev
    python benchmarks/canonical_polnear.py --gold ../shared/bench/polnear/dev_canonical.jsonl --out /tmp/ev

Reads the tables `python -m pipeline evaluate` wrote to --out, scores the quotes with the canonical
name alone against `speaker_canonical` (direct, then direct+mixed), writes every canonical error
with the predicted mention and rule to `canonical_errors.jsonl` in --out, and prints a calibration
table: per confidence bin, the quotes found and the share whose canonical speaker is right.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline import evaluate  # noqa: E402
from pipeline.stages.evaluation import evaluation_rows  # noqa: E402

BINS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 1.01)


def calibration(gold: dict, rows: list[dict], kinds: set[str] | None) -> list[tuple[float, float, int, int]]:
    """(low, high, quotes matched to a gold quote, canonical speaker right) per confidence bin."""
    counts = defaultdict(lambda: [0, 0])
    by_doc = defaultdict(list)
    for r in rows:
        by_doc[r["doc_id"]].append(r)
    for doc_id, doc in gold.items():
        golds = [q for q in doc["quotes"] if kinds is None or q.get("kind") in kinds]
        preds = by_doc.get(doc_id, [])
        text = doc["text"]
        g_sp = [evaluate.trim_span(text, g["start"], g["end"]) for g in golds]
        p_sp = [evaluate.trim_span(text, int(p["quote_start"]), int(p["quote_end"])) for p in preds]
        for gi, pi in evaluate._overlap_pairs(g_sp, p_sp):
            p = preds[pi]
            right = evaluate._speaker_right(p, golds[gi].get("speaker_canonical"), lenient=True)
            k = max(i for i, low in enumerate(BINS[:-1]) if round(p["confidence"], 6) >= low)
            counts[k][0] += 1
            counts[k][1] += right
    return [(BINS[k], BINS[k + 1], *counts[k]) for k in sorted(counts)]


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True, help="the folder `python -m pipeline evaluate` wrote")
    a = ap.parse_args(argv)
    gold = evaluate.load_gold(a.gold)
    local = evaluation_rows(a.out, gold)
    rows = [{**r, "speaker_alt": []} for r in local]
    canon = {i: {**d, "quotes": [{**q, "speaker": q.get("speaker_canonical")} for q in d["quotes"]]}
             for i, d in gold.items()}
    by_start = {(r["doc_id"], r["quote_start"]): r for r in local}
    results = {}
    for name, kinds in (("direct", {"direct"}), ("direct+mixed", None)):
        errors: list = []
        results[name] = evaluate.score(canon, rows, kinds=kinds, errors=errors)
        print(f"== canonical {name}\n" + evaluate.format_report(results[name]))
        if name == "direct":
            with open(a.out / "canonical_errors.jsonl", "w", encoding="utf-8") as f:
                for e in errors:
                    if e["type"] == "wrong_speaker":
                        near = [r for (d, s), r in by_start.items() if d == e["doc_id"] and abs(s - e["start"]) < 3]
                        if near:
                            e["rule"], e["confidence"] = near[0]["rule"], near[0]["confidence"]
                            e["pred_mention"] = (near[0]["speaker_alt"] or [near[0]["speaker"]])[0]
                    f.write(json.dumps(e, ensure_ascii=False) + "\n")
        table = calibration(gold, rows, kinds)
        print(f"\ncalibration ({name}): confidence bin, quotes found, canonical speaker right")
        for low, high, n, right in table:
            print(f"  [{low:.2f}, {min(high, 1.0):.2f}{']' if high > 1 else ')'}  {n:5d}  {right / n:6.1%}")
        high = [(n, r) for low, _, n, r in table if low >= 0.9]
        if high:
            n, r = map(sum, zip(*high))
            print(f"  >= 0.90: {n} quotes, {r / n:.1%} right")
        results[f"calibration {name}"] = table
    return results


if __name__ == "__main__":
    main()
