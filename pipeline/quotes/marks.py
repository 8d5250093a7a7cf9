"""Quoted spans of a text found from its quotation marks alone (no parse needed).

`quoted_spans(text)` pairs the marks paragraph by paragraph, so one stray or unbalanced
mark never costs the rest of the article:

- double marks: curly, straight, and the double apostrophe ('') of some archives; single
  marks: curly and straight. Each mark's role (opening / closing) comes from the characters
  around it, so a mark typed the wrong way round still pairs;
- apostrophes never open or close a quote: inside a word (don't, o'clock, 6'2"), a leading
  elision (the '90s, rock 'n' roll, 'em, 'yung); a word-final one after s, z, x or a digit
  (the Joneses' car, Jones' cow) closes a single quote only when nothing later in the paragraph can;
- nested quotes either way (double in single, single in double) stay inside the outer quote;
- a quote opened with one kind of mark and closed with the other still pairs;
- a quote running over several paragraphs (each paragraph opens with a mark, only the last
  closes) gives one span per paragraph, `open_ended=True` for all but the last; a quote
  closed after a line break whose next line does not reopen it (hard-wrapped or
  one-sentence-per-line text) is one span, its lines one paragraph (`paragraphs`).

Every step is linear in the length of the text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from pipeline.quotes.lexicon import marks_data

OPEN, CLOSE, EITHER, WEAK_CLOSE = 1, 2, 3, 4
_MARK = re.compile(r"''|``|[\"\u201c\u201d\u201e\u00ab\u00bb]|[\u2018\u2019']")
_SINGLE = frozenset("\u2018\u2019'")
_BREAK = re.compile(r"\n\s*")  # blank lines, and single line breaks some texts use
_OPEN_BEFORE = set(" \t\n\u00a0([{\u2014\u2013-/")  # a mark after these opens
_CLOSE_AFTER = set(" \t\n\u00a0)]}.,;:!?\u2014\u2013-/")  # a mark before these closes
_ANY_MARK = "\u201c\u201d\"'\u2018\u2019\u201e\u00ab\u00bb`"
_INCH = re.compile(r"\d['\u2019]\d{1,2}(?:\.\d)?$")  # 6'2" -- feet and inches, not a closing mark
_MAX_JOINED = 4  # lines one quote may run over before its closing mark


@dataclass(frozen=True, slots=True)
class QuotedSpan:
    """Text between a pair of quotation marks (offsets exclude the marks)."""

    start: int
    end: int
    open_start: int  # offset of the opening mark
    close_end: int  # offset just after the closing mark (== end when open-ended)
    open_ended: bool  # a paragraph of a multi-paragraph quote, closed in a later paragraph
    style: str  # "double" or "single" (the opening mark)


@dataclass(frozen=True, slots=True)
class _Mark:
    start: int
    end: int
    style: str
    role: int


@functools.lru_cache(maxsize=1)
def _elision() -> re.Pattern:
    """A leading apostrophe that elides letters or digits: the '90s, rock 'n' roll, 'em, 'yung."""
    words = marks_data()["elisions"]
    alternatives = "|".join(re.escape(w).replace("'", "['\u2019]") for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"['\u2019\u2018](?:\d\d(?:s)?|(?:{alternatives}))(?![\w])", re.IGNORECASE)


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-empty line, whitespace trimmed."""
    spans, pos = [], 0
    for m in _BREAK.finditer(text):
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


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, whitespace trimmed: lines separated by blank lines or line
    breaks, except that the lines a quote runs over before closing (without reopening) are one."""
    lines = _lines(text)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        s, _ = lines[i]
        j = i + _runs_over(text, lines, i)
        out.append((s, lines[j][1]))
        i = j + 1
    return out


def _runs_over(text: str, lines: list[tuple[int, int]], i: int) -> int:
    """How many following lines the quote left open at the end of line `i` runs over to its close."""
    s, e = lines[i]
    _, unclosed = _pair(_marks(text, s, e))
    if not unclosed:
        return 0
    opener = unclosed[0]
    for n in range(1, _MAX_JOINED):
        if i + n >= len(lines):
            return 0
        ns, ne = lines[i + n]
        marks = _marks(text, ns, ne)
        if not marks:
            continue  # a wrapped line inside the quote
        first = marks[0]
        if first.start == ns and first.role in (OPEN, EITHER):
            return 0  # the next paragraph reopens: a quote over several paragraphs
        if first.role in (CLOSE, EITHER, WEAK_CLOSE) and (first.style == opener.style or first.role == CLOSE):
            return n
        return 0
    return 0


def _role(text: str, start: int, end: int, default: int, lo: int, hi: int) -> int:
    before = text[start - 1] if start > lo else " "
    after = text[end] if end < hi else " "
    opens = before in _OPEN_BEFORE or before in _ANY_MARK
    closes = after in _CLOSE_AFTER or after in _ANY_MARK
    if opens and not closes:
        return OPEN
    if closes and not opens:
        return CLOSE
    return default


def _marks(text: str, lo: int, hi: int) -> list[_Mark]:
    """The quotation marks of text[lo:hi] with their roles; apostrophes and inch marks left out."""
    out: list[_Mark] = []
    elided_until = -1
    elision = _elision()
    for m in _MARK.finditer(text, lo, hi):
        s, e = m.span()
        ch = m.group()
        if s < elided_until:
            continue
        if ch in _SINGLE:
            before = text[s - 1] if s > lo else " "
            after = text[e] if e < hi else " "
            if after.isalnum() and (before.isalnum() or before not in _OPEN_BEFORE and before not in _ANY_MARK):
                continue  # don't, o'clock, O'Kelly, D.C.'s
            if not before.isalnum():
                found = elision.match(text, s, hi)
                if found is not None:
                    elided_until = found.end()
                    continue
            if before.isalnum():
                # word-final: closes a quote, or a possessive (Jones') or a prime (6')
                role = WEAK_CLOSE if before in "sSzZxX" or before.isdigit() else CLOSE
            else:
                default = OPEN if ch == "\u2018" or (ch == "\u2019" and after.isalnum()) else (
                    CLOSE if ch == "\u2019" else EITHER)
                role = _role(text, s, e, default, lo, hi)
            out.append(_Mark(s, e, "single", role))
            continue
        if ch in ("\u201c", "\u201e", "``", "\u00ab"):
            default = OPEN
        elif ch in ("\u201d", "\u00bb"):
            default = CLOSE
        else:
            if ch == '"' and _INCH.search(text, max(lo, s - 6), s):
                continue
            default = EITHER
        role = _role(text, s, e, default, lo, hi)
        if ch == "''" and role == EITHER:
            continue
        out.append(_Mark(s, e, "double", role))
    return out


def _pair(marks: list[_Mark]) -> tuple[list[tuple[_Mark, _Mark]], list[_Mark]]:
    """Pair the marks of one paragraph, nested either way; returns the (open, close) pairs and
    the openers never closed (outermost first)."""
    # closes_later[style][k]: the next mark of that style from k on can close a quote
    closes_later = {"double": [False] * (len(marks) + 1), "single": [False] * (len(marks) + 1)}
    for k in range(len(marks) - 1, -1, -1):
        for style, later in closes_later.items():
            mark = marks[k]
            later[k] = mark.role in (CLOSE, EITHER) if mark.style == style and mark.role != WEAK_CLOSE else later[k + 1]
    pairs: list[tuple[_Mark, _Mark]] = []
    stack: list[_Mark] = []
    where: dict[str, list[int]] = {"double": [], "single": []}  # stack positions of each style's openers

    def cut(n: int) -> None:  # drop stack[n:]
        del stack[n:]
        for positions in where.values():
            while positions and positions[-1] >= n:
                positions.pop()

    for k, mark in enumerate(marks):
        same = where[mark.style][-1] if where[mark.style] else None
        if mark.role == WEAK_CLOSE:
            # "the players' union" -- an apostrophe unless a single quote is open and nothing later closes it
            if same is not None and same == len(stack) - 1 and not closes_later[mark.style][k + 1]:
                pairs.append((stack[same], mark))
                cut(same)
            continue
        if mark.role in (CLOSE, EITHER) and same is not None:
            pairs.append((stack[same], mark))
            cut(same)  # openers inside it that never closed were stray
        elif mark.role in (OPEN, EITHER):
            where[mark.style].append(len(stack))
            stack.append(mark)
        elif stack and not closes_later[stack[-1].style][k + 1]:
            pairs.append((stack[-1], mark))  # opened with one kind of mark, closed with the other
            cut(len(stack) - 1)
    return pairs, stack


def quoted_spans(text: str, *, single_quotes: str = "auto") -> Iterator[QuotedSpan]:
    """Yield the outermost quoted spans of `text` in order.

    single_quotes: "auto" (single marks are quotation marks wherever they pair as quotes and
    are not apostrophes) or "never" (only double marks quote).
    """
    paras = paragraphs(text)
    marks = [_marks(text, s, e) for s, e in paras]
    if single_quotes == "never":
        marks = [[m for m in ms if m.style == "double"] for ms in marks]
    for i, (ps, pe) in enumerate(paras):
        pairs, unclosed = _pair(marks[i])
        spans = []
        for op, cl in pairs:
            if op.style == "single" and cl.start - op.end <= 1:
                continue  # rock 'n' roll
            if (op.start > 0 and text[op.start - 1] == "=") or text[op.end:cl.start].rstrip().endswith("="):
                continue  # markup attribute (author="...") left in the text
            if text[op.end:cl.start].strip():
                spans.append(QuotedSpan(op.end, cl.start, op.start, cl.end, False, op.style))
        if unclosed:
            op = unclosed[0]
            nxt = marks[i + 1] if i + 1 < len(marks) else []
            next_opens = bool(nxt) and nxt[0].start == paras[i + 1][0] and nxt[0].role in (OPEN, EITHER)
            if (next_opens or op.start == ps) and text[op.end:pe].strip():
                spans.append(QuotedSpan(op.end, pe, op.start, pe, True, op.style))
        spans.sort(key=lambda q: q.open_start)
        last_end = -1
        for q in spans:
            if q.open_start >= last_end:  # nested quotes stay inside the outer one
                yield q
                last_end = q.close_end
