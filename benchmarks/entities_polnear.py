"""Entity canonicalisation on a PolNeAR split: name resolution, entities per article, time share.

    python benchmarks/entities_polnear.py --split dev

Prints (and writes as JSON with --out):
- PERSON mentions resolving to a multi-word canonical name (a partial "Clinton" counts when
  it resolves to "Hillary Clinton");
- distinct entities per article: spaCy's own PERSON, ORG, GPE and NORP spans (distinct
  label + text), the kept mentions by label + text as written (before canonicalisation)
  and by entity_id (after);
- named speakers (dev: gold speaker_canonical) whose gold span holds a mention with that
  canonical name;
- time: the project parse (lemmatizer excluded) without `news_entity_rules`, the component,
  `mentions`, the entity step's share of parse + entities, and the bare full spaCy model on
  the same texts for comparison (parses timed as the best of --repeat alternating runs).
The texts are read from /work/shared/bench at run time; nothing of them is stored here.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.entities import DEFAULT_LABELS, mentions  # noqa: E402
from pipeline.model import load_nlp  # noqa: E402

BENCH = ROOT.parent / "shared" / "bench" / "polnear"
SPACY_LABELS = {"PERSON", "ORG", "GPE", "NORP"}


def read_split(split: str) -> list[dict]:
    """Articles of a split, with gold canonical speakers where the split has them."""
    path = BENCH / f"{split}_canonical.jsonl"
    path = path if path.exists() else BENCH / f"{split}.jsonl"
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def speaker_hits(article: dict, found: list) -> tuple[int, int]:
    """Named gold speakers with a canonical name, and how many a mention in their span matches."""
    gold = [q for q in article["quotes"] if q.get("speaker_type") == "name" and q.get("speaker_canonical")
            and q.get("speaker_start") is not None]
    hits = sum(any(q["speaker_start"] <= m.start and m.end <= q["speaker_end"]
                   and m.canonical_name == q["speaker_canonical"] for m in found) for q in gold)
    return len(gold), hits


def measure(split: str, *, batch_size: int, repeat: int) -> dict:
    """The figures for one split; times are the best of `repeat` alternating runs."""
    import spacy

    articles = read_split(split)
    texts = [a["text"] for a in articles]
    nlp = load_nlp()
    bare = spacy.load(nlp.meta["package"])
    rules = nlp.get_pipe("news_entity_rules")
    parse_times, bare_times = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        with nlp.select_pipes(disable=["news_entity_rules"]):
            docs = list(nlp.pipe(texts, batch_size=batch_size))
        parse_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        for _ in bare.pipe(texts, batch_size=batch_size):
            pass
        bare_times.append(time.perf_counter() - started)
    parse = min(parse_times)
    before = [len({(e.label_, e.text) for e in doc.ents if e.label_ in SPACY_LABELS}) for doc in docs]
    started = time.perf_counter()
    docs = [rules(doc) for doc in docs]
    component = time.perf_counter() - started
    started = time.perf_counter()
    found = [list(mentions(doc, keep_labels=DEFAULT_LABELS)) for doc in docs]
    linking = time.perf_counter() - started
    people = [m for ms in found for m in ms if m.label == "PERSON"]
    partial = [m for m in people if " " not in m.text]
    speakers = [speaker_hits(a, ms) for a, ms in zip(articles, found)]
    entity_step = component + linking
    return {
        "split": split, "articles": len(articles),
        "person_mentions": len(people),
        "person_multiword_canonical": sum(" " in m.canonical_name for m in people),
        "person_partial_mentions": len(partial),
        "person_partial_resolved_to_full": sum(" " in m.canonical_name for m in partial),
        "entities_per_article_spacy_spans": round(statistics.mean(before), 2),
        "entities_per_article_before": round(statistics.mean(len({(m.label, m.text) for m in ms}) for ms in found), 2),
        "entities_per_article_after": round(statistics.mean(len({m.entity_id for m in ms}) for ms in found), 2),
        "named_speakers": sum(n for n, _ in speakers),
        "named_speakers_canonical_match": sum(h for _, h in speakers),
        "seconds_parse": round(parse, 3), "seconds_entity_rules": round(component, 3),
        "seconds_mentions": round(linking, 3),
        "entity_step_share": round(entity_step / (parse + entity_step), 4),
        "seconds_project_pipeline": round(parse + entity_step, 3),
        "seconds_bare_spacy": round(min(bare_times), 3),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="dev", choices=["train", "dev"])
    parser.add_argument("--batch-size", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs; the best counts")
    parser.add_argument("--out", help="write the figures as JSON here too")
    args = parser.parse_args(argv)
    figures = measure(args.split, batch_size=args.batch_size, repeat=args.repeat)
    for key, value in figures.items():
        print(f"{key:34} {value}")
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=1) + "\n", "utf-8")
    return figures


if __name__ == "__main__":
    main()
