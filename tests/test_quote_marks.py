"""Quotation marks alone (`pipeline.quotes.marks`): single and double marks, apostrophes that
never quote, nesting, mismatched marks, line breaks; and a long run of marks through the
tokenizer. Small sentences written for these tests."""

from __future__ import annotations

from pipeline.model import load_nlp
from pipeline.quotes import quotes
from pipeline.quotes.marks import paragraphs, quoted_spans


def spans(text: str, **options) -> list[str]:
    return [text[q.start:q.end] for q in quoted_spans(text, **options)]


def test_straight_and_curly_single_marks_quote_in_body_text():
    text = ("The harbour master spoke on Friday. 'The boats stay in port,' she said, 'until the wind drops.'\n\n"
            "Her deputy called the forecast \u2018the worst in ten years\u2019 and left.")
    assert spans(text) == ["The boats stay in port,", "until the wind drops.", "the worst in ten years"]


def test_apostrophes_never_open_or_close_a_quote():
    text = ("He didn't say it's over: in the '90s they played rock 'n' roll till two o'clock, "
            "parked the Joneses' car behind Jones' barn, sang 'yung kanta, and he stood 6'2\" tall. "
            "Then he called it \u2018a night to remember\u2019.")
    assert spans(text) == ["a night to remember"]


def test_possessives_inside_a_single_quote_and_closing_after_an_s():
    assert spans("'It's the drivers' fault,' said the officer.") == ["It's the drivers' fault,"]
    assert spans("Fans called them 'the two Joneses' after the match.") == ["the two Joneses"]


def test_nested_quotes_stay_inside_the_outer_quote_either_way():
    assert spans("\u2018The \u201cnew rules\u201d must go,\u2019 said the chair.") == [
        "The \u201cnew rules\u201d must go,"]
    assert spans("\u201cShe told me \u2018not yet\u2019 twice,\u201d he said.") == [
        "She told me \u2018not yet\u2019 twice,"]
    assert spans("\"The inch mark in 6'2\" is not a quote,\" he said.") == ["The inch mark in 6'2\" is not a quote,"]


def test_a_quote_opened_with_one_kind_of_mark_and_closed_with_the_other_still_pairs():
    assert spans("\u201cWe will not move,' said the farmer. \u201cNot this year,\u201d his wife added.") == [
        "We will not move,", "Not this year,"]
    assert spans("\u201cStay calm\u2019 and carry on, the minister says") == ["Stay calm"]


def test_a_quote_across_a_line_break_is_one_quote_and_one_paragraph():
    wrapped = ("The inspector said the bridge was \"safe for cars but\nnot for lorries\" after the survey.\n"
               "Work starts in June.")
    assert spans(wrapped) == ["safe for cars but\nnot for lorries"]
    assert len(paragraphs(wrapped)) == 2
    per_line = "The inspector spoke.\n\"The bridge is safe.\nLorries must wait,\" she said.\nWork starts in June."
    assert spans(per_line) == ["The bridge is safe.\nLorries must wait,"]
    assert len(paragraphs(per_line)) == 3


def test_a_quote_over_several_paragraphs_in_single_marks_gives_one_span_per_paragraph():
    text = "The warden said:\n\n\u2018We counted the birds twice.\n\n\u2018The numbers are down.\u2019"
    found = list(quoted_spans(text))
    assert [text[q.start:q.end] for q in found] == ["We counted the birds twice.", "The numbers are down."]
    assert [q.open_ended for q in found] == [True, False]


def test_single_quotes_never_reads_double_marks_only():
    text = "He called it 'a start' and said \"we will see.\""
    assert spans(text, single_quotes="never") == ["we will see."]
    assert spans(text) == ["a start", "we will see."]


def test_a_long_run_of_straight_quotes_is_one_token_and_yields_no_quote():
    # 20 KB of straight quotation marks used to take time quadratic in the run (seconds per KB);
    # the run is now one token. Timing is measured by benchmarks/quote_marks_speed.py.
    text = "The file ended with " + '"' * 20_000 + " and nothing else."
    doc = load_nlp()(text)
    assert len(doc) < 20
    assert list(quotes(doc, [])) == []
    assert spans(text) == []
