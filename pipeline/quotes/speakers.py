"""Who a speaker token is: a mention, a pronoun's antecedent, a role's holder, a document's
issuer, a campaign, or a name the NER missed."""

from __future__ import annotations

import bisect
from dataclasses import replace

from spacy.tokens import Token

from pipeline.entities import entity_id
from pipeline.quotes.context import Context, speaker_type_ok
from pipeline.quotes.cues import is_cue, np_span
from pipeline.records import Mention


def resolve_speaker(ctx: Context, tok: Token, state: dict) -> tuple[str, int, int, Mention | None]:
    """(mention text, start, end, named speaker or None) for a speaker token."""
    lex = ctx.lex
    m = ctx.mention_at(tok.idx, tok.idx + len(tok.text))
    if m is not None and tok.lower_ not in lex.source_nouns and tok.lower_ not in lex.group_heads:
        return m.text, m.start, m.end, m
    low = tok.lower_
    if low in lex.pronouns:
        return tok.text, tok.idx, tok.idx + len(tok.text), pronoun_antecedent(ctx, tok, state)
    start, end = np_span(ctx, tok)
    text = ctx.text[start:end]
    if low in _CAMPAIGN_HEADS:
        # "the Clinton campaign", "her campaign", "the ad's narrator", "a narrator in the Clinton ad"
        found = _campaign_of(ctx, tok, state)
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
            inner = _document_owner(ctx, tok)  # "the report": the report named with its issuer before
        return text, start, end, inner
    indefinite = any(c.dep_ in ("det", "nummod") and c.lower_ in ("a", "an", "one", "another", "some", "two", "three")
                     for c in tok.children)
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
            person = _salient_person(ctx, tok, state, lex.role_gender.get(low), min_score=2.5)
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
            if c.dep_ == "prep" and c.lower_ == "of":
                for p in c.children:
                    pm = speaker_type_ok(ctx.mention_at(p.idx, p.idx + len(p.text)))
                    if pm is not None and pm.label != "PERSON":
                        return text, start, end, pm
        return text, start, end, None
    return text, start, end, _missed_name(ctx, tok, start, end)


_CALENDAR = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april "
                      "may june july august september october november december today tonight".split())


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


def _document_owner(ctx: Context, tok: Token) -> Mention | None:
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


_CAMPAIGN_HEADS = frozenset({"campaign", "ad", "ads", "advertisement", "commercial", "spot", "narrator",
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
            if c.lower_ in _CAMPAIGN_HEADS:
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
                    if p.lower_ in _CAMPAIGN_HEADS:
                        return _campaign_owner(ctx, p, state, depth + 1)
                    m = speaker_type_ok(ctx.mention_at(p.idx, p.idx + len(p.text)))
                    if m is not None and tok.lower_ != "campaign":
                        return m
    return None


def _campaign_of(ctx: Context, tok: Token, state: dict) -> Mention | None:
    """The campaign (or organisation) speaking through a campaign, an ad or its narrator; with no
    owner written, the last campaign or ad named with its owner before (none: unknown)."""
    owner = _campaign_owner(ctx, tok, state)
    if owner is None:
        if ctx.campaigns is None:
            ctx.campaigns = [(t.idx, o, t) for t in ctx.doc if t.lower_ in _CAMPAIGN_HEADS and not ctx.in_quote[t.i]
                             and (o := _campaign_owner(ctx, t, None)) is not None]
        before = [(o, t) for idx, o, t in ctx.campaigns if idx < tok.idx]
        if not before:
            return None
        owner = before[-1][0]
    if owner.label == "PERSON":
        return _campaign_mention(owner, tok)
    return owner


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
            if m.label != "PERSON" and h.dep_ in ("nsubj", "nsubjpass") and not ctx.in_quote[h.i]:
                return m
        return last if last is not None and last.label != "PERSON" else None
    if kind != "PERSON":
        return None
    return _salient_person(ctx, tok, state, info.get("gender"))


# salience weights (set on PolNeAR train: he/she speakers against the corpus's resolved names)
W = {"recency": 0.4, "subj_near": 6.0, "subj_far": 0.5, "subj_cue": 1.0, "same_para": 1.0, "in_quote": 2.5,
     "last_near": 1.0, "last_far": 0.0}


def _salient_person(ctx: Context, tok: Token, state: dict, gender: str | None, *,
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
            g = _GENDERED.get(p.lower_)
            if g and p.dep_ in ("nsubj", "nsubjpass") and not ctx.in_quote[k] and (gender is None or g == gender) \
                    and p.lower_ in ("he", "she"):
                ante = _salient_person(ctx, p, state, g, depth=depth + 1)
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
        if gender and _gender(ctx, m) not in (None, gender):
            score -= 10
        if m.entity_id not in scores or scores[m.entity_id][0] < score:
            scores[m.entity_id] = (score, m)
    if last is not None and last.label == "PERSON" and last_para is not None and para - last_para <= 2:
        bonus = W["last_near"] if last_para == para or para - last_para == 1 else W["last_far"]
        prev = scores.get(last.entity_id)
        base = prev[0] if prev else -1.0
        if gender and _gender(ctx, last) not in (None, gender):
            base -= 10
        scores[last.entity_id] = (base + bonus, prev[1] if prev else last)
    best = None
    if scores:
        score, best = max(scores.values(), key=lambda x: x[0])
        if score < min_score:
            best = None
    ctx.salience_cache[key] = best
    return best


def _gender(ctx: Context, m: Mention) -> str | None:
    return ctx.gender.get(m.entity_id)


_GENDERED = {"he": "m", "his": "m", "him": "m", "himself": "m", "she": "f", "her": "f", "hers": "f", "herself": "f"}


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
            g = _GENDERED.get(tok.lower_)
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
