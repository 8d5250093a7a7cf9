"""Score predicted quotes against gold quotes (the /work/shared/bench JSONL layout).

Pure functions, no I/O except the gold loader:

- `score(gold_docs, predictions, *, kinds=None, errors=None) -> dict`: span precision/recall/F1
  (exact, exact after trimming marks and end punctuation, one-to-one overlap), speaker accuracy
  over overlap-matched quotes (strict, lenient, lenient+coref) and end-to-end P/R/F1 (span
  matched and speaker lenient-right), with the benchmark's semantics: `speaker_alt` names count,
  `kinds` restricts gold and drops predictions that only overlap excluded gold quotes. Predicted
  reported speech (kind "indirect") is scored only where the gold annotates it: a gold file of
  quotes alone, or `kinds` without "indirect", leaves such predictions out.
- `format_report(result) -> str`: a small table.
- `prediction_rows(doc_id, quotes, *, text, gold_text=None, with_marks=True)`: our Quote records
  as scorer rows, mapped onto the gold text when it differs from ours (`map_span`).

Gold docs: {"id", "text", "quotes": [{"start", "end", "text", "speaker", "kind"?, "speaker_resolved"?}]}.
Predictions: rows {"doc_id", "quote_start", "quote_end", "quote_text"?, "speaker", "speaker_alt"?}.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from pipeline.records import Quote

TRIM_CHARS = frozenset(" \t\n\u00a0\"'\u201c\u201d\u2018\u2019`.,;:!?")
IGNORED_NAME_WORDS = frozenset({"the", "a", "an", "of", "and", "s", "in", "to", "for", "on", "at"})
_WORD = re.compile(r"\w+")
_POSS = re.compile(r"'s\b")


# --- loading -------------------------------------------------------------------------------------

def load_gold(path: str | Path) -> dict[str, dict]:
    """Gold JSONL -> {doc id: doc}."""
    docs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                doc = json.loads(line)
                docs[doc["id"]] = doc
    return docs


# --- helpers -------------------------------------------------------------------------------------

def _missing(x) -> bool:
    if x is None:
        return True
    try:
        return bool(x != x)  # NaN
    except (TypeError, ValueError):
        return False


def _names(row: Mapping) -> list[str]:
    """The prediction's speaker and its alternative names."""
    names = [] if _missing(row.get("speaker")) else [str(row["speaker"])]
    alt = row.get("speaker_alt")
    if alt is not None and hasattr(alt, "tolist"):
        alt = alt.tolist()
    if isinstance(alt, str):
        alt = alt.split("|")
    if isinstance(alt, (list, tuple)):
        names += [str(a) for a in alt if not _missing(a) and str(a)]
    return names


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Span without surrounding whitespace, quotation marks and end punctuation."""
    while start < end and text[start] in TRIM_CHARS:
        start += 1
    while end > start and text[end - 1] in TRIM_CHARS:
        end -= 1
    return start, end


def _name_words(name: str) -> list[str]:
    name = " ".join(name.lower().split()).replace("\u2019", "'")
    return [w for w in _WORD.findall(_POSS.sub("", name)) if w not in IGNORED_NAME_WORDS]


def same_speaker(predicted: str | None, gold: str | None, *, lenient: bool = True) -> bool:
    """Strict: equal ignoring case and spacing. Lenient: or one name's content words are a
    contiguous run of the other's ('Kim' ~ 'Kim Song'). Two missing speakers agree."""
    if predicted is None or gold is None:
        return predicted is None and gold is None
    if " ".join(predicted.lower().split()) == " ".join(gold.lower().split()):
        return True
    if not lenient:
        return False
    a, b = _name_words(predicted), _name_words(gold)
    if not a or not b:
        return False
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    n = len(short)
    return any(long_[i:i + n] == short for i in range(len(long_) - n + 1))


def _speaker_right(row: Mapping, gold: str | None, *, lenient: bool) -> bool:
    speaker = None if _missing(row.get("speaker")) else str(row["speaker"])
    names = [speaker, *_names(row)[1 if speaker is not None else 0:]]
    return any(same_speaker(n, gold, lenient=lenient) for n in names)


def _overlap_pairs(gold_spans: list[tuple[int, int]], pred_spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """One-to-one matching of overlapping spans, largest overlap first."""
    cands = []
    for gi, (gs, ge) in enumerate(gold_spans):
        for pi, (ps, pe) in enumerate(pred_spans):
            ov = min(ge, pe) - max(gs, ps)
            if ov > 0:
                cands.append((-ov, gi, pi))
    cands.sort()
    used_g, used_p, pairs = set(), set(), []
    for _, gi, pi in cands:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            pairs.append((gi, pi))
    return pairs


def prf(tp: int, n_pred: int, n_gold: int) -> dict:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "tp": tp, "n_pred": n_pred, "n_gold": n_gold}


# --- scoring -------------------------------------------------------------------------------------

def score(gold_docs: Mapping[str, dict] | Iterable[dict], predictions: Iterable[Mapping], *,
          kinds: Iterable[str] | None = None, errors: list | None = None) -> dict:
    """Score prediction rows against gold documents (see module docstring)."""
    if not isinstance(gold_docs, Mapping):
        gold_docs = {d["id"]: d for d in gold_docs}
    kinds = set(kinds) if kinds else None
    gold_kinds = {q.get("kind") for doc in gold_docs.values() for q in doc.get("quotes", [])}
    with_indirect = "indirect" in (gold_kinds if kinds is None else gold_kinds & kinds)
    by_doc: dict[str, list[Mapping]] = defaultdict(list)
    for row in predictions:
        if with_indirect or row.get("kind") != "indirect":
            by_doc[str(row["doc_id"])].append(row)
    n = defaultdict(int)
    for doc_id, doc in gold_docs.items():
        text = doc["text"]
        golds = list(doc.get("quotes", []))
        preds = by_doc.get(doc_id, [])
        for p in preds:
            qt = p.get("quote_text")
            if not _missing(qt) and text[int(p["quote_start"]):int(p["quote_end"])] != qt:
                n["offset_mismatch"] += 1
        trim = lambda s, e: trim_span(text, int(s), int(e))  # noqa: E731
        if kinds is not None:
            excluded = [trim(g["start"], g["end"]) for g in golds if g.get("kind") not in kinds]
            golds = [g for g in golds if g.get("kind") in kinds]
            kept_spans = [trim(g["start"], g["end"]) for g in golds]
            overlaps = lambda a, spans: any(min(a[1], b[1]) > max(a[0], b[0]) for b in spans)  # noqa: E731
            keep = []
            for p in preds:
                ps = trim(p["quote_start"], p["quote_end"])
                if overlaps(ps, excluded) and not overlaps(ps, kept_spans):
                    n["dropped_excluded_kind"] += 1
                else:
                    keep.append(p)
            preds = keep
        n["gold"] += len(golds)
        n["pred"] += len(preds)
        raw_g = {(g["start"], g["end"]) for g in golds}
        raw_p = {(int(p["quote_start"]), int(p["quote_end"])) for p in preds}
        n["exact"] += len(raw_g & raw_p)
        g_sp = [trim(g["start"], g["end"]) for g in golds]
        p_sp = [trim(p["quote_start"], p["quote_end"]) for p in preds]
        n["exact_norm"] += len(set(g_sp) & set(p_sp))
        pairs = _overlap_pairs(g_sp, p_sp)
        n["overlap"] += len(pairs)
        for gi, pi in pairs:
            g, p = golds[gi], preds[pi]
            strict = _speaker_right(p, g.get("speaker"), lenient=False)
            lenient = _speaker_right(p, g.get("speaker"), lenient=True)
            coref = lenient or (g.get("speaker_resolved") is not None
                                and _speaker_right(p, g.get("speaker_resolved"), lenient=True))
            n["spk_strict"] += strict
            n["spk_lenient"] += lenient
            n["spk_coref"] += coref
            if errors is not None and not lenient:
                errors.append({"doc_id": doc_id, "type": "wrong_speaker", "start": g["start"],
                               "gold": g.get("text", "")[:200], "gold_speaker": g.get("speaker"),
                               "pred_speaker": p.get("speaker"), "pred_alt": _names(p)[1:]})
        if errors is not None:
            mg, mp = {gi for gi, _ in pairs}, {pi for _, pi in pairs}
            errors.extend({"doc_id": doc_id, "type": "missed", "start": g["start"], "gold": g.get("text", "")[:200],
                           "gold_speaker": g.get("speaker"), "kind": g.get("kind")}
                          for gi, g in enumerate(golds) if gi not in mg)
            errors.extend({"doc_id": doc_id, "type": "spurious", "start": int(p["quote_start"]),
                           "pred": text[int(p["quote_start"]):int(p["quote_end"])][:200],
                           "pred_speaker": p.get("speaker")}
                          for pi, p in enumerate(preds) if pi not in mp)
    matched = n["overlap"]
    return {
        "n_docs": len(gold_docs),
        "kinds": sorted(kinds) if kinds else "all",
        "exact": prf(n["exact"], n["pred"], n["gold"]),
        "exact_norm": prf(n["exact_norm"], n["pred"], n["gold"]),
        "overlap": prf(matched, n["pred"], n["gold"]),
        "speaker": {
            "n_matched": matched,
            "strict_acc": n["spk_strict"] / matched if matched else 0.0,
            "lenient_acc": n["spk_lenient"] / matched if matched else 0.0,
            "lenient_coref_acc": n["spk_coref"] / matched if matched else 0.0,
        },
        "end2end": prf(n["spk_lenient"], n["pred"], n["gold"]),
        "end2end_coref": prf(n["spk_coref"], n["pred"], n["gold"]),
        "pred_dropped_excluded_kind": n["dropped_excluded_kind"],
        "warnings": {"pred_quote_text_offset_mismatch": n["offset_mismatch"]} if n["offset_mismatch"] else {},
    }


def format_report(result: Mapping) -> str:
    """The scores as a small fixed-width table."""
    lines = [f"docs={result['n_docs']}  gold kinds={result['kinds']}  gold={result['overlap']['n_gold']}  "
             f"pred={result['overlap']['n_pred']}",
             f"{'metric':<22}{'P':>8}{'R':>8}{'F1':>8}{'TP':>7}"]
    for key, label in (("exact", "span exact"), ("exact_norm", "span exact-norm"), ("overlap", "span overlap"),
                       ("end2end", "end2end (lenient)"), ("end2end_coref", "end2end (+coref)")):
        m = result[key]
        lines.append(f"{label:<22}{m['p']:>8.3f}{m['r']:>8.3f}{m['f1']:>8.3f}{m['tp']:>7d}")
    s = result["speaker"]
    lines.append(f"speaker acc over {s['n_matched']} matched: strict={s['strict_acc']:.3f} "
                 f"lenient={s['lenient_acc']:.3f} lenient+coref={s['lenient_coref_acc']:.3f}")
    lines += [f"WARNING {k}: {v}" for k, v in result.get("warnings", {}).items()]
    return "\n".join(lines)


# --- predictions ---------------------------------------------------------------------------------

def map_span(start: int, end: int, *, text: str, gold_text: str) -> tuple[int, int] | None:
    """Offsets of text[start:end] in gold_text: identical texts map as is; otherwise the
    occurrence of the same words nearest the same relative position (whitespace-insensitive)."""
    if text == gold_text:
        return start, end
    needle = text[start:end]
    if not needle.strip():
        return None
    expected = int(start * len(gold_text) / max(1, len(text)))
    hits = [m.start() for m in re.finditer(re.escape(needle), gold_text)]
    if hits:
        s = min(hits, key=lambda h: abs(h - expected))
        return s, s + len(needle)
    pattern = r"[\s\u200b-\u200d\ufeff]+".join(re.escape(w) for w in needle.split())  # cleaning drops zero-widths
    hits = [(m.start(), m.end()) for m in re.finditer(pattern, gold_text)]
    if hits:
        return min(hits, key=lambda h: abs(h[0] - expected))
    return None


def _with_marks(text: str, start: int, end: int) -> tuple[int, int]:
    """Extend a mark-less quote span over its quotation marks, when present."""
    marks = "\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb`"
    s = start
    while s > 0 and text[s - 1] in marks and start - s < 2:
        s -= 1
    e = end
    while e < len(text) and text[e] in marks and e - end < 2:
        e += 1
    return s, e


def prediction_rows(doc_id: str, quotes: Sequence[Quote], *, text: str, gold_text: str | None = None,
                    with_marks: bool = True) -> list[dict]:
    """Scorer rows for one document's quotes; `speaker` is the canonical name and
    `speaker_alt` the mention as written."""
    rows = []
    target = text if gold_text is None else gold_text
    for q in quotes:
        span = map_span(q.start, q.end, text=text, gold_text=target)
        if span is None:
            continue
        s, e = _with_marks(target, *span) if with_marks else span
        alts = [q.speaker_mention] if q.speaker_mention and q.speaker_mention != q.speaker else []
        rows.append({"doc_id": doc_id, "quote_start": s, "quote_end": e, "quote_text": target[s:e],
                     "speaker": q.speaker,
                     "speaker_alt": alts, "kind": q.kind, "rule": q.rule,
                     "cue": q.cue, "confidence": q.confidence})
    return rows
