"""One document's resolution after NER: people's gender, and the references that are not names
(pronouns, titles, descriptions) tied to the named entity they stand for.

`resolved(doc, names)` runs once per document in the entity step; its output is the mentions
table, read back by the quote step, whose rules use the name mentions and ask this package
(`speakers.resolve_speaker`) who a speaker phrase is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from spacy.tokens import Doc, Token

from pipeline.quotes.context import Context
from pipeline.quotes.cues import np_span
from pipeline.quotes.marks import quoted_spans
from pipeline.records import Mention
from pipeline.resolve.descriptions import described_organisation
from pipeline.resolve.gender import NAMES, infer_genders
from pipeline.resolve.pronouns import salient_person

_DEFINITE = frozenset({"the", "this", "that"})


def resolved(doc: Doc, names: Sequence[Mention]) -> list[Mention]:
    """The name mentions with their person's gender, and the resolved pronouns, titles and
    descriptions outside quotes, in text order."""
    ctx = Context(doc, names, list(quoted_spans(doc.text)))
    infer_genders(ctx, names_package=True)
    out = [replace(m, gender=NAMES[g], gender_source=ctx.gender_source[m.entity_id])
           if m.label == "PERSON" and (g := ctx.gender.get(m.entity_id)) else m for m in names]
    out += references(ctx)
    out += _speakers_named_on_the_fly(doc, names)
    return sorted(out, key=lambda m: m.start)


def _speakers_named_on_the_fly(doc: Doc, names: Sequence[Mention]) -> list[Mention]:
    """Speakers the quote rules name that are no mention yet (a name the NER missed, "Clinton
    campaign", a source line), as name mentions: every quote's speaker is then an entity."""
    from pipeline.quotes import quotes

    known = {m.entity_id for m in names}
    taken = {(m.start, m.end) for m in names}
    found = {}
    for q in quotes(doc, names):
        who = q.speaker_entity_id
        if who is not None and who not in known and q.speaker_mention_start is not None \
                and (q.speaker_mention_start, q.speaker_mention_end) not in taken:
            found[q.speaker_mention_start] = Mention(
                q.speaker_mention_start, q.speaker_mention_end, q.speaker_mention or q.speaker, q.speaker_type, "",
                who, q.speaker)
    return list(found.values())


def references(ctx: Context) -> Iterator[Mention]:
    """Pronouns ("he", "her"), definite titles and roles ("the ambassador") and definite
    organisation descriptions ("the ministry") outside quotes and names, each as a mention of
    the entity it stands for (unresolved ones are left out)."""
    lex = ctx.lex
    for tok in ctx.doc:
        if ctx.in_quote[tok.i] or not tok.is_alpha or ctx.mention_at(tok.idx, tok.idx + len(tok.text)) is not None:
            continue
        low = tok.lower_
        info = lex.pronouns.get(low, {})
        start, end = tok.idx, tok.idx + len(tok.text)
        if info.get("type") == "PERSON" and info.get("gender"):
            who, kind = salient_person(ctx, tok, {}, info["gender"]), "pronoun"
        elif tok.pos_ == "NOUN" and _definite(tok):
            role = lex.role_aliases.get(low, low)
            if role in lex.roles:
                who = ctx.person_with_role(role, tok.idx) or salient_person(ctx, tok, {}, lex.role_gender.get(low),
                                                                            min_score=2.5)
                kind = "title"
            elif low in lex.group_heads:
                who, kind = described_organisation(ctx, tok), "description"
            else:
                continue
            start, end = np_span(ctx, tok)
            while ctx.text[start:end].lower().startswith(tuple(f"{d} " for d in _DEFINITE)):
                start = ctx.text.index(" ", start) + 1
        else:
            continue
        if who is not None:
            yield Mention(start, end, ctx.text[start:end], who.label, "", who.entity_id, who.canonical_name,
                          who.country_code, kind=kind, gender=NAMES.get(ctx.gender.get(who.entity_id)),
                          gender_source=ctx.gender_source.get(who.entity_id))


def _definite(tok: Token) -> bool:
    """A noun with its own "the"/"this"/"that" and no possessor ("the ambassador", not "his ambassador")."""
    dets = [c for c in tok.children if c.dep_ in ("det", "poss")]
    return bool(dets) and all(c.dep_ == "det" and c.lower_ in _DEFINITE for c in dets)
