"""The antecedent of a pronoun, and the person in focus: salience over the people just before."""

from __future__ import annotations

import bisect

from spacy.tokens import Token

from pipeline.quotes.context import Context
from pipeline.quotes.cues import is_cue
from pipeline.records import Mention
from pipeline.resolve.gender import GENDERED, gender_of


def pronoun_antecedent(ctx: Context, tok: Token, state: dict) -> Mention | None:
    """Most salient antecedent of a pronoun used as a speaker.

    Candidates are the people mentioned before it in its paragraph and the two before; the
    score favours the subject of the same or previous sentence, the current paragraph, the
    last speaker, recent mentions, and drops people of the other gender (titles, given names,
    earlier pronouns)."""
    info = ctx.lex.pronouns.get(tok.lower_, {})
    kind = info.get("type")
    last = state.get("last")
    if kind in ("ORGANIZATION", "GROUP") and tok.lower_ in ("it", "they"):
        # "it"/"they": an organisation or country that is the subject just before, else the last speaker
        my_sent = ctx.sent_of(tok.i)
        lo_char = ctx.doc[ctx.sents[max(0, my_sent - 1)][0]].idx
        i = bisect.bisect_left(ctx.m_starts, tok.idx) - 1
        while i >= 0 and ctx.mentions[i].start >= lo_char:
            m = ctx.mentions[i]
            i -= 1
            h = ctx.doc[ctx._tok(m.end - 1)]
            if m.label != "PERSON" and (h.dep_ in ("nsubj", "nsubjpass") or _opens_sentence(ctx, m)) \
                    and not ctx.in_quote[h.i]:
                return m
        return last if last is not None and last.label != "PERSON" else None
    if kind != "PERSON":
        return None
    return salient_person(ctx, tok, state, info.get("gender"))


def _opens_sentence(ctx: Context, m: Mention) -> bool:
    """A mention that opens its sentence (after a determiner): its subject where the parse failed."""
    first = ctx.doc[ctx._tok(m.start)]
    before = ctx.doc[first.sent.start:first.i]
    return all(t.pos_ == "DET" or t.is_punct for t in before) and not first.sent[0].is_quote


# salience weights (set on PolNeAR train: he/she speakers against the corpus's resolved names)
W = {"recency": 0.4, "subj_near": 6.0, "subj_far": 0.5, "subj_cue": 1.0, "same_para": 1.0, "in_quote": 2.5,
     "last_near": 1.0, "last_far": 0.0}
AMBIGUOUS_MARGIN = 2.0  # a runner-up this close to the chosen person makes the choice uncertain


def salient_person(ctx: Context, tok: Token, state: dict, gender: str | None, *,
                    min_score: float = -5.0, depth: int = 0) -> Mention | None:
    """The person in focus just before `tok`: scored over the people mentioned in its paragraph
    and the two before (subjects, above all of reporting verbs, in the same or the previous
    sentence; the current paragraph; the last speaker; recency), people of the other gender
    excluded. A "he"/"she" subject on the way counts as the person it stands for."""
    key = (tok.i, gender, min_score)
    if key in ctx.salience_cache:
        return ctx.salience_cache[key]
    last = state.get("last")
    pos = tok.idx
    para = ctx.para_of(pos)
    lo_char = ctx.paras[max(0, para - 2)][0]
    my_sent = ctx.sent_of(tok.i)
    last_para = state.get("last_para")
    scores: dict[str, tuple[float, Mention]] = {}
    candidates: list[tuple[Token, Mention]] = []
    i = bisect.bisect_left(ctx.m_starts, pos) - 1
    while i >= 0 and ctx.mentions[i].start >= lo_char:
        m = ctx.mentions[i]
        i -= 1
        if m.label == "PERSON" and m.end <= pos:
            candidates.append((ctx.doc[ctx._tok(m.end - 1)], m))
    if depth < 3:  # earlier "he"/"she" subjects stand for the person they resolve to
        first = ctx._tok(lo_char)
        for k in range(tok.i - 1, first - 1, -1):
            p = ctx.doc[k]
            g = GENDERED.get(p.lower_)
            if g and p.dep_ in ("nsubj", "nsubjpass") and not ctx.in_quote[k] and (gender is None or g == gender) \
                    and p.lower_ in ("he", "she"):
                ante = salient_person(ctx, p, state, g, depth=depth + 1)
                if ante is not None:
                    candidates.append((p, ante))
    for h, m in candidates:
        mt = h.i
        sents_back = my_sent - ctx.sent_of(mt)
        score = -W["recency"] * sents_back
        subject = h.dep_ in ("nsubj", "nsubjpass") or (h.dep_ == "appos" and h.head.dep_ in ("nsubj", "nsubjpass"))
        if sents_back <= 1 and subject:
            score += W["subj_near"]
        elif subject:
            score += W["subj_far"]
        if subject and is_cue(ctx, h.head if h.dep_ != "appos" else h.head.head):
            score += W["subj_cue"]
        if ctx.para_of(h.idx) == para:
            score += W["same_para"]
        if ctx.in_quote[mt]:
            score -= W["in_quote"]
        if sents_back == 0 and h.dep_ in ("dobj", "pobj", "dative", "poss"):
            score -= 1.0
        if gender and gender_of(ctx, m) not in (None, gender):
            score -= 10
        if m.entity_id not in scores or scores[m.entity_id][0] < score:
            scores[m.entity_id] = (score, m)
    if last is not None and last.label == "PERSON" and last_para is not None and para - last_para <= 2:
        bonus = W["last_near"] if last_para == para or para - last_para == 1 else W["last_far"]
        prev = scores.get(last.entity_id)
        base = prev[0] if prev else -1.0
        if gender and gender_of(ctx, last) not in (None, gender):
            base -= 10
        scores[last.entity_id] = (base + bonus, prev[1] if prev else last)
    best = None
    if scores:
        ranked = sorted((s for s, _ in scores.values()), reverse=True)
        score, best = max(scores.values(), key=lambda x: x[0])
        if score < min_score:
            best = None
        elif len(ranked) > 1 and ranked[0] - ranked[1] < AMBIGUOUS_MARGIN:
            ctx.ambiguous.add(tok.i)  # two compatible people almost as salient: a less certain choice
    ctx.salience_cache[key] = best
    return best


