"""The role the text gives a speaker and the organisation the speaker speaks for.

"Foreign Minister Kim Song" -> role "Minister"; "Kim Song, the foreign minister," -> "foreign
minister"; "the shadow health secretary" -> "shadow health secretary"; "a Google spokesperson"
-> role "spokesperson", affiliation Google; "Politico's Alex Thompson" -> affiliation Politico;
"a spokesman for the ministry" -> the ministry named before.
"""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.entity_data import honorifics
from pipeline.quotes.context import Attribution, Context
from pipeline.records import Mention
from pipeline.resolve.descriptions import described_organisation

_AFFILIATES = ("ORGANIZATION", "COUNTRY")
_PREPS = frozenset({"for", "of", "at", "with", "from"})


def speaker_details(ctx: Context, att: Attribution) -> tuple[str | None, str | None, float]:
    """(speaker_role, speaker_affiliation_id, certainty) of an attribution's speaker phrase.

    certainty: 1 for a speaker named where the quote is attributed; less for one reached through
    a pronoun (least when two compatible people were almost as salient) or a description."""
    if att.mention_start is None or att.mention_end is None or att.mention_end <= att.mention_start:
        return None, None, 1.0
    span = ctx.doc.char_span(att.mention_start, att.mention_end, alignment_mode="expand")
    if span is None or not len(span):
        return None, None, 1.0
    head = span.root
    named = ctx.mention_at(head.idx, head.idx + len(head.text))
    certainty = _certainty(ctx, head, named, att.speaker)
    role = _role(ctx, head, named)
    noun = head
    if named is not None and named.label == "PERSON":
        noun = next((c for c in head.children if c.dep_ == "appos" and _is_role(ctx, c)), head)
    affiliation = None if att.speaker is not None and att.speaker.label != "PERSON" else _affiliation(ctx, noun, named)
    return role, affiliation.entity_id if affiliation is not None else None, certainty


def _certainty(ctx: Context, head: Token, named: Mention | None, speaker: Mention | None) -> float:
    if speaker is None or (named is not None and named.entity_id == speaker.entity_id):
        return 1.0
    if head.lower_ in ctx.lex.pronouns:
        return AMBIGUOUS_PRONOUN if head.i in ctx.ambiguous else PRONOUN
    return DESCRIPTION


# certainty of a speaker reached without its name (set on PolNeAR train_canonical: see
# benchmarks/canonical_polnear.py's calibration table)
PRONOUN, AMBIGUOUS_PRONOUN, DESCRIPTION = 0.95, 0.8, 0.9


def _is_role(ctx: Context, tok: Token) -> bool:
    low = tok.lower_
    return ctx.lex.role_aliases.get(low, low) in ctx.lex.roles


def _role(ctx: Context, head: Token, named: Mention | None) -> str | None:
    if named is not None and named.label == "PERSON":
        for c in head.children:  # "Kim Song, the foreign minister,"
            if c.dep_ == "appos" and _is_role(ctx, c):
                return _role_words(ctx, c)
        title = named.title
        if title and title.split()[-1].lower().rstrip(".") not in honorifics():
            return title
        return None
    return _role_words(ctx, head) if _is_role(ctx, head) else None


def _role_words(ctx: Context, noun: Token) -> str:
    """The role noun with its lower-case modifiers ("shadow health secretary"), no names, no determiners."""
    words = [t for t in noun.lefts if t.dep_ in ("amod", "compound") and t.is_lower and not ctx.in_quote[t.i]
             and ctx.mention_at(t.idx, t.idx + len(t.text)) is None]
    first = min((t.left_edge.i for t in words), default=noun.i)
    return ctx.doc[max(first, words[0].i if words else noun.i):noun.i + 1].text


def _affiliation(ctx: Context, noun: Token, named: Mention | None) -> Mention | None:
    """An organisation or country written as the speaker's possessor or modifier, or after "for"/"of"."""
    for c in noun.lefts:
        if c.dep_ in ("poss", "compound", "nmod", "amod"):
            m = ctx.mention_at(c.idx, c.idx + len(c.text))
            if m is not None and m.label in _AFFILIATES and (named is None or m.entity_id != named.entity_id):
                return m
    if named is not None and named.label == "PERSON":  # "Politico's Alex Thompson": the name's own possessor
        before = ctx.doc[max(0, ctx._tok(named.start) - 1)]
        if before.tag_ == "POS" and before.i > 0:
            m = ctx.mention_at(ctx.doc[before.i - 1].idx)
            if m is not None and m.label in _AFFILIATES:
                return m
    for c in noun.rights:
        if c.dep_ == "prep" and c.lower_ in _PREPS:
            for p in c.children:
                if p.dep_ != "pobj":
                    continue
                m = ctx.mention_at(p.idx, p.idx + len(p.text))
                if m is not None and m.label in _AFFILIATES:
                    return m
                if m is None and p.lower_ in ctx.lex.group_heads:
                    return described_organisation(ctx, p)
    return None
