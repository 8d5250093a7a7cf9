"""spaCy components registered by the project; their rule data lives in models/."""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc


@Language.factory("news_entity_rules")
def create_news_entity_rules(nlp: Language, name: str):
    """Entity fixes from models/ (placeholder: passes entities through unchanged)."""

    def news_entity_rules(doc: Doc) -> Doc:
        return doc

    return news_entity_rules
