"""Small named records passed between the pure extraction functions and the stages.

Offsets in these records point into the *analysis text* of a document (see
`pipeline.fields`): headline, standfirst and body joined by blank lines. The stages
map them to the field they fall in and to offsets inside that field.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity mention, tied to its canonical entity."""

    start: int
    end: int
    text: str
    label: str  # PERSON, COUNTRY, ORGANIZATION, or a kept spaCy label
    spacy_label: str
    entity_id: str | None
    canonical_name: str | None
    country_code: str | None = None  # ISO 3166-1 alpha-3 for countries (and demonyms' country)
    demonym_of: str | None = None  # country code when the mention is a demonym ("North Korean")
    metonym: bool = False  # a capital standing for its government ("Pyongyang accuses")
    title: str | None = None  # title or honorific written before a person ("Ambassador", "Mr")
    kind: str = "name"  # name, title ("the ambassador"), description ("the ministry") or pronoun ("he")
    gender: str | None = None  # a person's gender as the document shows it: "female", "male" or None
    gender_source: str | None = None  # what showed it: "honorific", "pronoun" or "given_name"


@dataclass(frozen=True, slots=True)
class Quote:
    """One quote (without its quotation marks) or reported clause, and who said it."""

    start: int
    end: int
    text: str
    kind: str  # "full", "partial" or "indirect"
    speaker_mention: str | None
    speaker_mention_start: int | None
    speaker_mention_end: int | None
    speaker: str | None  # canonical name
    speaker_entity_id: str | None
    speaker_type: str | None  # PERSON, ORGANIZATION, COUNTRY
    cue: str | None  # reporting verb's lemma
    rule: str  # which attribution rule fired
    confidence: float
    speaker_role: str | None = None  # the title or role the text gives the speaker ("shadow health secretary")
    speaker_affiliation_id: str | None = None  # entity_id of the organisation the speaker speaks for
    cue_type: str | None = None  # "statement", "belief", "hope" or "impression" (models/reporting_cues.jsonl)
    context_start: int | None = None  # a partial quote's reported clause ("said the plan was 'a disaster'")
    context_end: int | None = None


@dataclass(frozen=True, slots=True)
class RawArticle:
    """One input article before cleaning."""

    doc_id: str
    source: str
    text: str
    headline: str | None = None
    published: str | None = None
    url: str | None = None
    publisher: str | None = None
    html: bool = False  # text is a saved HTML page, not a text dump


@dataclass(frozen=True, slots=True)
class Rejection:
    """An input that could not be read, and why."""

    source: str
    reason: str
