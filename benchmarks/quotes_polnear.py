"""Quote extraction and attribution on a PolNeAR split, scored with the shared benchmark scorer.

    python benchmarks/quotes_polnear.py --split dev --out /tmp/q [--cache /work/cache]

Parses the split with the project model (or loads a DocBin cache made with the entity rules
disabled, then runs the current `news_entity_rules` on each doc), runs `pipeline.quotes.quotes`,
writes predictions (quotes.parquet / quotes.jsonl, canonical.jsonl) to --out and prints the
scores: direct, direct+mixed (speaker = canonical name, speaker_alt = the mention as written)
and canonical (dev only: gold speaker_canonical, canonical name alone). The PolNeAR texts are
read from /work/shared/bench at run time; nothing of them is stored in the repository.
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

from pipeline import entities, evaluate  # noqa: E402
from pipeline.model import load_nlp  # noqa: E402
from pipeline.quotes import quotes  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench"


def load_docs(nlp, split: str, texts: list[str], cache: Path | None):
    """Parsed docs of a split (entity rules always applied fresh)."""
    from spacy.tokens import DocBin

    path = cache / f"polnear_{split}.spacy" if cache else None
    if path is not None and path.exists():
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        if len(docs) == len(texts) and all(d.text == t for d, t in zip(docs, texts)):
            rules = nlp.get_pipe("news_entity_rules")
            return [rules(d) for d in docs], 0.0
    t0 = time.perf_counter()
    with nlp.select_pipes(disable=["news_entity_rules"]):
        docs = list(nlp.pipe(texts, batch_size=20))
    parse = time.perf_counter() - t0
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = DocBin(store_user_data=False)
        for d in docs:
            db.add(d)
        db.to_disk(path)
    rules = nlp.get_pipe("news_entity_rules")
    return [rules(d) for d in docs], parse


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--split", default="dev", choices=["train", "dev"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--cache", default="/work/cache", help="DocBin cache dir ('' to always parse)")
    ap.add_argument("--single-quotes", default="auto", choices=["auto", "always", "never"])
    ap.add_argument("--shared-scorer", action="store_true", help="also run /work/shared/bench/score_quotes.py")
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    gold_path = BENCH / "polnear" / f"{a.split}.jsonl"
    gold = evaluate.load_gold(gold_path)
    nlp = load_nlp()
    docs, parse_s = load_docs(nlp, a.split, [g["text"] for g in gold.values()], Path(a.cache) if a.cache else None)
    rows, t_quotes, t_mentions = [], 0.0, 0.0
    for (doc_id, g), doc in zip(gold.items(), docs):
        t0 = time.perf_counter()
        ms = list(entities.mentions(doc))
        t1 = time.perf_counter()
        qs = list(quotes(doc, ms, single_quotes=a.single_quotes))
        t2 = time.perf_counter()
        t_mentions += t1 - t0
        t_quotes += t2 - t1
        rows += evaluate.prediction_rows(doc_id, qs, text=doc.text, gold_text=g["text"])
    import pandas as pd

    pd.DataFrame(rows).to_parquet(out / "quotes.parquet", index=False)
    with open(out / "quotes.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    with open(out / "canonical.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps({k: v for k, v in r.items() if k != "speaker_alt"}, ensure_ascii=False) + "\n")
    words = sum(len(g["text"].split()) for g in gold.values())
    print(f"{a.split}: {len(docs)} docs, {words} words, {len(rows)} quotes; quote extraction {t_quotes:.2f}s "
          f"({1000 * t_quotes / len(docs):.1f} ms/doc), mentions {t_mentions:.2f}s"
          + (f", parse {parse_s:.1f}s ({100 * t_quotes / parse_s:.1f}% of parse)" if parse_s else " (parse cached)"))
    results = {}
    for name, kinds in (("direct", {"direct"}), ("direct+mixed", None)):
        errs: list = []
        res = evaluate.score(gold, rows, kinds=kinds, errors=errs)
        results[name] = res
        with open(out / f"errors_{name}.jsonl", "w", encoding="utf-8") as f:
            for e in errs:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
        print(f"\n== {name}\n" + evaluate.format_report(res))
    canon_path = BENCH / "polnear" / f"{a.split}_canonical.jsonl"
    if canon_path.exists():
        canon = evaluate.load_gold(canon_path)
        for doc in canon.values():
            for q in doc["quotes"]:
                q["speaker"] = q.get("speaker_canonical")
                q.pop("speaker_resolved", None)
        with open(out / "gold_canonical.jsonl", "w", encoding="utf-8") as f:
            for doc in canon.values():
                f.write(json.dumps(doc, ensure_ascii=False) + "\n")
        crow = [{k: v for k, v in r.items() if k != "speaker_alt"} for r in rows]
        for name, kinds in (("canonical direct", {"direct"}), ("canonical direct+mixed", None)):
            errs = []
            res = evaluate.score(canon, crow, kinds=kinds, errors=errs)
            results[name] = res
            with open(out / f"errors_{name.replace(' ', '_')}.jsonl", "w", encoding="utf-8") as f:
                for e in errs:
                    f.write(json.dumps(e, ensure_ascii=False) + "\n")
            print(f"\n== {name}\n" + evaluate.format_report(res))
    if not canon_path.exists():
        # no hand-made canonical names for this split: a noisy proxy (the written name, else the
        # corpus's automatic speaker_resolved) to watch resolution while tuning
        import re

        proxy = json.loads(json.dumps(gold))
        titles = re.compile(r"^(?:(?:mr|mrs|ms|dr|sen|rep|gov|gen|president|senator|former|the)\.?\s+)+", re.I)
        for doc in proxy.values():
            for q in doc["quotes"]:
                name = q["speaker"] if q.get("speaker_type") == "name" else q.get("speaker_resolved")
                if name:
                    name = titles.sub("", re.split(r",|\(| who ", name)[0]).strip() or None
                q["speaker"] = name
                q.pop("speaker_resolved", None)
                if name is None:
                    q["kind"] = "unresolved"
        crow = [{k: v for k, v in r.items() if k != "speaker_alt"} for r in rows]
        errs = []
        res = evaluate.score(proxy, crow, kinds={"direct"}, errors=errs)
        results["proxy canonical direct"] = res
        with open(out / "errors_proxy_canonical.jsonl", "w", encoding="utf-8") as f:
            for e in errs:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")
        print("\n== proxy canonical direct (speaker_resolved for pronouns/descriptions; noisy)\n"
              + evaluate.format_report(res))
    if a.shared_scorer and (BENCH / "score_quotes.py").exists():
        scorer = [sys.executable, str(BENCH / "score_quotes.py")]
        for label, gpath, ppath, kinds in (
                ("direct", gold_path, out / "quotes.parquet", ["--kinds", "direct"]),
                ("direct+mixed", gold_path, out / "quotes.parquet", []),
                ("canonical direct", out / "gold_canonical.jsonl", out / "canonical.jsonl", ["--kinds", "direct"])):
            if not Path(gpath).exists():
                continue
            print(f"\n== shared scorer: {label}", flush=True)
            subprocess.run([*scorer, str(gpath), str(ppath), *kinds], check=False)
    return results


if __name__ == "__main__":
    main()
