"""Gender of the people of a document, where the text shows it."""

from __future__ import annotations

from pipeline.quotes.context import Context
from pipeline.records import Mention


def gender_of(ctx: Context, m: Mention) -> str | None:
    return ctx.gender.get(m.entity_id)


GENDERED = {"he": "m", "his": "m", "him": "m", "himself": "m", "she": "f", "her": "f", "hers": "f", "herself": "f"}


def infer_genders(ctx: Context) -> None:
    """Gender of the people of the document, where the text shows it: a title (Mr., Mrs.),
    else the pronouns that follow them as the only person of a sentence, else a given name."""
    votes: dict[str, dict[str, int]] = {}
    doc = ctx.doc
    people = [m for m in ctx.mentions if m.label == "PERSON"]
    for m in people:
        t = ctx._tok(m.start)
        if t > 0:
            g = ctx.lex.gender_titles.get(doc[t - 1].lower_)
            if g:
                ctx.gender.setdefault(m.entity_id, g)
    for m in people:
        if m.entity_id in ctx.gender:
            continue
        t = ctx._tok(m.end - 1)
        sent = ctx.sent_of(t)
        stop = ctx.sents[min(sent + 1, len(ctx.sents) - 1)][1]
        para_end = ctx.paras[ctx.para_of(m.start)][1]
        for k in range(t + 1, min(stop, t + 40, len(doc))):
            tok = doc[k]
            if tok.idx >= para_end:
                break
            other = ctx.mention_at(tok.idx, tok.idx + len(tok.text))
            if other is not None and other.label == "PERSON" and other.entity_id != m.entity_id:
                break  # another person in between: the pronoun could be theirs
            if ctx.in_quote[k]:
                continue
            g = GENDERED.get(tok.lower_)
            if g and tok.dep_ in ("nsubj", "nsubjpass"):
                v = votes.setdefault(m.entity_id, {"m": 0, "f": 0})
                v[g] += 1
                break
    for m in people:  # given names before the text's own pronouns
        if m.entity_id not in ctx.gender:
            first = (m.canonical_name or m.text).split()[0].lower().strip(".")
            g = ctx.lex.given_names.get(first)
            if g is not None:
                ctx.gender[m.entity_id] = g
    for eid, v in votes.items():
        win, lose = max(v.values()), min(v.values())
        if eid not in ctx.gender and win >= 2 and win >= 3 * lose:
            ctx.gender[eid] = "m" if v["m"] > v["f"] else "f"

