"""Page furniture: lines that are never story text (captions, menus, share and subscribe boxes, ...),
recognised by the patterns of models/clean_lines.jsonl."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from pipeline.clean.metadata import MODELS_DIR
from pipeline.clean.text import unglue

_GLUED_MAX_WORDS = 14  # page elements run together in short lines, not in story paragraphs


@dataclass(frozen=True, slots=True)
class LinePattern:
    reason: str
    pattern: re.Pattern
    max_words: int | None


@functools.lru_cache(maxsize=1)
def line_patterns() -> tuple[LinePattern, ...]:
    """Page-furniture patterns from models/clean_lines.jsonl, in file order (the first match gives the reason)."""
    rows = [json.loads(line) for line in (MODELS_DIR / "clean_lines.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return tuple(LinePattern(r["reason"], re.compile(r["pattern"], re.IGNORECASE), r.get("max_words")) for r in rows)


@functools.lru_cache(maxsize=256)
def _patterns_for(n_words: int) -> tuple[LinePattern, ...]:
    """The patterns that apply to a line of `n_words` words (some only to short lines)."""
    return tuple(rule for rule in line_patterns() if rule.max_words is None or n_words <= rule.max_words)


def furniture_reason(line: str) -> str | None:
    """Why a line is page furniture rather than story text, or None. In short lines, words run together
    where page elements met ("Share this articleComments") are also tried apart."""
    n_words = len(line.split())
    unglued = unglue(line) if n_words <= _GLUED_MAX_WORDS else line
    glued = unglued != line
    for rule in _patterns_for(min(n_words, 100)):
        if rule.pattern.search(line) or (glued and rule.pattern.search(unglued)):
            return rule.reason
    return None
