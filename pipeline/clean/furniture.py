"""Page furniture: lines that are never story text (captions, menus, share and subscribe boxes, ...),
recognised by the patterns of models/clean_lines.jsonl."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

from pipeline.clean.metadata import MODELS_DIR
from pipeline.clean.text import unglue


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


def furniture_reason(line: str) -> str | None:
    """Why a line is page furniture rather than story text, or None. Words run together where page
    elements met ("Share this articleComments") are separated first."""
    unglued = unglue(line)
    variants = (line,) if unglued == line else (line, unglued)
    n_words = len(line.split())
    for rule in line_patterns():
        if rule.max_words is not None and n_words > rule.max_words:
            continue
        if any(rule.pattern.search(text) for text in variants):
            return rule.reason
    return None
