"""The selective parse: the parser's own trees where the quote rules look, flat trees elsewhere."""

from __future__ import annotations

import pytest

from pipeline import model
from pipeline.parse.selective import (
    FLAT_LABEL,
    PARSED_KEY,
    parse_wanted,
    reporting_words,
)
from pipeline.quotes import quotes
from pipeline.quotes.lexicon import lexicon

TEXT = ("The weather was mild on Monday in the north of the country. Farmers planted corn in the valley. "
        "\u201cWe will not give up on the harvest,\u201d Jane Doe said. The harvest begins in May. "
        "Prices of grain rose sharply in the spring.\n\n"
        "Rain fell for a week in the hills.")


@pytest.fixture(scope="module")
def docs():
    return model.load_nlp()(TEXT), model.load_nlp(selective_parse=True)(TEXT)


def sentences(doc) -> list[str]:
    return [sent.text.strip() for sent in doc.sents]


def test_sentences_with_a_quote_and_their_neighbours_keep_the_full_parse(docs):
    full, selective = docs
    assert sentences(full) == sentences(selective)
    quote_sentence = next(s for s in selective.sents if "Jane Doe" in s.text)
    parsed = {i for a, b in selective.user_data[PARSED_KEY] for i in range(a, b)}
    neighbours = [s for s in selective.sents if s.end == quote_sentence.start or s.start == quote_sentence.end]
    assert len(neighbours) == 2
    for sent in [quote_sentence, *neighbours]:
        assert all(t.i in parsed for t in sent)
        assert [(t.head.i, t.dep_) for t in sent] == [(full[t.i].head.i, full[t.i].dep_) for t in sent]


def test_other_sentences_get_a_flat_tree(docs):
    _, selective = docs
    first, *_, last = selective.sents
    for sent in (first, last):
        assert sent.root.i == sent.start
        assert all(t.head.i == sent.start and t.dep_ == FLAT_LABEL for t in sent[1:])
    assert "Rain" in last.text  # a paragraph of its own stays a sentence of its own


def test_quotes_are_the_full_parses(docs):
    full, selective = docs
    found = [(q.text, q.speaker_mention, q.cue) for q in quotes(selective, [])]
    assert found == [(q.text, q.speaker_mention, q.cue) for q in quotes(full, [])]
    assert found and found[0][1] == "Jane Doe"


def test_reporting_words_come_from_the_quote_lexicon():
    words = reporting_words()
    assert set(lexicon().verbs) <= words and lexicon().source_nouns <= words
    nlp = model.load_nlp()
    assert parse_wanted(nlp.make_doc("The ministry issued a statement on Monday."), words)
    assert parse_wanted(nlp.make_doc("Her view: no deal."), words)
    assert not parse_wanted(nlp.make_doc("Farmers planted corn in the valley."), words)
