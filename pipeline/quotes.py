"""Direct quotes and their speakers from a parsed document.

`quotes(doc, mentions)` finds the quoted spans from the quotation marks
(`pipeline.quote_marks`), drops scare quotes and titles of works (one to three words that no
reporting verb governs; Title Case names of books, films, operations), and attributes each
quote with the first rule that fires (the `rule` field of the Quote):

- "cue"            a reporting verb in the quote's sentence(s): "X said", "said X",
                   "X, the foreign minister, said", ("A," X said, "B."), "X told Reuters",
                   "X accused Y of '...'", "X called it '...'", "was called '...' by X"; the speaker
                   is the verb's subject (through "who", conjoined and participle verbs:
                   "..., adding"), read off the word order where the parse links it elsewhere.
                   Fragments take the reporting verb above them in the parse;
- "according_to"   "according to X";
- "colon"          a colon lead-in: "X said:", "X: '...'", "As X put it:";
- "transcript"     a speaker label: 'PENCE: ...';
- "source_line"    a quote-only paragraph with its source on a line of its own ('- Jane Doe'),
                   or after a dash closing the quote's line ('"..." \u2015 Jane Doe');
- "clause_subject" a fragment inside the writer's sentence without a reporting verb:
                   "X pointed to reports of '...'" -> the clause's subject;
- "previous_sentence" a speaker named in the sentence just before (with a reporting verb, or
                   as the named subject: "X defended the cuts. '...'") or ending the paragraph before;
- "continuation"   the quote before it in the paragraph, a quote-only paragraph after a quote,
                   and every paragraph of a multi-paragraph quote, share one speaker.
Quoted text that no rule attributes is not reported (`keep_unattributed=True` keeps it, rule
"none").

The speaker phrase as written (`speaker_mention`) is resolved to a named entity: a mention
(PERSON, ORGANIZATION, COUNTRY) covering it; a pronoun ("he") to the most salient person of
the context (subjects of the same or previous sentence, above all of reporting verbs; the last
speaker; recency; no one of the other gender, known from titles, given names and the text's
own pronouns); a description ("the DPRK ambassador") to the person introduced with that role
("UN Ambassador Kim Song"), in a headline or standfirst to the one the body introduces; a
document ("Kim's letter", "the committee's resolution"; "the report" after "Pew released a
report") to its issuer; a campaign, its ad or the ad's narrator to "<Surname> campaign"; a proper
name the NER missed to itself (a surname to the person named in full). Unknown -> None, with
the mention kept. Language data (speech verbs, pronouns, roles, source nouns, given names)
comes from models/ via `pipeline.quote_lexicon`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from spacy.tokens import Doc, Token

from pipeline.entities import entity_id
from pipeline.quote_lexicon import lexicon
from pipeline.quote_marks import QuotedSpan, paragraphs, quoted_spans
from pipeline.records import Mention, Quote

SPEAKER_LABELS = ("PERSON", "ORGANIZATION", "COUNTRY")
_SUBJECTS = ("nsubj", "nsubjpass", "csubj")
_CLOSING_MARKS = "\u201d\u2019\"'"
_CONFIDENCE = {"cue": 0.9, "source_line": 0.85, "transcript": 0.85, "according_to": 0.9, "colon": 0.85, "clause_subject": 0.6,
               "previous_sentence": 0.7, "continuation": 0.75, "none": 0.3}


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a quote is attributed to, before it becomes a Quote record."""

    rule: str
    cue: str | None
    mention_text: str | None
    mention_start: int | None
    mention_end: int | None
    speaker: Mention | None


class _Context:
    """Per-document indexes shared by the rules (built once per call)."""

    def __init__(self, doc: Doc, mentions: Sequence[Mention], spans: list[QuotedSpan]):
        self.doc = doc
        self.text = doc.text
        self.lex = lexicon()
        self.mentions = sorted((m for m in mentions if m.label in SPEAKER_LABELS), key=lambda m: m.start)
        self.m_starts = [m.start for m in self.mentions]
        self.tok_starts = [t.idx for t in doc]
        self.paras = paragraphs(self.text)
        self.para_starts = [s for s, _ in self.paras]
        self.spans = spans
        self.in_quote = [False] * len(doc)
        for q in spans:
            for i in range(self._tok(q.open_start), self._tok(max(q.close_end - 1, q.open_start)) + 1):
                self.in_quote[i] = True
        self.sents = [(s.start, s.end) for s in doc.sents]
        self.sent_starts = [s for s, _ in self.sents]
        self.gender: dict[str, str] = {}
        self.salience_cache: dict = {}
        self.campaigns: list | None = None
        self._lower: frozenset[str] | None = None
        self.roles = self._role_index()

    # --- lookups -------------------------------------------------------------------------
    def _tok(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.tok_starts, char) - 1)

    def para_of(self, char: int) -> int:
        return max(0, bisect.bisect_right(self.para_starts, char) - 1)

    def sent_of(self, tok: int) -> int:
        return max(0, bisect.bisect_right(self.sent_starts, tok) - 1)

    def mention_at(self, start: int, end: int | None = None) -> Mention | None:
        """The mention covering char `start` (or overlapping [start, end))."""
        end = start + 1 if end is None else end
        i = bisect.bisect_right(self.m_starts, end - 1) - 1
        while i >= 0 and self.mentions[i].end > start - 200:
            m = self.mentions[i]
            if m.start < end and start < m.end:
                return m
            i -= 1
        return None

    def lower_words(self) -> frozenset[str]:
        """Words the text writes in lower case (built on first use)."""
        if self._lower is None:
            self._lower = frozenset(t.lower_ for t in self.doc if t.is_lower)
        return self._lower

    # --- roles -----------------------------------------------------------------------------
    def _role_index(self) -> list[tuple[int, str, Mention]]:
        """(position, role, person) for people introduced with a role: "UN Ambassador Kim Song",
        "Kim Song, the ambassador", "the spokesman, John Doe"."""
        lex, doc, out = self.lex, self.doc, []
        aliases = lex.role_aliases
        for m in self.mentions:
            if m.label != "PERSON":
                continue
            first = self._tok(m.start)
            last = self._tok(m.end - 1)
            roles = []
            i = first - 1
            while i >= 0 and first - i <= 6 and not doc[i].is_punct or (i >= 0 and doc[i].tag_ == "POS"):
                w = doc[i].lower_
                if w in lex.roles:
                    roles.append(aliases.get(w, w))
                if doc[i].pos_ in ("VERB", "AUX", "ADP", "CCONJ") and doc[i].lower_ != "of":
                    break
                i -= 1
            head = doc[last]
            for child in head.children:
                if child.dep_ == "appos":
                    for t in child.subtree:
                        if t.lower_ in lex.roles and t.pos_ in ("NOUN", "PROPN"):
                            roles.append(aliases.get(t.lower_, t.lower_))
            if head.dep_ == "appos" and head.head.lower_ in lex.roles:
                roles.append(aliases.get(head.head.lower_, head.head.lower_))
            for r in roles:
                out.append((m.start, r, m))
        return out

    def person_with_role(self, role: str, before: int) -> Mention | None:
        """The last person introduced with `role` before `before`; in a headline or standfirst
        (first two paragraphs), the first one introduced later."""
        found = None
        for pos, r, m in self.roles:
            if pos >= before:
                if found is None and r == role and self.para_of(before) < 2:
                    return m
                continue
            if r == role:
                found = m
        return found


# --- detection filters -------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    return [w for w in text.split() if any(c.isalnum() for c in w)]


def _is_title(words: list[str]) -> bool:
    small = {"of", "the", "a", "an", "and", "in", "on", "for", "to", "at", "with", "is"}
    return all(w[0].isupper() or w.lower() in small or not w[0].isalpha() for w in words)


def quote_kind(text: str, span: QuotedSpan) -> str:
    """ "full" when the quote is a sentence or more of speech, else "partial"."""
    inner = text[span.start:span.end].lstrip(" .\u2026")
    first = next((c for c in inner if c.isalnum()), "")
    i = span.open_start - 1
    while i >= 0 and text[i] in " \t\u00a0":
        i -= 1
    before = text[i] if i >= 0 else "\n"
    starts_sentence = before in "\n.!?:,\u2014\u2013-(" or before in _CLOSING_MARKS
    if first.isupper() or first.isdigit():
        if starts_sentence or len(_words(inner)) >= 6:
            return "full"
    return "partial"


def _clause_kind(ctx: "_Context", span: QuotedSpan, kind: str) -> str:
    """A lower-case quote that holds a whole clause (a finite verb and its subject inside the
    marks: recalled that "until last year, the peninsula was ...") is full, not partial."""
    if kind == "full" or len(_words(ctx.text[span.start:span.end])) < 6:
        return kind
    first, last = ctx._tok(span.start), ctx._tok(max(span.start, span.end - 1))
    for t in ctx.doc[first:last + 1]:
        if t.tag_ in ("VBD", "VBZ", "VBP", "MD") and any(
                c.dep_ in ("nsubj", "nsubjpass", "expl") and first <= c.i <= last for c in t.children):
            return "full"
    return kind


def _scare_or_title(ctx: _Context, span: QuotedSpan) -> bool:
    """Scare quotes and titles of works: one to three words, not a sentence, not governed by a cue."""
    inner = ctx.text[span.start:span.end]
    words = _words(inner)
    if not words:
        return True
    if _names_a_work(ctx, span, words):
        return True
    if len(words) > 3:
        # a Title Case phrase of four to eight words is a title ("A Change Is Gonna Come," she sang);
        # headlines, written in Title Case, may quote speech that way
        ends = ("!", "?") if ctx.para_of(span.open_start) > 0 else (".", "!", "?", ",")
        return len(words) <= 8 and _is_title(words) and not inner.rstrip().endswith(ends)
    if len(words) >= 2 and _is_title(words) and not inner.rstrip().endswith(("!", "?")):
        return True  # "The Long Road Home", "Operation Clean Sweep"
    if inner.rstrip().endswith((".", "!", "?")) and len(words) >= 2:
        return False
    # a short fragment counts as a quote only when a reporting verb governs it directly
    lex = ctx.lex
    doc = ctx.doc
    first = ctx._tok(span.start)
    last = ctx._tok(max(span.start, span.end - 1))
    inside = range(first, last + 1)
    for i in inside:
        h = doc[i].head
        steps = 0
        while ctx.in_quote[h.i] and h.i in inside and steps < 4 and h.head.i != h.i:
            h = h.head
            steps += 1
        if h.i in inside:
            continue
        for _ in range(2):
            v = lex.verbs.get(h.lower_)
            if v and v.cls in ("speech", "describe", "weak") and h.pos_ in ("VERB", "AUX") and _is_cue(ctx, h):
                return False
            if h.pos_ in ("VERB", "AUX") or h.head.i == h.i:
                break
            h = h.head
        # inside reported speech: "accusing X of trying to 'stoke confrontation'",
        # "said he expects an 'aggressive appeal'" -- a reporting verb up the tree
        for _ in range(8):
            if h.head.i == h.i:
                break
            h = h.head
            v = lex.verbs.get(h.lower_)
            if v and v.cls in ("speech", "describe", "weak") and h.pos_ == "VERB" and not ctx.in_quote[h.i] \
                    and _is_cue(ctx, h):
                return False
    return True


_BY_AUTHOR = re.compile(r"\s*,?\s*by\s+(?:[A-Z]|the\s+[A-Z])")


def _names_a_work(ctx: _Context, span: QuotedSpan, words: list[str]) -> bool:
    """Titles of works: "The Art of the Deal" by Donald Trump; the book "..."; titled "..."."""
    if len(words) > 14:
        return False
    text = ctx.text
    if _BY_AUTHOR.match(text, span.close_end) and _is_title(words) and len(words) >= 2:
        return True
    i = span.open_start - 1
    while i >= 0 and text[i] in " \u00a0":
        i -= 1
    j = i
    while j >= 0 and (text[j].isalpha() or text[j] == "-"):
        j -= 1
    return text[j + 1:i + 1].lower() in ctx.lex.work_nouns and _is_title(words)


# --- attribution -------------------------------------------------------------------------------

def _is_cue(ctx: _Context, tok: Token) -> str | None:
    lex = ctx.lex
    if tok.lower_ == "according" and tok.i + 1 < len(tok.doc) and tok.doc[tok.i + 1].lower_ == "to":
        return "according"
    v = lex.verbs.get(tok.lower_)
    if v is None:
        return None
    if not (tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB")):
        # '"...," the editorial read.' -- mistagged as a noun, but the root right after a quote
        if not (tok.dep_ == "ROOT" and any(ctx.in_quote[k] for k in range(max(0, tok.i - 4), tok.i))):
            return None
    if v.needs:
        if not any((c.lower_, c.dep_) in v.needs for c in tok.children):
            return None
    return v.lemma


def _cue_candidates(ctx: _Context, lo: int, hi: int) -> list[tuple[Token, str]]:
    out = []
    for i in range(lo, hi):
        if ctx.in_quote[i]:
            continue
        t = ctx.doc[i]
        lemma = _is_cue(ctx, t)
        if lemma:
            out.append((t, lemma))
    return out


def _subject(ctx: _Context, verb: Token, depth: int = 0) -> Token | None:
    """The speaker token of a reporting verb: its subject, through relative pronouns, conjoined
    verbs and participles ("..., adding"); "according to X" -> X."""
    if verb.lower_ == "according":
        for c in verb.children:
            if c.lower_ == "to":
                for p in c.children:
                    if p.dep_ == "pobj":
                        return p
        nxt = verb.doc[verb.i + 1] if verb.i + 1 < len(verb.doc) else None
        if nxt is not None:
            for p in nxt.children:
                if p.dep_ == "pobj":
                    return p
        return None
    for c in verb.children:  # passive "was called '...' by X", "was asked by X"
        if c.dep_ == "agent":
            for p in c.children:
                if p.dep_ == "pobj" and not ctx.in_quote[p.i]:
                    return p
    if any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children):
        for t in verb.subtree:  # "by X" hung lower in the parse
            if t.i > verb.i and t.lower_ == "by" and t.dep_ in ("prep", "agent") and not ctx.in_quote[t.i]:
                for p in t.children:
                    if p.dep_ == "pobj" and not ctx.in_quote[p.i]:
                        return p
    for c in verb.children:
        if c.dep_ in _SUBJECTS and not ctx.in_quote[c.i]:
            if c.lower_ in ctx.lex.relative_pronouns and verb.dep_ == "relcl":
                return verb.head
            if 0 < depth < 4 and c.lower_ in ("it", "there", "this", "that", "which") and verb.head.i != verb.i:
                # "Pence said it takes time but added, '...'": past the embedded clause
                return _subject(ctx, verb.head, depth + 1) or c
            return c
    if depth < 4 and verb.dep_ in ("conj", "xcomp", "advcl", "acl", "relcl", "ccomp", "pcomp", "prep", "pobj") \
            and verb.head.i != verb.i:
        head = verb.head
        if verb.dep_ in ("acl", "relcl") and head.pos_ in ("NOUN", "PROPN"):
            lex = ctx.lex
            speakerlike = (head.lower_ in lex.source_nouns or head.lower_ in lex.group_heads or head.pos_ == "PROPN"
                           or lex.role_aliases.get(head.lower_, head.lower_) in lex.roles
                           or ctx.mention_at(head.idx, head.idx + len(head.text)) is not None)
            if speakerlike or verb.dep_ == "relcl":
                return head
            # "adopted a resolution by consensus condemning ...": the governing clause's subject
            while head.dep_ in ("pobj", "prep", "dobj", "npadvmod") and head.head.i != head.i:
                head = head.head
                if head.pos_ in ("VERB", "AUX"):
                    return _subject(ctx, head, depth + 1)
            return None
        return _subject(ctx, head, depth + 1)
    return None


def _np_span(ctx: _Context, tok: Token) -> tuple[int, int]:
    """Char span of the noun phrase headed by `tok` (left modifiers, the head, flat names)."""
    lo = tok.i
    for c in tok.lefts:
        if c.dep_ in ("det", "amod", "compound", "poss", "nmod", "nummod", "quantmod", "case") and not ctx.in_quote[c.i]:
            lo = min(lo, c.left_edge.i)
    hi = tok.i
    for c in tok.rights:
        if c.dep_ in ("compound", "flat") or (c.dep_ == "case" and c.i == tok.i + 1):
            hi = max(hi, c.i)
    while lo < tok.i and (ctx.doc[lo].is_punct or ctx.in_quote[lo]):
        lo += 1
    start = ctx.doc[lo].idx
    end = ctx.doc[hi].idx + len(ctx.doc[hi].text)
    return start, end


def _speaker_type_ok(m: Mention | None) -> Mention | None:
    return m if m is not None and m.label in SPEAKER_LABELS else None


def _resolve(ctx: _Context, tok: Token, state: dict) -> tuple[str, int, int, Mention | None]:
    """(mention text, start, end, named speaker or None) for a speaker token."""
    lex = ctx.lex
    m = ctx.mention_at(tok.idx, tok.idx + len(tok.text))
    if m is not None and tok.lower_ not in lex.source_nouns and tok.lower_ not in lex.group_heads:
        return m.text, m.start, m.end, m
    low = tok.lower_
    if low in lex.pronouns:
        return tok.text, tok.idx, tok.idx + len(tok.text), _pronoun(ctx, tok, state)
    start, end = _np_span(ctx, tok)
    text = ctx.text[start:end]
    if low in _CAMPAIGN_HEADS:
        # "the Clinton campaign", "her campaign", "the ad's narrator", "a narrator in the Clinton ad"
        found = _campaign_of(ctx, tok, state)
        if found is not None:
            return text, start, end, found
    # an appositive naming the person: "the spokesman, John Doe,"
    for c in tok.children:
        if c.dep_ == "appos":
            am = _speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
            if am is not None:
                return text, start, end, am
    role = lex.role_aliases.get(low, low)
    if low in lex.source_nouns:
        # "Kim's letter", "a statement from the campaign", "the committee's resolution"
        for c in tok.children:
            if c.dep_ == "poss":
                _, _, _, owner = _resolve(ctx, c, state)
                return text, start, end, owner
        for c in tok.children:
            if c.dep_ == "prep" and c.lower_ in lex.source_preps:
                for p in c.children:
                    if p.dep_ == "pobj":
                        _, _, _, owner = _resolve(ctx, p, state)
                        return text, start, end, owner
        inner = _speaker_type_ok(ctx.mention_at(start, tok.idx))
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
        has_person = any(_speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text))) is not None
                         and ctx.mention_at(c.idx, c.idx + len(c.text)).label == "PERSON" for c in tok.lefts)
        if person is None and definite and not has_person:
            # "the New York businessman said": a definite description of the person in focus
            person = _salient_person(ctx, tok, state, lex.role_gender.get(low), min_score=2.5)
        return text, start, end, person
    if low in lex.group_heads:
        for c in tok.children:
            if c.dep_ in ("poss", "compound", "amod", "nmod"):
                cm = _speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
                if cm is not None and cm.label != "PERSON":
                    return text, start, end, cm
                if c.dep_ == "poss" and cm is None:
                    _, _, _, owner = _resolve(ctx, c, state)
                    if owner is not None and owner.label != "PERSON":
                        return text, start, end, owner
            if c.dep_ == "prep" and c.lower_ == "of":
                for p in c.children:
                    pm = _speaker_type_ok(ctx.mention_at(p.idx, p.idx + len(p.text)))
                    if pm is not None and pm.label != "PERSON":
                        return text, start, end, pm
        return text, start, end, None
    return text, start, end, _missed_name(ctx, tok, start, end)


_CALENDAR = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april "
                      "may june july august september october november december today tonight".split())


def _missed_name(ctx: _Context, tok: Token, start: int, end: int) -> Mention | None:
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


def _document_owner(ctx: _Context, tok: Token) -> Mention | None:
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
                    m = _speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
                    if m is not None:
                        return m
                if c.dep_ in ("prep", "agent") and c.lower_ in ("by", "from"):
                    for p in c.children:
                        m = _speaker_type_ok(ctx.mention_at(p.idx, p.idx + len(p.text)))
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
                    m = _speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
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


def _campaign_owner(ctx: _Context, tok: Token, state: dict | None, depth: int = 0) -> Mention | None:
    """Whose campaign or ad `tok` is: a possessor or compound ("Clinton's", "the Clinton ad",
    "her campaign"), or the object of "in"/"from"/"of"/"by" ("a narrator in the Clinton ad")."""
    if depth > 2:
        return None
    for c in tok.children:
        if c.dep_ in ("poss", "compound", "nmod"):
            if c.lower_ in _CAMPAIGN_HEADS:
                return _campaign_owner(ctx, c, state, depth + 1)
            m = _speaker_type_ok(ctx.mention_at(c.idx, c.idx + len(c.text)))
            if m is None and state is not None and c.lower_ in ctx.lex.pronouns:
                m = _pronoun(ctx, c, state)
            if m is not None:
                return m
    for c in tok.children:
        if c.dep_ == "prep" and c.lower_ in ("in", "from", "of", "by", "for"):
            for p in c.children:
                if p.dep_ == "pobj":
                    if p.lower_ in _CAMPAIGN_HEADS:
                        return _campaign_owner(ctx, p, state, depth + 1)
                    m = _speaker_type_ok(ctx.mention_at(p.idx, p.idx + len(p.text)))
                    if m is not None and tok.lower_ != "campaign":
                        return m
    return None


def _campaign_of(ctx: _Context, tok: Token, state: dict) -> Mention | None:
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


def _pronoun(ctx: _Context, tok: Token, state: dict) -> Mention | None:
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


def _salient_person(ctx: _Context, tok: Token, state: dict, gender: str | None, *,
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
        if subject and _is_cue(ctx, h.head if h.dep_ != "appos" else h.head.head):
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


def _gender(ctx: _Context, m: Mention) -> str | None:
    return ctx.gender.get(m.entity_id)


_GENDERED = {"he": "m", "his": "m", "him": "m", "himself": "m", "she": "f", "her": "f", "hers": "f", "herself": "f"}


def _genders(ctx: _Context) -> None:
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


def _verb_after(ctx: _Context, span: QuotedSpan, hi: int) -> list[tuple[Token, str]]:
    """ "...!" beamed X / "...?" X pressed: any verb right after a quote that ends like speech."""
    inner = ctx.text[span.start:span.end].rstrip().rstrip(_CLOSING_MARKS + "\u2018")
    if not inner.endswith((",", "?", "!", "\u2014")):
        return []
    j = ctx._tok(span.close_end)
    if j < len(ctx.doc) and ctx.doc[j].idx < span.close_end:
        j += 1
    for k in range(j, min(hi, j + 8)):
        t = ctx.doc[k]
        if ctx.in_quote[k] or (t.is_punct and t.text not in ("-", "\u2013")):
            break
        if t.pos_ == "VERB" and t.tag_ in ("VBD", "VBZ"):
            return [(t, "")]
    return []


def _best_cue(ctx: _Context, span: QuotedSpan, lo: int, hi: int, kind: str = "full") -> tuple[Token, str] | None:
    cands = _cue_candidates(ctx, lo, hi)
    if not cands:
        cands = _verb_after(ctx, span, hi)
    if not cands:
        return None
    qs, qe = ctx._tok(span.open_start), ctx._tok(max(span.open_start, span.close_end - 1))
    i = span.open_start - 1
    while i >= 0 and ctx.text[i] in " \t\u00a0":
        i -= 1
    after_colon = i >= 0 and ctx.text[i] == ":"
    # the reporting verbs above the quote in the parse ("said he expects an 'aggressive appeal'")
    first, last = ctx._tok(span.start), ctx._tok(max(span.start, span.end - 1))
    ancestors: dict[int, int] = {}
    for k in range(first, last + 1):
        h, steps = ctx.doc[k], 0
        while h.head.i != h.i and steps < 10:
            h, steps = h.head, steps + 1
            if not first <= h.i <= last:
                ancestors[h.i] = min(steps, ancestors.get(h.i, 99))
    best, best_score = None, 1e9
    for tok, lemma in cands:
        verb = ctx.lex.verbs.get(tok.lower_)
        above = tok.i in ancestors
        if verb is not None and verb.cls == "weak" and not above and lemma:
            continue  # "shared", "found", "posted": reporting verbs only when the quote is their object
        if tok.i < qs:
            dist = qs - tok.i
            between = range(tok.i + 1, qs)
            # a cue sandwiched after an earlier quote belongs to that quote first
            if any(ctx.in_quote[j] for j in range(max(lo, tok.i - 4), tok.i)):
                dist += 6
        else:
            dist = tok.i - qe + (10 if after_colon else 0)
            between = range(qe + 1, tok.i)
        if any(ctx.in_quote[j] for j in between):
            dist += 12
        verb = ctx.lex.verbs.get(tok.lower_)
        if verb is not None and verb.cls == "belief":
            dist += 10
        if _subject(ctx, tok) is None and _adjacent_subject(ctx, tok) is None:
            dist += 8
        if above:  # the quote sits in the verb's subtree
            dist -= 3 if kind == "full" else 20 - ancestors[tok.i]
        if dist < best_score:
            best, best_score = (tok, lemma), dist
    return best


def _clause_subject(ctx: _Context, span: QuotedSpan) -> tuple[Token, Token] | None:
    """For a fragment without a reporting verb: the subject of the clause governing it."""
    first = ctx._tok(span.start)
    last = ctx._tok(max(span.start, span.end - 1))
    for i in range(first, last + 1):
        h = ctx.doc[i]
        steps = 0
        while h.i >= first and h.i <= last and h.head.i != h.i and steps < 6:
            h = h.head
            steps += 1
        if first <= h.i <= last:
            continue
        for _ in range(6):
            if h.pos_ in ("VERB", "AUX"):
                s = _subject(ctx, h)
                if s is not None:
                    return h, s
            if h.head.i == h.i:
                break
            h = h.head
        return None
    return None


def _sentence_range(ctx: _Context, span: QuotedSpan) -> tuple[int, int]:
    """Token range of the sentences touching the quote, clipped to its paragraph."""
    qs = ctx._tok(span.open_start)
    qe = ctx._tok(max(span.open_start, span.close_end - 1))
    s0 = ctx.sents[ctx.sent_of(qs)][0]
    s1 = ctx.sents[ctx.sent_of(qe)][1]
    ps, pe = ctx.paras[ctx.para_of(span.open_start)]
    # "...," the editorial read. / "...?" he asked: the attribution after the closing mark
    # belongs to the quote even where the parser starts a new sentence there
    if s1 == qe + 1 and s1 < len(ctx.doc) and ctx.doc[s1].idx < pe and not ctx.in_quote[s1]:
        inner = ctx.text[span.start:span.end].rstrip().rstrip(_CLOSING_MARKS + "\u2018")
        nxt = ctx.doc[s1]
        nxt_end = ctx.sents[ctx.sent_of(s1)][1]
        cue_early = False
        for k in range(s1, min(nxt_end, s1 + 12)):
            if ctx.in_quote[k]:
                break
            if _is_cue(ctx, ctx.doc[k]):
                cue_early = True
                break
        if inner.endswith((",", "\u2014", "-")) or nxt.is_lower or (inner.endswith(("?", "!")) and (nxt_end - s1 <= 8 or cue_early)):
            s1 = nxt_end
    while s0 < qs and ctx.doc[s0].idx < ps:
        s0 += 1
    while s1 > qe + 1 and ctx.doc[s1 - 1].idx >= pe:
        s1 -= 1
    return s0, s1


def _adjacent_subject(ctx: _Context, verb: Token) -> Token | None:
    """ "said X" / "X said" read off the word order when the parse links the name elsewhere
    (typically a sentence the parser ran on into the next paragraph)."""
    doc, lex = ctx.doc, ctx.lex
    if verb.lower_ == "according":
        return None

    def candidate(t: Token) -> Token | None:
        if ctx.in_quote[t.i] or t.is_space:
            return None
        if t.lower_ in lex.pronouns and lex.pronouns[t.lower_].get("type") == "PERSON" and t.lower_ not in ("him", "her"):
            return t
        m = ctx.mention_at(t.idx, t.idx + len(t.text))
        if m is not None and m.label in SPEAKER_LABELS:
            return doc[ctx._tok(m.end - 1)]
        return None

    k = verb.i - 1
    while k >= 0 and doc[k].pos_ in ("ADV", "AUX", "PART") and verb.i - k <= 3:
        k -= 1
    # "...," said X / "..." -- said X: the verb right after the closing mark
    inverted = k >= 0 and (ctx.in_quote[k] or (doc[k].text in (",", "\u2014") and k > 0 and ctx.in_quote[k - 1]))
    j = verb.i + 1
    while j < len(doc) and j <= verb.i + 5 and (doc[j].pos_ in ("DET", "ADJ", "NUM", "PROPN", "NOUN")
                                                 or doc[j].dep_ in ("amod", "compound")) and not ctx.in_quote[j]:
        c = candidate(doc[j]) if inverted else None
        if c is not None:
            return c
        # "said a South Carolina Democrat": the noun phrase after an inverted reporting verb
        if inverted and doc[j].pos_ in ("NOUN", "PROPN") and (j + 1 >= len(doc) or doc[j + 1].pos_ not in ("NOUN", "PROPN")):
            return doc[j]
        j += 1
    if inverted and j < len(doc) and j == verb.i + 1:
        c = candidate(doc[j])
        if c is not None:
            return c
    if k >= 0:
        c = candidate(doc[k])
        if c is not None:
            return c
        if doc[k].pos_ in ("NOUN", "PROPN") and not ctx.in_quote[k]:
            return doc[k]
    if k >= 0 and doc[k].text == ",":
        # "X, President Obama's former chief of staff, said": a name before an appositive
        for j in range(k - 1, max(-1, k - 30), -1):
            if ctx.in_quote[j]:
                break
            m = ctx.mention_at(doc[j].idx, doc[j].idx + len(doc[j].text))
            if m is not None and m.label in SPEAKER_LABELS:
                between = ctx.text[m.end:doc[k].idx].strip()
                before = ctx.text[:m.start].rstrip()
                if between.startswith(",") and (not before or before[-1] in _CLOSING_MARKS + ",\n"):
                    return doc[ctx._tok(m.end - 1)]
    return None


def _from_cue(ctx: _Context, tok: Token, lemma: str, rule: str, state: dict) -> Attribution | None:
    subj = _subject(ctx, tok)
    if subj is not None and ctx.para_of(subj.idx) != ctx.para_of(tok.idx):
        subj = None  # the parser ran a sentence over a paragraph break
    subj = subj or _adjacent_subject(ctx, tok)
    if subj is not None and subj.lower_ in ("him", "her", "them", "me", "us", "whom"):
        return None  # "made him fume": an object, not someone reporting
    if subj is None:
        return None
    text, start, end, who = _resolve(ctx, subj, state)
    cue = "according to" if lemma == "according" else (lemma or None)
    return Attribution("according_to" if lemma == "according" else rule, cue, text, start, end, who)


_WORD_RE = re.compile(r"[A-Za-z][\w'\u2019.-]*")


def _text_cue(ctx: _Context, span: QuotedSpan, state: dict) -> Attribution | None:
    """ "X said" / "said X" read from the raw words next to the quote, for text the tokenizer
    glued together (said,"Look)."""
    text, lex = ctx.text, ctx.lex
    ps, pe = ctx.paras[ctx.para_of(span.open_start)]
    windows = []
    after_end = min(pe, span.close_end + 80)
    for mark in "\u201c\"":
        k = text.find(mark, span.close_end, after_end)
        if k >= 0:
            after_end = k
    windows.append((span.close_end, after_end))
    windows.append((max(ps, span.open_start - 60), span.open_start))
    for lo, hi in windows:
        for w in _WORD_RE.finditer(text, lo, hi):
            word = w.group().rstrip(".").lower()
            verb = lex.verbs.get(word)
            if verb is None or verb.cls == "belief" or verb.needs:
                continue
            # the nearest name or pronoun next to the verb, same window
            best = None
            for m in ctx.mentions:
                if m.start >= hi or m.end <= lo:
                    continue
                gap = w.start() - m.end if m.end <= w.start() else m.start - w.end()
                if 0 <= gap <= 3 and (best is None or gap < best[0]):
                    best = (gap, m)
            if best is not None:
                m = best[1]
                return Attribution("cue", verb.lemma, m.text, m.start, m.end, m)
            for p in _WORD_RE.finditer(text, max(lo, w.start() - 5), min(hi, w.end() + 5)):
                if p.group().lower() in ("he", "she"):
                    t = ctx.doc[ctx._tok(p.start())]
                    if t.idx == p.start():
                        who = _pronoun(ctx, t, state)
                        return Attribution("cue", verb.lemma, t.text, t.idx, t.idx + len(t.text), who)
    return None


def _glued(ctx: _Context, lo: int, hi: int) -> bool:
    """A token with a quotation mark stuck inside it (said,"Look): the parse missed the cue."""
    marks = "\u201c\u201d\""
    return any(len(t.text) > 1 and any(m in t.text for m in marks)
               for t in ctx.doc[max(0, lo - 1):min(len(ctx.doc), hi + 1)])


def _name_line(ctx: _Context, para: int) -> Mention | None:
    """A short paragraph that only names a person (with an age, a place, a title):
    '- Hillary Clinton.', 'Maria Lopez, 34, Phoenix'."""
    s, e = ctx.paras[para]
    text = ctx.text[s:e]
    dash = text[:1] in "-\u2014\u2013"
    if len(text.split()) > (20 if dash else 14):
        return None
    lead = s + (1 if dash else 0)
    while lead < e and ctx.text[lead] in " \u00a0":
        lead += 1
    m = ctx.mention_at(lead, min(e, lead + 25))
    if m is None or m.label != "PERSON" or len(ctx.text[lead:m.start].split()) > 2:
        return None
    if not dash:  # a sentence about the person is not a name line
        for t in ctx.doc[ctx._tok(s):ctx._tok(e - 1) + 1]:
            if t.tag_ in ("VBD", "VBZ", "VBP", "MD") and not ctx.in_quote[t.i]:
                return None
    return m


_DASH_NAME = re.compile(r"[-\u2014\u2013]\s*((?:[A-Z][\w.'\u2019-]*\s?){1,4})(?=[,.]|$)")


def _source_line(ctx: _Context, span: QuotedSpan) -> Attribution | None:
    """A quote-only paragraph with its source on a line of its own, after or before it."""
    para = ctx.para_of(span.open_start)
    ps, pe = ctx.paras[para]
    if span.close_end < pe - 2 or span.open_start > ps + 2:
        return None
    for other in (para + 1, para - 1):
        if 0 <= other < len(ctx.paras) and other >= 2:
            m = _name_line(ctx, other)
            if m is not None:
                return Attribution("source_line", None, m.text, m.start, m.end, m)
    if para + 1 < len(ctx.paras):  # '-Jane Doe, Ohio.' with a name the entity rules missed
        ns, ne = ctx.paras[para + 1]
        found = _DASH_NAME.match(ctx.text, ns, ne)
        if found is not None and len(ctx.text[ns:ne].split()) <= 20:
            name = found.group(1).strip()
            start = found.start(1)
            who = _speaker_type_ok(ctx.mention_at(start, start + len(name)))
            return Attribution("source_line", None, name, start, start + len(name), who)
    return None


_LABEL = re.compile(r"\s*([A-Z][A-Za-z.'\u2019-]+(?: [A-Z][A-Za-z.'\u2019-]+){0,2}):\s")


def _transcript_label(ctx: _Context, span: QuotedSpan) -> Attribution | None:
    """Transcripts: 'PENCE: ...' at the start of the quote, or 'PENCE: "..."' before it."""
    text = ctx.text
    m = _LABEL.match(text, span.start, min(span.end, span.start + 40))
    if m is None:
        ps, _ = ctx.paras[ctx.para_of(span.open_start)]
        lead = text[ps:span.open_start]
        m2 = re.fullmatch(r"\s*([A-Z][A-Za-z.'\u2019-]+(?: [A-Z][A-Za-z.'\u2019-]+){0,2})\s*:\s*", lead)
        if m2 is None:
            return None
        label, start = m2.group(1), ps + m2.start(1)
    else:
        label, start = m.group(1), m.start(1)
    if label.upper() != label and " " not in label:
        return None  # "Note:", "Update:" are not speakers; transcripts write the name in capitals
    if label.lower() in ("q", "a", "note", "update", "editor's note", "video", "audio", "correction"):
        return None
    end = start + len(label)
    who = ctx.mention_at(start, end)
    if who is None or who.label not in SPEAKER_LABELS:
        last = label.split()[-1].lower()
        who = next((x for x in ctx.mentions if x.label == "PERSON"
                    and (x.canonical_name or x.text).split()[-1].lower() == last), None)
    return Attribution("transcript", None, label, start, end, who)


_TRAILING_SOURCE = re.compile(r"[ \t\u00a0]*[\u2015\u2014\u2013-]+[ \t\u00a0]*"
                              r"([A-Z][\w.'\u2019-]*(?:[ \t][A-Z][\w.'\u2019-]*){0,4})[ \t.\u00a0]*(?=[,\n]|$)")


def _trailing_source(ctx: _Context, span: QuotedSpan) -> Attribution | None:
    """A source after a dash closing the quote's line: '"..." \u2015 Jane Doe' or '"..." - Jane Doe,
    34, Phoenix' (lists of reader or voter comments)."""
    found = _TRAILING_SOURCE.match(ctx.text, span.close_end)
    if found is None:
        return None
    line_end = ctx.text.find("\n", found.end())
    line_end = len(ctx.text) if line_end < 0 else line_end
    if len(ctx.text[found.end():line_end].split()) > 12:
        return None
    name = found.group(1).rstrip(".")
    start = found.start(1)
    end = start + len(name)
    who = _speaker_type_ok(ctx.mention_at(start, end))
    if who is None:
        label = "PERSON" if len(name.split()) > 1 else "ORGANIZATION"
        who = Mention(start, end, name, label, "", entity_id(label, name), name)
    return Attribution("source_line", None, name, start, end, who)


def _attribute(ctx: _Context, span: QuotedSpan, kind: str, state: dict) -> Attribution:
    lo, hi = _sentence_range(ctx, span)
    a = _trailing_source(ctx, span)
    if a is not None:
        return a
    found = _best_cue(ctx, span, lo, hi, kind)
    if found is not None:
        a = _from_cue(ctx, *found, "cue", state)
        if a is not None:
            return a
    if _glued(ctx, lo, hi):
        a = _text_cue(ctx, span, state)
        if a is not None:
            return a
    a = _transcript_label(ctx, span) or _source_line(ctx, span)
    if a is not None:
        return a
    text = ctx.text
    para = ctx.para_of(span.open_start)
    ps, pe = ctx.paras[para]
    # colon lead-in: "X said:" / "X:" right before the quote (or ending the previous paragraph)
    i = span.open_start - 1
    while i >= 0 and text[i].isspace():
        i -= 1
    if i >= 0 and text[i] == ":":
        ct = ctx._tok(i)
        s_lo = ctx.sents[ctx.sent_of(ct)][0]
        cand = _best_cue(ctx, span, s_lo, ct)
        if cand is not None:
            a = _from_cue(ctx, *cand, "colon", state)
            if a is not None:
                return a
        if ct > 0:
            prev = ctx.doc[ct - 1]
            m = _speaker_type_ok(ctx.mention_at(prev.idx, prev.idx + len(prev.text)))
            if m is None and ct - s_lo <= 12 and prev.text == ")":
                # "Rep. Jane Roe (R-Ohio):" -- a name and its bracket before the colon
                m = _speaker_type_ok(ctx.mention_at(max(ps, prev.idx - 30), prev.idx))
                m = m if m is not None and ctx.text.find("(", m.end, prev.idx) >= 0 else None
            if m is None and len(ctx.text[ps:i].split()) <= 12:
                # "Maria Lopez, 34, a nurse from Phoenix: '...'"
                first = ctx.mention_at(ps, i)
                if first is not None and first.label == "PERSON" and len(ctx.text[ps:first.start].split()) <= 2:
                    m = first
            if m is not None:
                return Attribution("colon", None, m.text, m.start, m.end, m)
            # "He then listed the qualities:", "As Professor Foner put it:" -> the lead-in's subject
            for j in range(ct - 1, s_lo - 1, -1):
                v = ctx.doc[j]
                if v.pos_ in ("VERB", "AUX") and not ctx.in_quote[j]:
                    subj = _subject(ctx, v)
                    if subj is not None and subj.lower_ not in ("it", "there", "this", "that", "what"):
                        t, st, en, who = _resolve(ctx, subj, state)
                        return Attribution("colon", None, t, st, en, who)
    # a lead-in clause in the quote's own sentence: "As X put it, '...'", "X riffed, '...'"
    qs_tok = ctx._tok(span.open_start)
    k = span.open_start - 1
    while k >= 0 and ctx.text[k] in " \t\u00a0":
        k -= 1
    if kind == "full" and k >= 0 and ctx.text[k] in ",:" and qs_tok - lo <= 40:
        for j in range(qs_tok - 1, lo - 1, -1):
            v = ctx.doc[j]
            if v.pos_ == "VERB" and not ctx.in_quote[j] and ctx.doc[j].idx >= ps:
                subj = _subject(ctx, v)
                if subj is not None and subj.i < v.i and not ctx.in_quote[subj.i] and subj.idx >= ps \
                        and subj.lower_ not in ("it", "there", "this", "that", "which", "what"):
                    t, st, en, who = _resolve(ctx, subj, state)
                    return Attribution("clause_subject", None, t, st, en, who)
                break
    if kind == "partial":
        cs = _clause_subject(ctx, span)
        if cs is not None:
            verb, subj = cs
            t, s, e, who = _resolve(ctx, subj, state)
            return Attribution("clause_subject", None, t, s, e, who)
    # the quote before it in the same paragraph ("A," X said. "B.")
    prev_att = state.get("prev_att")
    prev_para = state.get("prev_para")
    if lo > 0 and prev_att is not None and prev_para == para:
        # '"A," X said. Y disagreed. "B."': a sentence after the last quote names a new speaker
        p0, p1 = ctx.sents[ctx.sent_of(lo - 1)]
        if ctx.doc[p0].idx >= state.get("prev_end", 0) and not any(ctx.in_quote[k] for k in range(p0, p1)):
            a = _previous_sentence(ctx, span, p0, p1, state)
            if a is not None and a.speaker is not None:
                return a
    if prev_att is not None and prev_para == para and prev_att.mention_text:
        return Attribution("continuation", prev_att.cue, prev_att.mention_text, prev_att.mention_start,
                           prev_att.mention_end, prev_att.speaker)
    # a speaker named with a reporting verb in the sentence just before, same paragraph
    if lo > 0:
        p0, p1 = ctx.sents[ctx.sent_of(lo - 1)]
        if ctx.doc[p0].idx >= ps or ctx.doc[max(p0, p1 - 1)].idx >= ps:
            a = _previous_sentence(ctx, span, p0, lo, state)
            if a is not None:
                return a
    if para > 0 and lo > 0 and prev_para == para - 1:
        # the previous paragraph ends with a sentence after its quote: a new speaker there
        # ('"...," Trump said. Clinton shot back.') outranks the last speaker
        p0, p1 = ctx.sents[ctx.sent_of(lo - 1)]
        if ctx.para_of(ctx.doc[p0].idx) == para - 1 and ctx.doc[p0].idx >= state.get("prev_end", 0) \
                and not any(ctx.in_quote[k] for k in range(p0, p1)):
            a = _previous_sentence(ctx, span, p0, p1, state)
            if a is not None and a.speaker is not None:
                return a
    if prev_att is not None and prev_para is not None and para - prev_para <= 1 and prev_att.mention_text:
        return Attribution("continuation", prev_att.cue, prev_att.mention_text, prev_att.mention_start,
                           prev_att.mention_end, prev_att.speaker)
    if para > 0 and lo > 0:
        p0, p1 = ctx.sents[ctx.sent_of(lo - 1)]
        if ctx.para_of(ctx.doc[p0].idx) == para - 1:
            a = _previous_sentence(ctx, span, p0, p1, state)
            if a is not None:
                return a
    return Attribution("none", None, None, None, None, None)


def _previous_sentence(ctx: _Context, span: QuotedSpan, lo: int, hi: int, state: dict) -> Attribution | None:
    """A speaker introduced in the sentence before a quote-only sentence: through a reporting
    verb ("X said on Monday."), else a named subject ("X defended the cuts.")."""
    best = None
    for tok, lemma in _cue_candidates(ctx, lo, hi):
        verb = ctx.lex.verbs.get(tok.lower_)
        if verb is not None and verb.cls == "belief":
            continue
        a = _from_cue(ctx, tok, lemma, "previous_sentence", state)
        if a is not None and a.mention_text and a.mention_text.lower() not in ("i", "we"):
            best = a
    if best is not None:
        return best
    for t in ctx.doc[lo:hi]:
        if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX") and not ctx.in_quote[t.i]:
            subj = _subject(ctx, t)
            if subj is None or ctx.in_quote[subj.i]:
                return None
            text, start, end, who = _resolve(ctx, subj, state)
            if who is not None and who.label in ("PERSON", "ORGANIZATION"):
                return Attribution("previous_sentence", None, text, start, end, who)
            return None
    return None


def quotes(doc: Doc, mentions: Sequence[Mention], *, single_quotes: str = "auto",
           keep_unattributed: bool = False) -> Iterator[Quote]:
    """Yield the quotes of `doc` with their speakers, in text order.

    single_quotes: "auto" (single marks are quotation marks in headline-like paragraphs and
    British-style texts), "always" or "never".
    keep_unattributed: also yield quoted text that no rule attributes (no reporting verb, no
    lead-in, no speaker in context; rule "none"). Off by default: such text is mostly a
    slogan, a sign, a title or a quotation the article does not present as anyone's words.
    """
    spans = list(quoted_spans(doc.text, single_quotes=single_quotes))
    if not spans:
        return
    ctx = _Context(doc, mentions, spans)
    _genders(ctx)
    state: dict = {}
    found: list[tuple[QuotedSpan, str, Attribution]] = []
    for span in spans:
        if _scare_or_title(ctx, span):
            continue
        kind = _clause_kind(ctx, span, quote_kind(ctx.text, span))
        att = _attribute(ctx, span, kind, state)
        if att.mention_text:
            state["prev_att"] = att
            state["prev_para"] = ctx.para_of(span.open_start)
            state["prev_end"] = span.close_end
        if att.speaker is not None:
            state["last"] = att.speaker
            state["last_para"] = ctx.para_of(span.open_start)
        found.append((span, kind, att))
    for span, kind, att in _share_within_chains(found):
        if att.rule == "none" and (not keep_unattributed or kind == "partial"):
            continue
        if kind == "partial" and att.mention_text is None and len(_words(ctx.text[span.start:span.end])) <= 3:
            continue  # a word or two in quotes that nobody is said to have said
        who = att.speaker
        yield Quote(
            start=span.start, end=span.end, text=ctx.text[span.start:span.end], kind=kind,
            speaker_mention=att.mention_text, speaker_mention_start=att.mention_start,
            speaker_mention_end=att.mention_end,
            speaker=who.canonical_name if who else None,
            speaker_entity_id=who.entity_id if who else None,
            speaker_type=who.label if who else None,
            cue=att.cue, rule=att.rule,
            confidence=_CONFIDENCE[att.rule] * (1.0 if who is not None or att.rule == "none" else 0.8),
        )


_DIRECT_RULES = ("cue", "according_to", "colon", "transcript", "source_line")


def _share_within_chains(found: list[tuple[QuotedSpan, str, Attribution]]):
    """The paragraphs of one multi-paragraph quote share one speaker: the one attributed in the
    nearest paragraph before (at its start; in a transcript, the last label), else the one named
    where it ends ("...," she said)."""
    out, chain = [], []
    for item in found:
        chain.append(item)
        if not item[0].open_ended:
            out += _settle(chain)
            chain = []
    return out + _settle(chain)


def _settle(chain: list[tuple[QuotedSpan, str, Attribution]]) -> list[tuple[QuotedSpan, str, Attribution]]:
    if len(chain) < 2:
        return chain
    direct = [att for _, _, att in chain if att.rule in _DIRECT_RULES]
    if not direct:
        return chain
    out, before = [], None
    for n, (span, kind, att) in enumerate(chain):
        if att.rule in _DIRECT_RULES:
            before = att
            out.append((span, kind, att))
            continue
        # the nearest paragraph before with its own attribution (a transcript's last label),
        # else the first one after ("...," she said at the end)
        head = before or next(a for _, _, a in chain[n + 1:] if a.rule in _DIRECT_RULES)
        out.append((span, kind, Attribution("continuation", head.cue, head.mention_text, head.mention_start,
                                            head.mention_end, head.speaker)))
    return out
