"""Gender of the people of a document, where the text shows it, and what showed it.

Sources, strongest first: an honorific written before the name ("Mrs. Clinton": `honorific`);
the gendered pronouns that follow the person as the only person of a sentence (`pronoun`); the
given name (`given_name`: the project's list in models/quote_given_names.json, then the offline
gender-guesser package). A given name never overrides what the text says.
"""

from __future__ import annotations

from pipeline.entity_data import given_name_gender
from pipeline.quotes.context import Context
from pipeline.records import Mention

GENDERED = {"he": "m", "his": "m", "him": "m", "himself": "m", "she": "f", "her": "f", "hers": "f", "herself": "f"}
NAMES = {"m": "male", "f": "female"}


def gender_of(ctx: Context, m: Mention) -> str | None:
    return ctx.gender.get(m.entity_id)


def infer_genders(ctx: Context, *, names_package: bool = False) -> None:
    """Fill `ctx.gender` (entity_id -> "m"/"f") and `ctx.gender_source` (entity_id -> source).

    names_package: also ask gender-guesser about the given names the project's list lacks (for
    the entities table; the pronoun rules do better without its guesses, tuned on PolNeAR train).
    """
    votes: dict[str, dict[str, int]] = {}
    doc = ctx.doc
    people = [m for m in ctx.mentions if m.label == "PERSON"]

    def found(eid: str, gender: str, source: str) -> None:
        if eid not in ctx.gender:
            ctx.gender[eid] = gender
            ctx.gender_source[eid] = source

    for m in people:
        t = ctx._tok(m.start)
        if t > 0 and (g := ctx.lex.gender_titles.get(doc[t - 1].lower_)):
            found(m.entity_id, g, "honorific")
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
    for m in people:  # given names in the project's list before the text's own pronouns
        first = (m.canonical_name or m.text).split()[0].lower().strip(".")
        if (g := ctx.lex.given_names.get(first)) is not None:
            found(m.entity_id, g, "given_name")
    for eid, v in votes.items():
        win, lose = max(v.values()), min(v.values())
        if win >= 2 and win >= 3 * lose:
            found(eid, "m" if v["m"] > v["f"] else "f", "pronoun")
    for m in people if names_package else ():  # then the names package, full names only ("Carly Fiorina")
        name = (m.canonical_name or m.text).split()
        if len(name) > 1 and (g := given_name_gender(name[0])) is not None:
            found(m.entity_id, g, "given_name")
