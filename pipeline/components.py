"""spaCy components registered by the project; their rule data lives in models/."""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline import entity_data

COUNTRY_SOURCE_LABELS = ("GPE", "ORG", "NORP", "LOC")
NAME_LABELS = ("PERSON", "ORG", "GPE", "NORP", "LOC")
DETERMINERS = frozenset({"the", "a", "an"})
_NAME_JOINERS = frozenset({"and", "of", "for", "&"})
_NAME_PAIR = re.compile(r"[A-Z][\w.]*-[A-Z][\w.]*")


@Language.component("paragraph_sentences")
def paragraph_sentences(doc: Doc) -> Doc:
    """Start a sentence after every line break, so the parser never joins two paragraphs (runs before it)."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            first = doc[token.i + 1]
            first.is_sent_start = True
            if (first.is_punct or first.is_quote) and first.i + 1 < len(doc):
                doc[first.i + 1].is_sent_start = False  # an opening mark starts the sentence with its words
    return doc


@Language.factory("news_entity_rules")
def create_news_entity_rules(nlp: Language, name: str):
    """Fix the NER's spans with the rule data in models/ (see `fixed_entities`)."""
    entity_data.countries()  # build the country tables at load time, not in the first document

    def news_entity_rules(doc: Doc) -> Doc:
        doc.ents = fixed_entities(doc)
        return doc

    return news_entity_rules


def fixed_entities(doc: Doc) -> list[Span]:
    """The document's entities trimmed, relabelled, filtered and completed.

    Determiners, trailing possessives, leading titles of people and leading lower-case words
    of organisations ("federal") are trimmed; times, dates, all lower-case names ("un") and
    name pairs ("Xi-Trump") are dropped; GPE, ORG, NORP and LOC spans naming a country
    become GPE with the ISO3 code as kb_id (not a state after its city: "Atlanta, Georgia");
    demonyms stay NORP with their country's code.
    A capital tagged PERSON and no word of a person's full name is GPE.
    A word of a person's full name written alone ("Schiff" after "Adam Schiff") is PERSON,
    whether the NER tagged it otherwise or not at all; so are full names the NER missed or
    tagged ORG (`_missed_people`, `_person_like`). A relabelled span keeps the NER's
    label as its span id (`Span.id_`).
    """
    spans = [span for ent in doc.ents if (span := trimmed(ent)) is not None
             and not entity_data.noise_pattern().fullmatch(span.text)
             and (span.label_ not in NAME_LABELS or not span.text.islower())]
    spans = [_relabelled(span, "PERSON") if span.label_ == "ORG" and _person_like(doc, span) else span for span in spans]
    spans += _missed_people(doc, spans)
    name_words = {word for span in spans if span.label_ == "PERSON" and " " in span.text for word in span.text.split()}
    fixed = []
    for span in spans:
        if span.label_ == "PERSON":
            if _NAME_PAIR.fullmatch(span.text) and span.text not in name_words:
                continue
            if span.text not in name_words and entity_data.capital_of(span.text):
                span = _relabelled(span, "GPE")  # "Kiev accused Moscow"
        elif span.label_ in COUNTRY_SOURCE_LABELS and all(word in name_words for word in span.text.split()):
            span = _relabelled(span, "PERSON")
        elif span.label_ == "NORP" and (found := entity_data.demonym(span.text)):
            span = _relabelled(span, "NORP", kb_id=found[1])
        elif span.label_ in COUNTRY_SOURCE_LABELS and (code := entity_data.country_code(span.text)) \
                and not _state_after_city(doc, span):
            span = _relabelled(span, "GPE", kb_id=code)
        fixed.append(span)
    return filter_spans(fixed + _lone_names(doc, fixed, name_words) + _offices(doc))


def _offices(doc: Doc) -> list[Span]:
    """Offices named after their holder's title ("the Prime Minister's Office", "the U.S.
    Attorney's Office"): capitalised words ending in a title, a possessive and "Office"; ORG."""
    titles = entity_data.title_words()
    found = []
    for token in doc[2:]:
        if token.text != "Office" or doc[token.i - 1].tag_ != "POS" or doc[token.i - 2].lower_ not in titles \
                or not doc[token.i - 2].text[:1].isupper():
            continue
        start = token.i - 2
        while start > 0 and doc[start - 1].text[:1].isupper() and doc[start - 1].lower_ not in DETERMINERS \
                and not doc[start - 1].is_sent_start and doc[start - 1].pos_ in ("PROPN", "NOUN", "ADJ"):
            start -= 1
        found.append(Span(doc, start, token.i + 1, label="ORG"))
    return found


def _state_after_city(doc: Doc, span: Span) -> bool:
    """A country name that also names a state, written after "City, " ("Atlanta, Georgia")."""
    return (entity_data.normal_key(span.text) in entity_data.subdivision_names() and span.start > 1
            and doc[span.start - 1].text == "," and doc[span.start - 2].pos_ == "PROPN"
            and not entity_data.country_code(doc[span.start - 2].text) and not entity_data.capital_of(doc[span.start - 2].text))


def _person_like(doc: Doc, span: Span) -> bool:
    """An organisation span that is a person's name: two or three capitalised words starting with a
    known given name never written in lower case, whose last word the text also writes alone
    ("Brett O'Donnell" tagged ORG, then "O'Donnell said")."""
    words = [t for t in span if not t.is_punct]
    if not 2 <= len(words) <= 3 or words[0].pos_ != "PROPN" or not all(t.text[:1].isupper() for t in words):
        return False
    first, last = words[0], words[-1]
    if not entity_data.given_name_gender(first.text) or any(t.lower_ == first.lower_ and t.is_lower for t in doc):
        return False
    alone = sum(1 for t in doc if t.text == last.text and (t.i == 0 or doc[t.i - 1].text != doc[last.i - 1].text))
    return alone > 0


def _missed_people(doc: Doc, spans: list[Span]) -> list[Span]:
    """Full names the NER left out, inside no entity: a known given name, written with a capital
    and never in lower case in the text, and one or two more capitalised proper nouns
    ("Minister for Housing Jane Roe")."""
    covered = {i for span in spans for i in range(span.start, span.end)}
    lower = None
    found = []
    for token in doc:
        if token.i in covered or token.pos_ != "PROPN" or not token.text.istitle() or token.i + 1 >= len(doc):
            continue
        end = token.i + 1
        while end < len(doc) and end - token.i < 3 and end not in covered and doc[end].pos_ == "PROPN" \
                and doc[end].text.istitle() and doc[end].lower_ not in entity_data.title_words():
            end += 1
        if end == token.i + 1 or end in covered and doc[end].ent_type_ == "PERSON":
            continue
        lower = lower if lower is not None else {t.lower_ for t in doc if t.is_lower}
        if token.lower_ in lower or token.lower_ in entity_data.title_words() or not entity_data.given_name_gender(token.text):
            continue
        if any(entity_data.country_code(t.text) or entity_data.capital_of(t.text) or t.lower_ in lower
               for t in doc[token.i:end]):
            continue
        found.append(Span(doc, token.i, end, label="PERSON"))
        covered.update(range(token.i, end))
    return found


def _relabelled(span: Span, label: str, *, kb_id: str = "") -> Span:
    return Span(span.doc, span.start, span.end, label=label, kb_id=kb_id, span_id=span.label_)


def _lone_names(doc: Doc, spans: list[Span], name_words: set[str]) -> list[Span]:
    """Proper nouns (or capitalised nouns inside a sentence: "O'Donnell") outside any entity that
    repeat a word of a full person name ("Schiff", "WALLACE")."""
    if not name_words:
        return []
    covered = {i for span in spans for i in range(span.start, span.end)}
    return [Span(doc, token.i, token.i + 1, label="PERSON") for token in doc
            if (token.pos_ == "PROPN" or token.pos_ == "NOUN" and not token.is_sent_start) and token.i not in covered
            and (token.text in name_words or (token.is_upper and token.text.title() in name_words))]


def trimmed(ent: Span) -> Span | None:
    """The span without leading determiners, a trailing possessive, a person's leading titles
    and an organisation's leading and trailing lower-case words; a person's name holding a
    possessive is the full name after it ("Politico's Alex Thompson"); an organisation's name stops at a
    line break and takes the name word after a dangling "and"/"of"."""
    doc, start, end = ent.doc, ent.start, ent.end
    while start < end and doc[start].lower_ in DETERMINERS:
        start += 1
    while start < end and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_punct):
        end -= 1
    if ent.label_ == "ORG":
        if end - start > 2 and doc[start].text in "-\u2010\u2011" and doc[start - 1].is_lower:
            start += 2  # "the pro-Christie Union Leader": the hyphenated modifier is no part of the name
        while end - start > 1 and doc[start].is_lower:
            start += 1
        while end < len(doc) and doc[end - 1].dep_ == "compound" and doc[end - 1].head.i == end \
                and doc[end].pos_ == "PROPN" and doc[end].text[:1].isupper() and not doc[end].ent_type_ \
                and doc[end].lower_ not in entity_data.role_words() and doc[end].lower_ not in entity_data.title_words():
            end += 1  # the name's head noun the NER left out ("Union" + "Leader"), not a title ("CEO Jane Roe")
        while end < len(doc) and doc[end - 1].lower_ in _NAME_JOINERS and doc[end].pos_ == "PROPN" and not doc[end].ent_type_ \
                and doc[end].text[:1].isupper():
            end += 1  # "Department of Children, Equality, Integration and" + "Youth"
        breaks = [t.i for t in doc[start:end] if t.is_space and "\n" in t.text]
        end = breaks[0] if breaks and breaks[0] > start else end  # a name does not run over a line break
        while end - start > 1 and (doc[end - 1].is_lower or doc[end - 1].is_space or doc[end - 1].is_punct):
            end -= 1  # "The Associated Press on"
    if ent.label_ == "PERSON":
        owner = next((t.i for t in doc[start + 1:end - 1] if t.tag_ == "POS"), None)
        if owner is not None and end - owner > 2 and entity_data.given_name_gender(doc[owner + 1].text):
            start = owner + 1  # "Politico's Alex Thompson": the person is after the possessive
        titles = entity_data.title_words()
        while end - start > 1 and (doc[start].lower_.rstrip(".") in titles or doc[start].text == "-"):
            start += 1
        while end - start > 1 and doc[end - 1].pos_ in ("VERB", "AUX"):
            end -= 1  # a title-case headline's verb: "Obama Says"
    if start >= end:
        return None
    return Span(doc, start, end, label=ent.label_, kb_id=ent.kb_id_)
