"""Which quoted spans are quotes: names, titles of works and scare quotes stay out; full or partial."""

from __future__ import annotations

import re

from pipeline.quotes.context import CLOSING_MARKS, Context
from pipeline.quotes.cues import is_cue
from pipeline.quotes.marks import QuotedSpan


def quote_words(text: str) -> list[str]:
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
    starts_sentence = before in "\n.!?:,\u2014\u2013-(" or before in CLOSING_MARKS
    if first.isupper() or first.isdigit():
        if starts_sentence or len(quote_words(inner)) >= 6:
            return "full"
    return "partial"


def clause_kind(ctx: Context, span: QuotedSpan, kind: str) -> str:
    """A lower-case quote that holds a whole clause (a finite verb and its subject inside the
    marks: recalled that "until last year, the peninsula was ...") is full, not partial."""
    if kind == "full" or len(quote_words(ctx.text[span.start:span.end])) < 6:
        return kind
    first, last = ctx._tok(span.start), ctx._tok(max(span.start, span.end - 1))
    for t in ctx.doc[first:last + 1]:
        if t.tag_ in ("VBD", "VBZ", "VBP", "MD") and any(
                c.dep_ in ("nsubj", "nsubjpass", "expl") and first <= c.i <= last for c in t.children):
            return "full"
    return kind


def name_or_title(ctx: Context, span: QuotedSpan) -> bool:
    """A name in marks, never anyone's words: a title of a work (the film "...", "..." by X, a Title
    Case phrase), a nickname or label ("dubbed", "known as", "so-called")."""
    inner = ctx.text[span.start:span.end]
    words = quote_words(inner)
    if not words:
        return True
    if _names_a_work(ctx, span, words) or _named(ctx, span, words):
        return True
    if len(words) > 3:
        # a Title Case phrase of four to eight words is a title ("A Change Is Gonna Come," she sang);
        # headlines, written in Title Case, may quote speech that way
        ends = ("!", "?") if ctx.para_of(span.open_start) > 0 else (".", "!", "?", ",")
        return len(words) <= 8 and _is_title(words) and not inner.rstrip().endswith(ends)
    return len(words) >= 2 and _is_title(words) and not inner.rstrip().endswith(("!", "?"))


def unreported_fragment(ctx: Context, span: QuotedSpan) -> bool:
    """One to three words, not a sentence, that no reporting verb governs: a scare quote unless
    the attribution names who said them."""
    inner = ctx.text[span.start:span.end]
    words = quote_words(inner)
    if len(words) > 3:
        return False
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
            if v and v.cls in ("speech", "describe", "weak") and h.pos_ in ("VERB", "AUX") and is_cue(ctx, h):
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
                    and is_cue(ctx, h):
                return False
    return True


_BY_AUTHOR = re.compile(r"\s*,?\s*by\s+(?:[A-Z]|the\s+[A-Z])")


def _names_a_work(ctx: Context, span: QuotedSpan, words: list[str]) -> bool:
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


def _named(ctx: Context, span: QuotedSpan, words: list[str]) -> bool:
    """A nickname or label (up to six words): so-called "...", known as "...", dubbed (the plan) "..."."""
    if len(words) > 6:
        return False
    before = re.sub(r"\s+", " ", ctx.text[max(0, span.open_start - 60):span.open_start].lower())
    lead = re.split(r"[.;:!?\u201c\u201d\"()]", before.rstrip(" \u00a0,"))[-1].split()  # this clause only
    if any(" ".join(lead[-k:]) in ctx.lex.name_cues for k in (1, 2, 3) if len(lead) >= k):
        return True
    # a naming verb, then up to three words naming what is called so
    for n in range(len(lead) - 2, max(-1, len(lead) - 5), -1):
        if lead[n] in ctx.lex.naming_verbs:
            return not any(w in ctx.lex.verbs or w == "as" for w in lead[n + 1:])
    return False
