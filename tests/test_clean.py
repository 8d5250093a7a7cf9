"""The clean stage on the seed page dump and on other page shapes."""

from __future__ import annotations

from datetime import datetime

from pipeline.clean import clean_page, document_row, normalise_text
from pipeline.records import RawArticle


def test_seed_matches_gold(seed_text, seed_gold):
    gold = seed_gold["document"]
    doc = clean_page(seed_text)
    assert doc.section == gold["section"]
    assert doc.headline == gold["headline"]
    assert doc.standfirst == gold["standfirst"]
    assert doc.published == datetime.fromisoformat(gold["published"])
    assert doc.updated == datetime.fromisoformat(gold["updated"])
    assert len(doc.paragraphs) == gold["body_paragraphs"]
    for line in gold["not_body"]:
        assert line not in doc.text
    removed = {r.text for r in doc.removed}
    assert set(gold["not_body"]) <= removed
    # body paragraphs are the seed's own, quotation marks as written
    assert doc.paragraphs[0].startswith("North Korea is accusing the Trump administration")
    assert "“stoke confrontation”" in doc.paragraphs[0]
    assert doc.paragraphs[-1].endswith("world peace and security.”")


def test_seed_document_row_offsets_and_hash(seed_text):
    row, removed = document_row(RawArticle("seed", "seed.txt", seed_text), max_chars=100_000)
    assert row["n_paragraphs"] == 13 == row["text"].count("\n\n") + 1
    assert row["n_words"] == len(row["text"].split())
    again, _ = document_row(RawArticle("seed", "seed.txt", seed_text + "\n\n"), max_chars=100_000)
    assert again["content_hash"] == row["content_hash"]
    assert {r["reason"] for r in removed} >= {"section", "headline", "standfirst", "published date", "updated date"}


BYLINE_PAGE = """World

Floods force thousands from homes in the north

By Jane Doe and Sam Lee
Published: 3 March 2021 14:05 GMT
Last updated: 4 March 2021 09:30 GMT

Heavy rain has forced thousands of people to leave their homes, officials said on Wednesday.

Rescue workers wade through flood water in Leeds. Photo: AFP

Advertisement

"We have never seen anything like it," said the mayor, Ann Smith.

Read more: Storm season arrives early across Europe

Share this article

The rain is expected to ease by the weekend.
"""


def test_byline_dates_captions_and_furniture():
    doc = clean_page(BYLINE_PAGE)
    assert doc.section == "World"
    assert doc.headline == "Floods force thousands from homes in the north"
    assert doc.byline == "Jane Doe and Sam Lee"
    assert doc.published == datetime(2021, 3, 3, 14, 5)
    assert doc.updated == datetime(2021, 3, 4, 9, 30)
    assert doc.paragraphs == [
        "Heavy rain has forced thousands of people to leave their homes, officials said on Wednesday.",
        '"We have never seen anything like it," said the mayor, Ann Smith.',
        "The rain is expected to ease by the weekend.",
    ]
    reasons = {r.text: r.reason for r in doc.removed}
    assert reasons["Rescue workers wade through flood water in Leeds. Photo: AFP"] == "caption"
    assert reasons["Advertisement"] == "advertisement"
    assert reasons["Read more: Storm season arrives early across Europe"] == "read-more link"
    assert reasons["Share this article"] == "share button"
    assert reasons["By Jane Doe and Sam Lee"] == "byline"


def test_story_with_no_metadata_keeps_every_paragraph():
    page = "The council met on Monday.\n\nIt voted to close the library.\n\nResidents objected, saying it was needed.\n"
    doc = clean_page(page)
    assert doc.headline is None and doc.section is None and doc.standfirst is None
    assert doc.published is None and doc.byline is None
    assert doc.paragraphs == ["The council met on Monday.", "It voted to close the library.",
                              "Residents objected, saying it was needed."]
    assert doc.removed == []


def test_headline_then_date_only_line_newsletter_and_share_icons():
    page = ("Markets rally as inflation cools\n\nNovember 5, 2016 5:04 p.m.\n\n"
            "Stocks rose sharply on Friday after new figures showed prices rising more slowly.\n\n"
            "Sign up for our daily business newsletter\n\nFacebook Twitter Email\n\n"
            "Analysts expect the rally to continue.\n\n•\n")
    doc = clean_page(page)
    assert doc.headline == "Markets rally as inflation cools"
    assert doc.published == datetime(2016, 11, 5, 17, 4)
    assert doc.paragraphs == ["Stocks rose sharply on Friday after new figures showed prices rising more slowly.",
                              "Analysts expect the rally to continue."]
    reasons = sorted(r.reason for r in doc.removed)
    assert reasons == ["headline", "newsletter", "published date", "share button", "stray bullet"]


def test_hard_wrapped_prose_is_joined_and_unwrapped_lines_are_not():
    wrapped = ("The committee said on Thursday that it would publish its findings next month after\n"
               "a long inquiry into the collapse of the company, which employed thousands of people\n"
               "across the country and left many pensioners without the savings they relied on.\n")
    doc = clean_page("Inquiry report due next month\n\n" + wrapped)
    assert doc.headline == "Inquiry report due next month"
    assert len(doc.paragraphs) == 1
    assert doc.paragraphs[0].startswith("The committee said") and doc.paragraphs[0].endswith("relied on.")


def test_standfirst_without_bullet_before_dates():
    page = ("Election race tightens\n\nThe candidates traded blows over the economy in their final debate.\n"
            "Posted on 2016-10-20 02:15\n\nBoth candidates claimed victory after the debate.\n")
    doc = clean_page(page)
    assert doc.headline == "Election race tightens"
    assert doc.standfirst == "The candidates traded blows over the economy in their final debate."
    assert doc.published == datetime(2016, 10, 20, 2, 15)
    assert doc.paragraphs == ["Both candidates claimed victory after the debate."]


def test_unicode_is_repaired_and_quotes_kept_as_written():
    text = normalise_text("Pyongyangâ€™s  envoy\u00a0said “no” and 'maybe'\u200b.\r\n")
    assert text == "Pyongyang’s envoy said “no” and 'maybe'.\n"


def test_table_row_with_headline_column_drops_repeated_headline():
    article = RawArticle("a1", "batch.jsonl:1", "Clinton leads in new poll.\n\nShe is ahead by four points, the survey found.",
                         headline="Clinton leads in new poll", published="2016-10-01T12:00:00Z")
    row, removed = document_row(article, max_chars=10_000)
    assert row["headline"] == "Clinton leads in new poll"
    assert row["text"] == "She is ahead by four points, the survey found."
    assert row["published"] == datetime(2016, 10, 1, 12, 0)
    assert [r["reason"] for r in removed] == ["headline"]


def test_lines_of_different_widths_in_one_block_stay_separate_paragraphs():
    page = ("Readers respond\n\n"
            "\u201cHe has never answered a single question about his plan for the economy.\u201d \u2015 Ana Ruiz\n"
            "\u201cI am worried.\u201d \u2015 Tom Lee\n"
            "\u201cThe debate showed us who he really is, and it was not a pretty sight for anyone watching.\u201d"
            " \u2015 Maria Gomez\n")
    doc = clean_page(page)
    assert len(doc.paragraphs) == 3
    assert doc.paragraphs[1] == "\u201cI am worried.\u201d \u2015 Tom Lee"
