"""Direct, mixed and indirect quotes on PolNeAR's full attribution annotation, scored with the shared scorer.

    python benchmarks/attributions_polnear.py --split dev --out /tmp/attr [--cache /tmp/polnear_cache] [--limit N]

Parses the split's texts (`../shared/bench/polnear/attributions/<split>.jsonl`, the same texts as
`polnear/<split>.jsonl`) with the project model, or loads a DocBin cache of that parse made with the
entity rules disabled (`quotes_polnear.load_docs`), runs the entity rules and `pipeline.quotes.quotes` on each doc, writes the
predictions (`predictions.parquet`: doc_id, quote_start, quote_end, quote_text, speaker = canonical
name, speaker_alt = the mention as written, kind) to --out and prints the shared scorer's figures
for all kinds together, then direct, mixed and indirect alone (`--kinds`: every prediction that
overlaps no gold record of another kind counts, so reported speech the annotators left out weighs
on the direct and mixed figures too), and direct scored on the rows in quotation marks alone. The PolNeAR texts are read from
../shared at run time; nothing of them is stored in the repository.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from quotes_polnear import (
    load_docs,  # the same texts as polnear/<split>.jsonl: the same parse and cache
)

from pipeline import entities, evaluate
from pipeline.model import load_nlp
from pipeline.quotes import quotes

BENCH = ROOT.parent / "shared" / "bench"
KINDS = (("all kinds", None), ("direct", "direct"), ("mixed", "mixed"), ("indirect", "indirect"))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev", choices=["train", "dev"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", default="", help="folder for a DocBin cache of the parse, shared with quotes_polnear.py "
                                                "('' to always parse; not with --limit)")
    ap.add_argument("--limit", type=int, default=0, help="only the first N articles (quick tuning runs)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    gold_path = BENCH / "polnear" / "attributions" / f"{a.split}.jsonl"
    gold = evaluate.load_gold(gold_path)
    if a.limit:
        gold = dict(list(gold.items())[:a.limit])
        gold_path = out / "gold.jsonl"
        with open(gold_path, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(doc, ensure_ascii=False) + "\n" for doc in gold.values())
    nlp = load_nlp()
    docs, _ = load_docs(nlp, a.split, [g["text"] for g in gold.values()],
                        Path(a.cache) if a.cache and not a.limit else None)
    rows, seconds = [], 0.0
    for (doc_id, g), doc in zip(gold.items(), docs):
        t0 = time.perf_counter()
        found = list(quotes(doc, list(entities.mentions(doc))))
        seconds += time.perf_counter() - t0
        rows += evaluate.prediction_rows(doc_id, found, text=doc.text, gold_text=g["text"])
    import pandas as pd

    pred_path = out / "predictions.parquet"
    pd.DataFrame(rows).to_parquet(pred_path, index=False)
    by_kind = pd.Series([r["kind"] for r in rows]).value_counts().to_dict()
    print(f"{a.split}: {len(docs)} docs, {len(rows)} predictions {by_kind}; mentions + quotes {seconds:.1f}s")
    quoted_path = out / "predictions_quoted.parquet"  # the rows in quotation marks alone
    pd.DataFrame([r for r in rows if r["kind"] != "indirect"]).to_parquet(quoted_path, index=False)
    results = {}
    for label, kinds in (*KINDS, ("direct, quote rows only", "direct")):
        preds = quoted_path if label.endswith("only") else pred_path
        cmd = [sys.executable, str(BENCH / "score_quotes.py"), str(gold_path), str(preds), "--json",
               "--errors", str(out / f"errors_{label.replace(' ', '_').replace(',', '')}.jsonl")]
        res = json.loads(subprocess.run(cmd + (["--kinds", kinds] if kinds else []), check=True,
                                        capture_output=True, text=True).stdout)
        results[label] = res
        ov, e2e = res["overlap"], res["end2end"]
        print(f"{label:<24} gold {ov['n_gold']:>5} pred {ov['n_pred']:>5}  span overlap P {ov['p']:.3f} R {ov['r']:.3f} "
              f"F1 {ov['f1']:.3f}  e2e P {e2e['p']:.3f} R {e2e['r']:.3f} F1 {e2e['f1']:.3f}  "
              f"speaker acc {res['speaker']['lenient_acc']:.3f}")
    with open(out / "scores.json", "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    return results


if __name__ == "__main__":
    main()
