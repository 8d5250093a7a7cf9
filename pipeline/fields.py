"""The analysis text: headline, standfirst and body of a document parsed as one spaCy text.

Parsing the three together gives the entity and quote rules the whole article as context
(the standfirst names the ambassador the body calls "he") with one parse per document.
Offsets found in the analysis text are mapped back to the field they fall in.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = ("headline", "standfirst", "text")
SEPARATOR = "\n\n"


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each non-empty field starts in the analysis text."""

    spans: tuple[tuple[str, int, int], ...]  # (field, start, end)

    def locate(self, start: int, end: int) -> tuple[str, int, int] | None:
        """Field and field-relative offsets of an analysis-text span, or None if it crosses fields."""
        for field, f_start, f_end in self.spans:
            if f_start <= start and end <= f_end:
                return field, start - f_start, end - f_start
        return None


def analysis_text(*, headline: str | None, standfirst: str | None, text: str) -> tuple[str, Layout]:
    """Join the non-empty fields with blank lines; return the text and its layout."""
    parts, spans, pos = [], [], 0
    for field, value in zip(FIELDS, (headline, standfirst, text)):
        if not value:
            continue
        if parts:
            parts.append(SEPARATOR)
            pos += len(SEPARATOR)
        parts.append(value)
        spans.append((field, pos, pos + len(value)))
        pos += len(value)
    return "".join(parts), Layout(tuple(spans))
