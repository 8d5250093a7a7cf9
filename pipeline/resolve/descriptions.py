"""Descriptions that stand for an organisation: a document ("the report") for its issuer, a
campaign, its ad or the ad's narrator for the campaign."""

from __future__ import annotations

import bisect
import functools
import json
from pathlib import Path

from spacy.tokens import Token

from pipeline.entities import entity_id
from pipeline.quotes.context import Context, speaker_type_ok
from pipeline.records import Mention
from pipeline.resolve.pronouns import pronoun_antecedent


def document_owner(ctx: Context, tok: Token) -> Mention | None:
    """Who issued a document last named before `tok` in this or the two paragraphs before: its
    possessor or compound ("a Times article", "Pew's report"), "by"/"from" X, or the subject of the
    verb that made it ("The Post ran a feature", "the court ruled")."""
    nouns = ctx.lex.source_nouns
    floor = ctx.paras[max(0, ctx.para_of(tok.idx) - 2)][0]
    for t in reversed(ctx.doc[:tok.i]):
        if t.idx < floor:
            break
        if ctx.in_quote[t.i]:
            continue
        if t.pos_ == "NOUN" and t.lower_ in nouns:
            for c in t.children:
                if c.dep_ in ("poss", "compound"):
                    m = speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
                    if m is not None:
                        return m
                if c.dep_ in ("prep", "agent") and c.lower_ in ("by", "from"):
                    for p in c.children:
                        m = speaker_type_ok(ctx.mention_at(p.idx, p.idx + len(p.text)))
                        if p.dep_ == "pobj" and m is not None:
                            return m
            verb = t.head if t.dep_ == "dobj" else None
        elif t.pos_ == "VERB" and t.lemma_[:4] == tok.lower_[:4]:
            verb = t  # "the court ruled" before "the ruling"
        else:
            continue
        if verb is not None:
            for c in verb.children:
                if c.dep_ == "nsubj":
                    m = speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
                    if m is not None:
                        return m
    return None


CAMPAIGN_HEADS = frozenset({"campaign", "ad", "ads", "advertisement", "commercial", "spot", "narrator",
                             "announcer", "voice-over", "voiceover"})


def _campaign_mention(owner: Mention, tok: Token) -> Mention:
    """A person's campaign as an organisation: "Clinton campaign" (the surname + "campaign")."""
    name = f"{(owner.canonical_name or owner.text).split()[-1]} campaign"
    return Mention(tok.idx, tok.idx + len(tok.text), tok.text, "ORGANIZATION", "", entity_id("ORGANIZATION", name),
                   name)


def _campaign_owner(ctx: Context, tok: Token, state: dict | None, depth: int = 0) -> Mention | None:
    """Whose campaign or ad `tok` is: a possessor or compound ("Clinton's", "the Clinton ad",
    "her campaign"), or the object of "in"/"from"/"of"/"by" ("a narrator in the Clinton ad")."""
    if depth > 2:
        return None
    for c in tok.children:
        if c.dep_ in ("poss", "compound", "nmod"):
            if c.lower_ in CAMPAIGN_HEADS:
                return _campaign_owner(ctx, c, state, depth + 1)
            m = speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
            if m is None and state is not None and c.lower_ in ctx.lex.pronouns:
                m = pronoun_antecedent(ctx, c, state)
            if m is not None:
                return m
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in ("in", "from", "of", "by", "for"):
            for p in c.children:
                if p.dep_ == "pobj":
                    if p.lower_ in CAMPAIGN_HEADS:
                        return _campaign_owner(ctx, p, state, depth + 1)
                    m = speaker_type_ok(ctx.mention_at(p.idx, p.idx + len(p.text)))
                    if m is not None and tok.lower_ != "campaign":
                        return m
    return None


def campaign_of(ctx: Context, tok: Token, state: dict) -> Mention | None:
    """The campaign (or organisation) speaking through a campaign, an ad or its narrator; with no
    owner written, the last campaign or ad named with its owner before (none: unknown)."""
    owner = _campaign_owner(ctx, tok, state)
    if owner is None:
        if ctx.campaigns is None:
            ctx.campaigns = [(t.idx, o, t) for t in ctx.doc if t.lower_ in CAMPAIGN_HEADS and not ctx.in_quote[t.i]
                             and (o := _campaign_owner(ctx, t, None)) is not None]
        before = [(o, t) for idx, o, t in ctx.campaigns if idx < tok.idx]
        if not before:
            return None
        owner = before[-1][0]
    if owner.label == "PERSON":
        return _campaign_mention(owner, tok)
    return owner




MODELS = Path(__file__).resolve().parents[2] / "models"


@functools.lru_cache(maxsize=1)
def generic_heads() -> frozenset[str]:
    """Head nouns that stand for an organisation without a word of its name (models/organisation_descriptions.json)."""
    with open(MODELS / "organisation_descriptions.json", encoding="utf-8") as f:
        return frozenset(json.load(f)["generic_heads"])


def described_organisation(ctx: Context, tok: Token, *, acting_only: bool = False) -> Mention | None:
    """The organisation a definite description stands for ("the ministry", "the office", "the
    group"): the last organisation named before it in its paragraph or the three before, outside
    quotes, whose name holds the head noun ("the ministry" -> "Russian Foreign Ministry"); for a
    generic head ("the group", "the company", "the newspaper": `generic_heads`) the last organisation
    named there that acts (the subject of a verb or possessor); `acting_only`: that one whatever
    the head ("the statement said" -> the organisation that acted just before)."""
    head = tok.lower_
    floor = ctx.paras[max(0, ctx.para_of(tok.idx) - 3)][0]
    named, acting = None, None
    i = bisect.bisect_left(ctx.m_starts, tok.idx) - 1
    while i >= 0 and ctx.mentions[i].start >= floor:
        m = ctx.mentions[i]
        i -= 1
        if m.label != "ORGANIZATION" or m.end > tok.idx:
            continue
        t = ctx.doc[ctx._tok(m.end - 1)]
        if ctx.in_quote[t.i]:
            continue
        while t.head.i != t.i and m.start <= t.head.idx < m.end:  # the name's own head: "Department" of "Department of X"
            t = t.head
        if named is None and head in (m.canonical_name or m.text).lower().replace("-", " ").split():
            named = m
        if acting is None and (t.dep_ in ("nsubj", "nsubjpass", "poss") or t.head.dep_ in ("nsubj", "nsubjpass")):
            acting = m
    if acting_only:
        return acting
    return named or (acting if head in generic_heads() else None)


def spokesperson_organisation(ctx: Context, tok: Token, state: dict) -> Mention | None:
    """The organisation a bare unnamed spokesperson ("a spokesperson said") speaks for: the one
    acting just before, or the last speaker if an organisation ("the spokesperson said" after
    "a spokesperson said"). None when the phrase names whom it speaks for ("a Google
    spokesperson", "a spokesman for Acme"): that is the quote's `speaker_affiliation_id`."""
    if any(c.dep_ in ("poss", "compound", "nmod") or (c.dep_ == "amod" and c.pos_ == "PROPN") for c in tok.lefts) \
            or any(c.dep_ == "prep" and c.lower_ in ("for", "of", "at", "with", "from") for c in tok.rights):
        return None
    last = state.get("last")
    return described_organisation(ctx, tok, acting_only=True) or (
        last if last is not None and last.label != "PERSON" else None)
