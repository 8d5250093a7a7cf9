"""Entity mentions from a parsed document, tied to canonical entities (first version)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import country_converter as coco
from spacy.tokens import Doc, Span

from pipeline.records import Mention

LABELS = {"PERSON": "PERSON", "ORG": "ORGANIZATION", "NORP": "NORP", "GPE": "GPE", "LOC": "LOC"}
_POSSESSIVE = re.compile(r"(?:['\u2019]s|['\u2019])$")
_DETERMINERS = {"the", "a", "an"}
_coco = coco.CountryConverter()


def entity_id(label: str, canonical_name: str) -> str:
    """Stable id of a canonical entity: the same in every article and every batch."""
    digest = hashlib.sha1(f"{label}\x1f{canonical_name}".encode()).hexdigest()[:12]
    return f"{label.lower()}:{digest}"


def _trim(span: Span) -> Span:
    """Drop leading determiners and a trailing possessive from an entity span."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end - 1 and doc[start].lower_ in _DETERMINERS:
        start += 1
    if end - start > 1 and doc[end - 1].tag_ == "POS":
        end -= 1
    return doc[start:end]


def _country(name: str) -> tuple[str, str] | None:
    code = _coco.convert(name, to="ISO3", not_found=None)
    if not code or isinstance(code, list):
        return None
    return code, _coco.convert(code, src="ISO3", to="name_short")


def mentions(doc: Doc, *, keep_labels: tuple[str, ...] = ("PERSON", "COUNTRY", "ORGANIZATION")) -> Iterator[Mention]:
    """Yield the document's mentions of kept types, with a canonical name per document."""
    spans = []
    for ent in doc.ents:
        label = LABELS.get(ent.label_)
        if label is None:
            continue
        span = _trim(ent)
        text = _POSSESSIVE.sub("", span.text).strip()
        code = None
        canonical = text
        if label == "GPE":
            found = _country(text)
            if found:
                label, (code, canonical) = "COUNTRY", found
        if label not in keep_labels:
            continue
        spans.append((span, label, text, code, canonical, ent.label_))
    people = [t for _, lab, t, *_ in spans if lab == "PERSON" and " " in t]
    for span, label, text, code, canonical, spacy_label in spans:
        if label == "PERSON" and " " not in text:
            full = [p for p in people if text in p.split()]
            canonical = full[-1] if full else text
        end = span.start_char + len(text)
        yield Mention(span.start_char, end, text, label, spacy_label, entity_id(label, canonical),
                      canonical, country_code=code)
