"""Quoted spans of a text found from its quotation marks alone (no parse needed).

`quoted_spans(text)` pairs the marks paragraph by paragraph, so one stray or unbalanced
mark never costs the rest of the article:

- double marks: curly, straight, and the double apostrophe ('') of some archives; each
  mark's role (opening / closing) comes from the characters around it, so a mark typed
  the wrong way round still pairs;
- single marks (‘…’ or '…') only where a text uses them as quotation marks: headline-like
  paragraphs (the first two, short and without a closing full stop) and articles written in
  British style (no double quotes at all in the body); never inside double quotes (nested
  quotes) and never as apostrophes (don't, the players' union);
- a quote running over several paragraphs (each paragraph opens with a mark, only the last
  closes) gives one span per paragraph, `open_ended=True` for all but the last.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

OPEN, CLOSE, EITHER = 1, 2, 3
_DOUBLE = re.compile(r"''|``|[\"\u201c\u201d\u201e\u00ab\u00bb]")
_SINGLE = re.compile(r"[\u2018\u2019']")
_PARAGRAPH = re.compile(r"\n\s*")  # blank lines, and single line breaks some archives use
_OPEN_BEFORE = set(" \t\n\u00a0([{\u2014\u2013-/")  # a mark after these opens
_CLOSE_AFTER = set(" \t\n\u00a0)]}.,;:!?\u2014\u2013-/")  # a mark before these closes
_SENTENCE_END = tuple(".!?")


@dataclass(frozen=True, slots=True)
class QuotedSpan:
    """Text between a pair of quotation marks (offsets exclude the marks)."""

    start: int
    end: int
    open_start: int  # offset of the opening mark
    close_end: int  # offset just after the closing mark (== end when open-ended)
    open_ended: bool  # a paragraph of a multi-paragraph quote, closed in a later paragraph
    style: str  # "double" or "single"


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph (separated by blank lines or line breaks), whitespace trimmed."""
    spans, pos = [], 0
    for m in _PARAGRAPH.finditer(text):
        spans.append((pos, m.start()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for s, e in spans:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            out.append((s, e))
    return out


def _role(text: str, start: int, end: int, default: int, lo: int, hi: int) -> int:
    before = text[start - 1] if start > lo else " "
    after = text[end] if end < hi else " "
    opens = before in _OPEN_BEFORE or before in "\u201c\u201d\"'\u2018\u2019"
    closes = after in _CLOSE_AFTER or after in "\u201c\u201d\"'\u2018\u2019"
    if opens and not closes:
        return OPEN
    if closes and not opens:
        return CLOSE
    return default


def _marks(text: str, lo: int, hi: int, pattern: re.Pattern, skip: list[tuple[int, int]] = ()) -> list[tuple[int, int, int]]:
    out = []
    for m in pattern.finditer(text, lo, hi):
        s, e = m.span()
        if any(a <= s < b for a, b in skip):
            continue
        ch = m.group()
        if ch in ("\u201c", "\u201e", "``", "\u00ab", "\u2018"):
            default = OPEN
        elif ch in ("\u201d", "\u00bb"):
            default = CLOSE
        elif ch in ("\u2019", "'"):
            # apostrophes: inside a word (don't) or a plural possessive (players')
            before = text[s - 1] if s > lo else " "
            after = text[e] if e < hi else " "
            if before.isalnum() and after.isalnum():
                continue
            default = EITHER
        else:
            default = EITHER
        role = _role(text, s, e, default, lo, hi)
        if ch in ("''",) and role == EITHER:
            continue
        out.append((s, e, role))
    return out


def _pair(marks: list[tuple[int, int, int]]) -> tuple[list[tuple[int, int, int, int]], tuple[int, int] | None]:
    """Pair marks left to right; returns closed (open_s, open_e, close_s, close_e) and an unclosed opener."""
    pairs, opener = [], None
    for s, e, role in marks:
        if opener is None:
            if role in (OPEN, EITHER):
                opener = (s, e)
            # a closing mark with nothing open is stray: skipped
        elif role in (CLOSE, EITHER):
            pairs.append((opener[0], opener[1], s, e))
            opener = None
        else:  # a second opening mark: the first one was stray or never closed
            opener = (s, e)
    return pairs, opener


def _headline_like(text: str, s: int, e: int) -> bool:
    chunk = text[s:e]
    return len(chunk.split()) <= 60 and not chunk.rstrip("\u201d\u2019\"' ").endswith(_SENTENCE_END)


def quoted_spans(text: str, *, single_quotes: str = "auto") -> Iterator[QuotedSpan]:
    """Yield the quoted spans of `text` in order.

    single_quotes: "auto" (headline-like paragraphs and British-style texts), "always" or "never".
    """
    paras = paragraphs(text)
    doubles = [_marks(text, s, e, _DOUBLE) for s, e in paras]
    british = single_quotes == "always" or (
        single_quotes == "auto" and not any(m for m in doubles[2:]) and len(paras) > 2)
    for i, (ps, pe) in enumerate(paras):
        pairs, opener = _pair(doubles[i])
        style = "double"
        if not doubles[i] and single_quotes != "never" and (british or (i < 2 and _headline_like(text, ps, pe))):
            pairs, opener = _pair(_marks(text, ps, pe, _SINGLE))
            style = "single"
            pairs = [p for p in pairs if p[2] - p[1] > 1]
        for os_, oe, cs, ce in pairs:
            if (os_ > 0 and text[os_ - 1] == "=") or text[oe:cs].rstrip().endswith("="):
                continue  # markup attribute (author="...") left in the text
            if cs > oe and text[oe:cs].strip():
                yield QuotedSpan(oe, cs, os_, ce, False, style)
        if opener is not None and style == "double":
            os_, oe = opener
            nxt = doubles[i + 1] if i + 1 < len(doubles) else []
            next_opens = bool(nxt) and nxt[0][0] == paras[i + 1][0] and nxt[0][2] in (OPEN, EITHER)
            at_start = os_ == ps
            if (next_opens or at_start) and text[oe:pe].strip():
                yield QuotedSpan(oe, pe, os_, pe, True, style)
