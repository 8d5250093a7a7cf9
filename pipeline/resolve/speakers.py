"""Who a speaker token is: a mention, a pronoun's antecedent, a role's holder, a document's
issuer, a campaign, or a name the NER missed."""

from __future__ import annotations

import bisect
from dataclasses import replace

from spacy.tokens import Token

from pipeline.entities import entity_id
from pipeline.entity_data import title_words
from pipeline.quotes.context import Context, speaker_type_ok
from pipeline.quotes.cues import np_span
from pipeline.records import Mention
from pipeline.resolve.descriptions import (
    CAMPAIGN_HEADS,
    campaign_of,
    described_organisation,
    document_owner,
    spokesperson_organisation,
)
from pipeline.resolve.pronouns import pronoun_antecedent, salient_person

SPOKES_ROLES = frozenset({"spokesman"})  # role_aliases map spokeswoman, spokesperson here


def resolve_speaker(ctx: Context, tok: Token, state: dict) -> tuple[str, int, int, Mention | None]:
    """(mention text, start, end, named speaker or None) for a speaker token."""
    lex = ctx.lex
    if tok.lower_.rstrip(".") in title_words():  # "said Army Capt. Jane Roe": the title's bearer
        after = ctx.mention_at(tok.idx + len(tok.text), tok.idx + len(tok.text) + 3)
        if after is not None and after.label == "PERSON" and after.start > tok.idx:
            return after.text, after.start, after.end, after
    m = ctx.mention_at(tok.idx, tok.idx + len(tok.text))
    if m is not None and tok.lower_ not in lex.source_nouns and tok.lower_ not in lex.group_heads:
        return m.text, m.start, m.end, m
    low = tok.lower_
    if low in lex.pronouns and not (tok.is_upper and len(tok.text) > 1 and tok.pos_ == "PROPN"):  # not "WHO"
        return tok.text, tok.idx, tok.idx + len(tok.text), pronoun_antecedent(ctx, tok, state)
    start, end = np_span(ctx, tok)
    text = ctx.text[start:end]
    if low in CAMPAIGN_HEADS:
        # "the Clinton campaign", "her campaign", "the ad's narrator", "a narrator in the Clinton ad"
        found = campaign_of(ctx, tok, state)
        if found is not None:
            return text, start, end, found
    # an appositive naming the person: "the spokesman, John Doe,"
    for c in tok.children:
        if c.dep_ == "appos":
            am = speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
            if am is not None:
                return text, start, end, am
    role = lex.role_aliases.get(low, low)
    if low in lex.source_nouns:
        # "Kim's letter", "a statement from the campaign", "the committee's resolution"
        for c in tok.children:
            if c.dep_ == "poss":
                _, _, _, owner = resolve_speaker(ctx, c, state)
                return text, start, end, owner
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in lex.source_preps:
                for p in c.children:
                    if p.dep_ == "pobj":
                        _, _, _, owner = resolve_speaker(ctx, p, state)
                        return text, start, end, owner
        inner = speaker_type_ok(ctx.mention_at(start, tok.idx))
        if inner is None and any(c.dep_ == "det" and c.lower_ in ("the", "this", "that", "these") for c in tok.children):
            # "the report": the report named with its issuer before, else the organisation acting just before
            inner = document_owner(ctx, tok) or described_organisation(ctx, tok, acting_only=True)
        return text, start, end, inner
    indefinite = any(c.dep_ in ("det", "nummod") and c.lower_ in ("a", "an", "one", "another", "some", "two", "three")
                     for c in tok.children)
    if role in SPOKES_ROLES and (indefinite or ctx.person_with_role(role, tok.idx) is None):
        # an unnamed spokesperson speaks for the organisation: "a spokesperson for the ministry said"
        return text, start, end, spokesperson_organisation(ctx, tok, state)
    if role in lex.roles and indefinite:  # "a spokesman", "one Sanders supporter": someone new
        return text, start, end, None
    if role in lex.roles:
        person = ctx.person_with_role(role, tok.idx)
        if person is None:  # "the DPRK ambassador": the role may sit in a compound
            for c in tok.lefts:
                r = lex.role_aliases.get(c.lower_, c.lower_)
                if r in lex.roles:
                    person = ctx.person_with_role(r, tok.idx)
                    if person:
                        break
        definite = any(c.dep_ in ("det", "poss") and c.lower_ in ("the", "this", "that") for c in tok.children)
        has_person = any(speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text))) is not None
                         and ctx.mention_at(c.idx, c.idx + len(c.text)).label == "PERSON" for c in tok.lefts)
        if person is None and definite and not has_person:
            # "the New York businessman said": a definite description of the person in focus
            person = salient_person(ctx, tok, state, lex.role_gender.get(low), min_score=2.5)
        return text, start, end, person
    if low in lex.group_heads:
        for c in tok.children:
            if c.dep_ in ("poss", "compound", "amod", "nmod"):
                cm = speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
                if cm is not None and cm.label != "PERSON":
                    return text, start, end, cm
                if c.dep_ == "poss" and cm is None:
                    _, _, _, owner = resolve_speaker(ctx, c, state)
                    if owner is not None and owner.label != "PERSON":
                        return text, start, end, owner
                    if owner is not None and c.lower_ in lex.pronouns:  # "her ministry": the one named before
                        return text, start, end, described_organisation(ctx, tok)
            if c.dep_ == "prep" and c.lower_ == "of":
                for p in c.children:
                    pm = speaker_type_ok(ctx.mention_at(p.idx, p.idx + len(p.text)))
                    if pm is not None and pm.label != "PERSON":
                        return text, start, end, pm
        if any(c.dep_ == "det" and c.lower_ in ("the", "this", "that") for c in tok.children) and \
                not any(c.dep_ == "poss" for c in tok.children):
            return text, start, end, described_organisation(ctx, tok)
        return text, start, end, None
    return text, start, end, _missed_name(ctx, tok, start, end)



_CALENDAR = frozenset(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "today", "tonight"])


def _missed_name(ctx: Context, tok: Token, start: int, end: int) -> Mention | None:
    """A proper name the NER missed as speaker ("Zero Hedge said", "PolitiFact wrote"): a
    surname of a person named in full before is that person; a name starting with a known
    given name is a person; else an organisation."""
    if tok.pos_ != "PROPN" or not tok.text[:1].isupper() or tok.ent_type_ not in ("", "ORG", "PERSON", "PRODUCT", "WORK_OF_ART"):
        return None
    words = [t for t in ctx.doc[ctx._tok(start):ctx._tok(end - 1) + 1] if t.lower_ not in ("the", "'s", "\u2019s")]
    if not words or len(words) > 4 or any(not t.text[:1].isupper() or t.pos_ != "PROPN" for t in words):
        return None
    name = " ".join(t.text for t in words)
    if len(words) == 1 and (tok.lower_ in _CALENDAR or tok.lower_ in ctx.lower_words()):
        return None  # "Saturday", "Radio": a common word written with a capital
    if len(words) == 1:
        i = bisect.bisect_left(ctx.m_starts, start)
        for m in reversed(ctx.mentions[:i]):
            if m.label == "PERSON" and (m.canonical_name or m.text).split()[-1] == name:
                return replace(m, start=start, end=end, text=name)
    label = "PERSON" if len(words) > 1 and words[0].lower_ in ctx.lex.given_names else "ORGANIZATION"
    return Mention(start, end, name, label, "", entity_id(label, name), name)


