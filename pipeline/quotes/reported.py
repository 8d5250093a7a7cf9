"""Reported speech (kind "indirect"): the content a reporting verb or noun governs, attributed
through the same speaker resolution as direct quotes, merged with a document's direct quotes.

- a verb's complement: "X said (that) the council was overstepping", "X warned of ...", "X vowed
  to ...", "X endorsed the plan" (what a verb takes is data: `takes` in models/reporting_cues.jsonl);
- the rest of the sentence around "according to X";
- a that-clause after a noun: "X's claim that ...", "X made the claim that ...";
- "The plan, X said, is dead": the clause around a parenthetical reporting verb, one row per piece;
- an impression nobody is named for (`takes` "subject"): "X seems to ...", "X is expected to ...",
  the subject and the complement as two pieces without a speaker; likewise the clause around an
  adverb such as "reportedly".

A reported clause that holds a quote is not a second row: a partial quote inside it (a mixed
quote) keeps its own row and attribution, and the clause becomes its context (`context_start`,
`context_end`); a clause overlapping a full quote is dropped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from spacy.tokens import Doc, Token

from pipeline.quotes.attribution import from_cue
from pipeline.quotes.context import Attribution, Context
from pipeline.quotes.lexicon import ReportingCue
from pipeline.quotes.marks import quoted_spans
from pipeline.records import Mention, Quote
from pipeline.resolve.gender import infer_genders
from pipeline.resolve.roles import speaker_details
from pipeline.resolve.speakers import resolve_speaker

_TAKES = {"ccomp": "clause", "xcomp": "to", "dobj": "object", "nsubjpass": "object"}
_COMPLEMENTS = ("xcomp", "acomp", "oprd", "attr", "ccomp")
_PREPS = ("about", "for", "of", "against")
_PASSIVE_PREPS = ("as", "of", "with", "for", "about")
_NOUN_PREPS = ("about", "on", "for", "of", "against")
_NOT_CONTENT = ("DATE", "TIME", "GPE", "LOC", "FAC", "CARDINAL", "ORDINAL", "QUANTITY", "MONEY", "PERCENT")
_PERSONAL = frozenset({"he", "she", "they", "we", "i"})
_CONFIDENCE = {"reported": 0.7, "according_to": 0.8}
_EMPTY = frozenset({"it", "this", "that", "so", "these", "those", "what", "which", "something", "anything",
                    "nothing", "everything", "him", "her", "them", "me", "us", "you", "one"})


@dataclasses.dataclass(frozen=True, slots=True)
class Clause:
    """Reported content (char pieces, text order) and the cue that reports it."""

    pieces: tuple[tuple[int, int], ...]
    cue_tok: Token
    cue: ReportingCue
    sourced: bool = True  # False: an impression ("X seems to ..."), attributed to nobody


def with_reported(doc: Doc, mentions: Sequence[Mention], direct: Sequence[Quote], *,
                  single_quotes: str = "auto") -> list[Quote]:
    """The direct quotes (with `cue_type`, mixed ones with their reported context) and the
    document's reported speech, in text order."""
    ctx = Context(doc, mentions, list(quoted_spans(doc.text, single_quotes=single_quotes)))
    infer_genders(ctx)
    lex = ctx.lex
    direct = [dataclasses.replace(q, cue_type=lex.cue_type(q.cue)) for q in direct]
    out: list[Quote] = []
    state: dict = {}
    seen: set[tuple[int, int]] = set()
    events = sorted([(q.start, 0, q) for q in direct] + [(c.cue_tok.idx, 1, c) for c in clauses(ctx)],
                    key=lambda e: (e[0], e[1]))
    for _, is_clause, item in events:
        if not is_clause:
            who = _speaker_mention(ctx, item)
            if who is not None:
                state["last"], state["last_para"] = who, ctx.para_of(item.start)
            continue
        pieces = []
        for s, e in item.pieces:
            inside = [i for i, q in enumerate(direct) if q.start < e and s < q.end]
            if not inside:
                pieces.append((s, e))
            for i in inside:  # a quote in the clause: the clause is the mixed quote's context
                q = direct[i]
                if q.kind == "partial" and q.context_start is None and _words_outside(ctx.text, (s, e), q):
                    direct[i] = dataclasses.replace(q, context_start=min(s, q.start), context_end=max(e, q.end))
        pieces = [p for p in pieces if p not in seen]
        if not pieces:
            continue
        att = _attribution(ctx, item, state)
        if att is None:
            continue
        if att.speaker is not None:
            state["last"], state["last_para"] = att.speaker, ctx.para_of(item.cue_tok.idx)
        seen.update(pieces)
        who = att.speaker
        role, affiliation, certainty = speaker_details(ctx, att)
        said = {"speaker_mention": att.mention_text, "speaker_mention_start": att.mention_start,
                "speaker_mention_end": att.mention_end, "speaker": who and who.canonical_name,
                "speaker_entity_id": who and who.entity_id, "speaker_type": who and who.label,
                "cue": att.cue, "rule": att.rule, "cue_type": item.cue.cue_type,
                "confidence": _CONFIDENCE[att.rule] * (1.0 if who is not None else 0.8) * certainty,
                "speaker_role": role, "speaker_affiliation_id": affiliation}
        out += [Quote(start=s, end=e, text=ctx.text[s:e], kind="indirect", **said) for s, e in pieces]
    return sorted(direct + out, key=lambda q: (q.start, q.end))


def clauses(ctx: Context) -> Iterator[Clause]:
    """Every reported content of the document, by its cue's position."""
    lex = ctx.lex
    for tok in ctx.doc:
        if ctx.in_quote[tok.i] or tok.is_punct:
            continue
        if tok.lower_ == "according" and tok.i + 1 < len(ctx.doc) and ctx.doc[tok.i + 1].lower_ == "to":
            found = _around(ctx, tok, _sentence(ctx, tok))
            cue = lex.reporting_verbs.get("according to") or ReportingCue("according to", "phrase", "statement", ())
        elif (cue := lex.reporting_verbs.get(tok.lower_)) is not None and tok.pos_ in ("VERB", "AUX"):
            if (found := _impression(ctx, tok, cue)):
                yield Clause(tuple(found), tok, cue, sourced=False)
                continue
            found = _verb_content(ctx, tok, cue)
        elif tok.pos_ == "VERB" and (cue := lex.reporting_verbs.get("*")) is not None and _source_like(ctx, tok):
            found = _verb_content(ctx, tok, dataclasses.replace(cue, lemma=tok.lemma_.lower()))
        elif (cue := lex.reporting_adverbs.get(tok.lower_)) is not None and tok.dep_ == "advmod":
            if (found := _around(ctx, tok, (tok.head.left_edge.i, tok.head.right_edge.i + 1))):
                yield Clause(tuple(found), tok, cue, sourced=False)
            continue
        elif (cue := lex.reporting_nouns.get(tok.lower_)) is not None and tok.pos_ == "NOUN":
            found = _noun_content(ctx, tok, cue)
        else:
            continue
        if found:
            yield Clause(tuple(found), tok, cue)


def _verb_content(ctx: Context, verb: Token, cue: ReportingCue) -> list[tuple[int, int]]:
    for c in verb.children:
        take = _TAKES.get(c.dep_)
        if c.dep_ == "prep" and c.i > verb.i and (c.lower_ in _PREPS or c.lower_ == "to"):
            take = "prep" if c.lower_ in _PREPS else "prep_to"
            c = next((p for p in c.children if p.dep_ in ("pobj", "pcomp")), None)
            take = take if c is not None else None
        if take is None or take not in cue.takes:
            continue
        if take == "to" and not any(t.dep_ == "aux" and t.lower_ == "to" for t in c.children):
            continue
        if c.dep_ == "nsubjpass" and not any(a.dep_ == "agent" for a in verb.children):
            continue  # "the plan was endorsed by X" reports X's endorsement; without "by X", nobody's
        ahead = c.i < verb.i  # only a passive subject ("the plan was endorsed by X") comes before the verb
        if take in ("object", "prep", "prep_to") and (ahead != (c.dep_ == "nsubjpass") or c.ent_type_ in _NOT_CONTENT):
            continue  # "tweeted on Friday", "spoke in Ohio": a time or a place, not what was said
        piece = _span(ctx, c.left_edge.i, c.right_edge.i + 1, verb)
        return [piece] if piece else []
    if "clause" in cue.takes and verb.head.pos_ in ("VERB", "AUX") and (verb.dep_ == "parataxis" or (
            verb.dep_ == "ccomp" and verb.i > verb.head.i and verb.left_edge.i > 0
            and ctx.doc[verb.left_edge.i - 1].text == ",")):
        # "The plan, X said, is dead" / "The plan is dead, X said": the clause around the verb
        head = verb.head
        return _around(ctx, verb, (head.left_edge.i, head.right_edge.i + 1))
    return []


def _source_like(ctx: Context, verb: Token) -> bool:
    """The verb's subject is someone who could hold a view: a person, group or organisation
    (by entity type, a personal pronoun or a role or source noun)."""
    subj = next((c for c in verb.children if c.dep_ == "nsubj"), None)
    if subj is None or not any(c.dep_ == "ccomp" and c.i > verb.i and any(
            t.dep_ in ("nsubj", "nsubjpass") for t in c.children) for c in verb.children):
        return False
    word = subj.lower_
    return (subj.ent_type_ in ("PERSON", "ORG", "NORP") or word in _PERSONAL
            or word in ctx.lex.roles or word in ctx.lex.source_nouns or word in ctx.lex.group_heads)


def _impression(ctx: Context, verb: Token, cue: ReportingCue) -> list[tuple[int, int]]:
    """ "X seems to Y", "X appeared paralyzed", a passive without "by" ("X is expected to Y",
    "X is seen as Y", "X was accused of Y"): the subject and the complement, two pieces of a view
    nobody is named for."""
    subj = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and c.i < verb.i), None)
    passive = subj is not None and subj.dep_ == "nsubjpass" and not any(c.dep_ == "agent" for c in verb.children)
    if not passive and ("subject" not in cue.takes or cue.cue_type != "impression"):
        return []
    comp = next((c for c in verb.children if c.i > verb.i and (c.dep_ in _COMPLEMENTS or (
        passive and c.dep_ == "prep" and c.lower_ in _PASSIVE_PREPS))), None)
    if comp is None:
        return []
    pieces = [_span(ctx, comp.left_edge.i, comp.right_edge.i + 1, verb)]
    if subj is not None:
        pieces.insert(0, _span(ctx, subj.left_edge.i, subj.right_edge.i + 1, verb))
    return [p for p in pieces if p]


def _noun_content(ctx: Context, noun: Token, cue: ReportingCue) -> list[tuple[int, int]]:
    """ "the claim that ...": a clause after the noun introduced by the conjunction "that";
    "X's comments about ...", "X's support for ...": the object of the preposition after it."""
    for c in noun.children:
        if c.i < noun.i:
            continue
        if "that" in cue.takes and c.dep_ in ("acl", "ccomp", "appos") and any(
                t.dep_ == "mark" and t.lower_ == "that" for t in c.children):
            pass
        elif "prep" in cue.takes and c.dep_ == "prep" and c.lower_ in _NOUN_PREPS:
            c = next((p for p in c.children if p.dep_ in ("pobj", "pcomp")), None)
            if c is None or c.ent_type_ in _NOT_CONTENT:
                continue
        else:
            continue
        piece = _span(ctx, c.left_edge.i, c.right_edge.i + 1, noun)
        return [piece] if piece else []
    return []


def _sentence(ctx: Context, tok: Token) -> tuple[int, int]:
    return ctx.sents[ctx.sent_of(tok.i)]


def _around(ctx: Context, cue: Token, bounds: tuple[int, int]) -> list[tuple[int, int]]:
    """The token range `bounds` without the cue's own phrase: the pieces before and after it."""
    lo, hi = bounds
    phrase_lo, phrase_hi = cue.left_edge.i, cue.right_edge.i + 1
    pieces = [_span(ctx, lo, phrase_lo, cue), _span(ctx, phrase_hi, hi, cue)]
    return [p for p in pieces if p]


def _span(ctx: Context, lo: int, hi: int, cue: Token) -> tuple[int, int] | None:
    """Char span of tokens [lo, hi) in the cue's paragraph, without edge punctuation; None when
    it says nothing (a pronoun, "so")."""
    doc = ctx.doc
    ps, pe = ctx.paras[ctx.para_of(cue.idx)]
    while lo < hi and (doc[lo].is_punct or doc[lo].is_space or doc[lo].idx < ps or doc[lo].lower_ in ("and", "but")):
        lo += 1
    while hi > lo and (doc[hi - 1].is_punct or doc[hi - 1].is_space or doc[hi - 1].idx >= pe):
        hi -= 1
    words = [t for t in doc[lo:hi] if not t.is_punct]
    if not words or all(t.lower_ in _EMPTY or t.pos_ in ("DET", "PRON") for t in words):
        return None
    return doc[lo].idx, doc[hi - 1].idx + len(doc[hi - 1].text)


def _attribution(ctx: Context, clause: Clause, state: dict) -> Attribution | None:
    tok = clause.cue_tok
    if not clause.sourced:
        return Attribution("reported", clause.cue.lemma, None, None, None, None)
    if clause.cue.pos == "noun":
        for c in tok.children:  # "X's claim that ...", "criticism from X", "the warning by X"
            owner = c if c.dep_ == "poss" else next(
                (p for p in c.children if p.dep_ == "pobj"), None) if c.dep_ == "prep" and c.lower_ in ("from", "by") else None
            if owner is not None:
                text, start, end, who = resolve_speaker(ctx, owner, state)
                return Attribution("reported", clause.cue.lemma, text, start, end, who)
        if tok.dep_ in ("dobj", "attr") and tok.head.pos_ in ("VERB", "AUX"):  # "X made the claim that"
            return from_cue(ctx, tok.head, clause.cue.lemma, "reported", state)
        return None
    lemma = "according" if clause.cue.pos == "phrase" else clause.cue.lemma
    return from_cue(ctx, tok, lemma, "reported", state)


def _words_outside(text: str, piece: tuple[int, int], q: Quote) -> bool:
    """The reported clause says more than the quote inside it."""
    s, e = piece
    return any(c.isalnum() for c in text[s:q.start] + text[q.end:e])


def _speaker_mention(ctx: Context, q: Quote) -> Mention | None:
    """The mention behind a direct quote's speaker, for pronouns in the reported speech after it."""
    if q.speaker_entity_id is None:
        return None
    if q.speaker_mention_start is not None:
        m = ctx.mention_at(q.speaker_mention_start, q.speaker_mention_end)
        if m is not None and m.entity_id == q.speaker_entity_id:
            return m
    return next((m for m in ctx.mentions if m.entity_id == q.speaker_entity_id), None)
