"""spaCy components registered by the project; their rule data lives in models/."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from pipeline import entity_data

COUNTRY_SOURCE_LABELS = ("GPE", "ORG", "NORP", "LOC")
DETERMINERS = frozenset({"the", "a", "an"})
_NAME_PAIR = re.compile(r"[A-Z][\w.]*-[A-Z][\w.]*")


@Language.factory("news_entity_rules")
def create_news_entity_rules(nlp: Language, name: str):
    """Fix the NER's spans with the rule data in models/ (see `fixed_entities`)."""
    entity_data.countries()  # build the country tables at load time, not in the first document

    def news_entity_rules(doc: Doc) -> Doc:
        doc.ents = fixed_entities(doc)
        return doc

    return news_entity_rules


def fixed_entities(doc: Doc) -> list[Span]:
    """The document's entities trimmed, relabelled and filtered.

    Determiners, trailing possessives and leading titles are trimmed; times, dates and
    name pairs ("Xi-Trump") are dropped; GPE, ORG, NORP and LOC spans naming a country
    become GPE with the ISO3 code as kb_id; demonyms stay NORP with their country's code.
    """
    names = {word for ent in doc.ents if ent.label_ == "PERSON" for word in ent.text.split() if " " in ent.text}
    fixed = []
    for ent in doc.ents:
        span = trimmed(ent)
        if span is None or entity_data.noise_pattern().fullmatch(span.text):
            continue
        if ent.label_ == "PERSON":
            if _NAME_PAIR.fullmatch(span.text) and span.text not in names:
                continue
        elif ent.label_ == "NORP" and (found := entity_data.demonym(span.text)):
            span = Span(doc, span.start, span.end, label="NORP", kb_id=found[1])
        elif ent.label_ in COUNTRY_SOURCE_LABELS and (code := entity_data.country_code(span.text)):
            span = Span(doc, span.start, span.end, label="GPE", kb_id=code)
        fixed.append(span)
    return fixed


def trimmed(ent: Span) -> Span | None:
    """The span without leading determiners, a trailing possessive and, for people, leading titles."""
    doc, start, end = ent.doc, ent.start, ent.end
    while start < end and doc[start].lower_ in DETERMINERS:
        start += 1
    while start < end and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct):
        end -= 1
    if ent.label_ == "PERSON":
        titles = entity_data.title_words()
        while end - start > 1 and (doc[start].lower_.rstrip(".") in titles or doc[start].text == "-"):
            start += 1
    if start >= end:
        return None
    return Span(doc, start, end, label=ent.label_, kb_id=ent.kb_id_)
