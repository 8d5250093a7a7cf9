"""What the quote rules share about one document: the parse, its mentions, paragraphs,
sentences, which tokens lie inside quotation marks, and people introduced with a role."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from spacy.tokens import Doc

from pipeline.quotes.lexicon import lexicon
from pipeline.quotes.marks import QuotedSpan, paragraphs
from pipeline.records import Mention

SPEAKER_LABELS = ("PERSON", "ORGANIZATION", "COUNTRY")


SUBJECTS = ("nsubj", "nsubjpass", "csubj")


CLOSING_MARKS = "\u201d\u2019\"'"


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a quote is attributed to, before it becomes a Quote record."""

    rule: str
    cue: str | None
    mention_text: str | None
    mention_start: int | None
    mention_end: int | None
    speaker: Mention | None


class Context:
    """Per-document indexes shared by the rules (built once per call)."""

    def __init__(self, doc: Doc, mentions: Sequence[Mention], spans: list[QuotedSpan]):
        self.doc = doc
        self.text = doc.text
        self.lex = lexicon()
        self.mentions = sorted((m for m in mentions if m.label in SPEAKER_LABELS and m.kind == "name"),
                               key=lambda m: m.start)
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
        self.gender: dict[str, str] = {}  # entity_id -> "m"/"f" (pipeline.resolve.gender)
        self.gender_source: dict[str, str] = {}
        self.salience_cache: dict = {}
        self.ambiguous: set[int] = set()  # tokens whose antecedent had a close runner-up (pipeline.resolve.pronouns)
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


def speaker_type_ok(m: Mention | None) -> Mention | None:
    return m if m is not None and m.label in SPEAKER_LABELS else None
