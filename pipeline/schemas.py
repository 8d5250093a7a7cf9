"""The Parquet schema of every table, declared once.

Each schema carries `schema_version` and a description of every column in its metadata;
`docs/tables.md` and the README's table reference are generated from these.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "2"


def _schema(table: str, description: str, columns: list[tuple[str, pa.DataType, str]]) -> pa.Schema:
    fields = [pa.field(name, dtype, metadata={"description": doc}) for name, dtype, doc in columns]
    return pa.schema(fields, metadata={"table": table, "description": description, "schema_version": SCHEMA_VERSION})


_OFFSETS = [
    ("field", pa.string(), "Document field the offsets point into: 'text' (body), 'headline' or 'standfirst'"),
    ("start", pa.int32(), "Start character offset into that field of documents.parquet"),
    ("end", pa.int32(), "End character offset (exclusive) into that field"),
]

DOCUMENTS = _schema("documents", "One row per clean document.", [
    ("doc_id", pa.string(), "Stable document key: the input's id, else the file path (and #row for tables)"),
    ("source", pa.string(), "Input file the document came from, relative to the seeds folder (#row for tables)"),
    ("publisher", pa.string(), "Publisher: the input's own 'source' column, else the page's site name (page title, "
                               "HTML metadata, copyright line), else the domain of the article's URL"),
    ("url", pa.string(), "Article URL: the input's 'url' column, a 'URL:' line of a text page, or an HTML page's own"),
    ("section", pa.string(), "Section label from the page (label above the headline, last breadcrumb)"),
    ("headline", pa.string(), "Headline"),
    ("standfirst", pa.string(), "Standfirst (summary under the headline)"),
    ("byline", pa.string(), "Byline as written, without 'By'"),
    ("published", pa.timestamp("us"), "Publication time as written (UTC when the input gives a zone; midnight "
                                       "when the page gives only a day); a site's clock above the headline is not used"),
    ("updated", pa.timestamp("us"), "Last update time as written (UTC when the input gives a zone)"),
    ("authors", pa.string(), "Personal names from the byline, joined by \"; \" (null when it names only a desk or an agency; split with str.split(\"; \") or DuckDB string_split)"),
    ("agency", pa.string(), "News agency credited in the byline or dateline (Associated Press, Reuters, PTI, ...)"),
    ("text", pa.string(), "Clean body: paragraphs separated by one blank line; body offsets point into it"),
    ("n_paragraphs", pa.int32(), "Number of body paragraphs"),
    ("n_words", pa.int32(), "Number of whitespace-separated words in text"),
    ("content_hash", pa.string(), "SHA-256 of headline, standfirst and text: changes when the content does"),
    ("duplicate_of", pa.string(), "doc_id of the first document (earliest published, then doc_id) whose body is "
                                  "the same story (a wire copy or reprint, a few sentences edited); null for a first"),
])

REMOVED_LINES = _schema("removed_lines", "Every line cleaning took out of the body, and why.", [
    ("doc_id", pa.string(), "Document key"),
    ("line_no", pa.int32(), "1-based line number in the input text"),
    ("text", pa.string(), "The line as it was (normalised)"),
    ("reason", pa.string(), "Why it is not body text (section, headline, published date, caption, ...)"),
])

REJECTED = _schema("rejected", "Inputs that could not be turned into documents.", [
    ("source", pa.string(), "Input file (and #row or :line for tables)"),
    ("reason", pa.string(), "What was wrong, in plain words"),
])

MENTIONS = _schema("mentions", "Entity mentions, each tied to its canonical entity.", [
    ("doc_id", pa.string(), "Document key"),
    ("mention_id", pa.string(), "Stable mention key: doc_id, field and start offset"),
    *_OFFSETS,
    ("text", pa.string(), "Mention as written, without determiner or possessive"),
    ("label", pa.string(), "PERSON, COUNTRY, ORGANIZATION, or a kept spaCy label"),
    ("spacy_label", pa.string(), "spaCy's own label for the span"),
    ("entity_id", pa.string(), "Canonical entity key: the same entity has the same id in every article and run"),
    ("canonical_name", pa.string(), "Canonical name of the entity ('Kim' -> 'Kim Song')"),
    ("country_code", pa.string(), "ISO 3166-1 alpha-3 code for countries"),
    ("demonym_of", pa.string(), "ISO 3166-1 alpha-3 code of the country a demonym refers to"),
    ("metonym", pa.bool_(), "A capital standing for its government ('Pyongyang accuses')"),
    ("title", pa.string(), "Title or honorific written before a person's name ('Ambassador', 'Mr'), stripped from text"),
    ("mention_kind", pa.string(), "name, or a reference resolved to a named entity of the article: title "
                                  "('the ambassador'), description ('the ministry') or pronoun ('he')"),
    ("gender", pa.string(), "A person's gender as the article shows it: female, male, or null"),
    ("gender_source", pa.string(), "What showed the gender: honorific ('Mrs.'), pronoun (the text's he/she), "
                                   "given_name (a names list)"),
    ("paragraph", pa.int32(), "0-based body paragraph, -1 in headline or standfirst"),
    ("sentence", pa.int32(), "0-based sentence index within the document"),
])

ENTITIES = _schema("entities", "One row per canonical entity across the corpus.", [
    ("entity_id", pa.string(), "Canonical entity key (joins mentions.entity_id and quotes.speaker_entity_id)"),
    ("type", pa.string(), "PERSON, COUNTRY, ORGANIZATION or a kept spaCy label"),
    ("canonical_name", pa.string(), "Canonical name"),
    ("country_code", pa.string(), "ISO 3166-1 alpha-3 code for countries"),
    ("aliases", pa.list_(pa.string()), "Distinct mention texts, sorted"),
    ("n_docs", pa.int32(), "Documents mentioning it"),
    ("n_mentions", pa.int32(), "Mentions by name in all documents"),
    ("gender", pa.string(), "People: female, male, or null (what most articles naming them show)"),
    ("gender_source", pa.string(), "People: what showed the gender (honorific, pronoun, given_name); the "
                                   "text's own evidence wins over a given name"),
])

QUOTES = _schema("quotes", "Quotes, full or partial, and reported speech (indirect), with their speakers.", [
    ("doc_id", pa.string(), "Document key"),
    ("quote_id", pa.string(), "Stable quote key: doc_id, field and start offset"),
    *_OFFSETS,
    ("text", pa.string(), "Quoted words without the quotation marks, or the reported clause"),
    ("kind", pa.string(), "full (a sentence or more of speech), partial (a fragment in the writer's sentence) "
                          "or indirect (reported speech without quotation marks: 'X said the plan was dead')"),
    ("paragraph", pa.int32(), "0-based body paragraph, -1 in headline or standfirst"),
    ("speaker_mention", pa.string(), "Attributing words as written ('he', 'the ambassador', 'Kim')"),
    ("speaker_mention_field", pa.string(), "Field the speaker mention's offsets point into"),
    ("speaker_mention_start", pa.int32(), "Start offset of the speaker mention in its field"),
    ("speaker_mention_end", pa.int32(), "End offset of the speaker mention in its field"),
    ("speaker", pa.string(), "Canonical name of the speaker; null when the text does not say who spoke"),
    ("speaker_entity_id", pa.string(), "Speaker's entity key (joins entities.entity_id)"),
    ("speaker_type", pa.string(), "PERSON, ORGANIZATION or COUNTRY"),
    ("speaker_role", pa.string(), "Title or role the text gives the speaker ('shadow health secretary', 'spokesperson')"),
    ("speaker_affiliation_id", pa.string(), "Entity key of the organisation the speaker speaks for, when stated "
                                            "('a Google spokesperson' -> Google, with speaker null)"),
    ("cue", pa.string(), "Lemma of the reporting verb ('say', 'accuse')"),
    ("rule", pa.string(), "Attribution rule that found the speaker"),
    ("confidence", pa.float32(), "Confidence of the attribution, 0 to 1"),
    ("cue_type", pa.string(), "What the cue reports: statement, belief (think, expect), hope (hope, fear, want) or impression (seem, reportedly)"),
    ("context_start", pa.int32(), "A partial quote's reported clause around it (start offset in the quote's field)"),
    ("context_end", pa.int32(), "End offset of that reported clause; null when the quote has none"),
    ("quote_group_id", pa.string(), "The same words by the same speaker in any article, exact or nearly "
                                    "(joins quote_groups.quote_group_id)"),
])

QUOTE_GROUPS = _schema("quote_groups", "One row per quote group: the same statement across articles.", [
    ("quote_group_id", pa.string(), "Group key, from the group's first quote (earliest published, then doc_id, quote_id)"),
    ("text", pa.string(), "The longest form of the quote in the group"),
    ("speaker", pa.string(), "Canonical name of the speaker; null when no article says who spoke"),
    ("speaker_entity_id", pa.string(), "Speaker's entity key (joins entities.entity_id)"),
    ("n_quotes", pa.int32(), "Quote rows in the group"),
    ("n_articles", pa.int32(), "Documents quoting it (copies of one story counted each: see documents.duplicate_of)"),
    ("first_doc_id", pa.string(), "Document of the group's first quote"),
    ("first_quote_id", pa.string(), "The group's first quote (joins quotes.quote_id)"),
    ("first_published", pa.timestamp("us"), "Earliest publication time among its articles"),
    ("last_published", pa.timestamp("us"), "Latest publication time among its articles"),
])

PARSES = _schema("parses", "The entity stage's spaCy parse of each document, read by the quote stage (internal).", [
    ("doc_id", pa.string(), "Document key"),
    ("content_hash", pa.string(), "Content hash of the parsed document"),
    ("key", pa.string(), "Cache key of the parse (content, parameters, model, code)"),
    ("doc", pa.binary(), "spaCy Doc.to_bytes() of the analysis text (headline, standfirst, body)"),
])

TABLES: dict[str, pa.Schema] = {
    "clean/documents": DOCUMENTS,
    "clean/removed_lines": REMOVED_LINES,
    "clean/rejected": REJECTED,
    "entities/mentions": MENTIONS,
    "entities/entities": ENTITIES,
    "quotes/quotes": QUOTES,
    "quotes/quote_groups": QUOTE_GROUPS,
}
