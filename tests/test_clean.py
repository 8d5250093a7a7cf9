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


def test_page_title_site_clock_and_dates_line_with_pipes():
    page = ("Monday, 4 March 2024 | 09:12 GMT\n\nTown hall vote delayed again | The Valley Gazette\n\n"
            "Town hall vote delayed again\n\n"
            "5 March 2024, 10:15 | Updated: 5 March 2024, 12:40\n\n"
            "The council has postponed its vote on the new town hall for the third time, officials said.\n\n"
            "Members will meet again next month.\n")
    doc = clean_page(page)
    assert doc.headline == "Town hall vote delayed again"
    assert doc.publisher == "The Valley Gazette"
    assert doc.published == datetime(2024, 3, 5, 10, 15) and doc.updated == datetime(2024, 3, 5, 12, 40)
    reasons = {r.text: r.reason for r in doc.removed}
    assert reasons["Monday, 4 March 2024 | 09:12 GMT"] == "site date"
    assert reasons["Town hall vote delayed again | The Valley Gazette"] == "page title"
    assert doc.paragraphs[0].startswith("The council has postponed")


def test_agency_byline_with_date_breadcrumb_and_dateline_agency():
    page = ("HomeWorld NewsPort strike ends after three weeks\n\nPort strike ends after three weeks\n\n"
            "Maria Lopez, The Associated Press, June 2, 2019\n\n"
            "LISBON, Portugal (AP) — Dock workers voted on Sunday to end a strike that had stopped most cargo.\n\n"
            "The union said its members would return on Monday.\n")
    doc = clean_page(page)
    assert doc.headline == "Port strike ends after three weeks"
    assert doc.section == "World News"
    assert doc.authors == ["Maria Lopez"] and doc.agency == "Associated Press"
    assert doc.published == datetime(2019, 6, 2)
    assert [r.reason for r in doc.removed] == ["breadcrumb", "headline", "byline"]


def test_bylines_with_several_names_titles_or_only_a_desk():
    assert clean_page("Rates held\n\n- By Ann Kerr ECONOMICS EDITOR\n\nThe bank kept rates on hold.\n").authors == ["Ann Kerr"]
    assert clean_page("Rates held\n\nBy Ann Kerr, Tom Bell and Li Wei\n\nThe bank kept rates.\n").authors == [
        "Ann Kerr", "Tom Bell", "Li Wei"]
    desk = clean_page("Rates held\n\nBy Business News Desk\n\nThe bank kept rates on hold.\n")
    assert desk.authors == [] and desk.byline == "Business News Desk"
    wire = clean_page("Rates held\n\nBy Reuters\n\nThe bank kept rates on hold.\n")
    assert wire.authors == [] and wire.agency == "Reuters"


def test_standfirst_printed_again_in_the_body_is_kept_once():
    standfirst = "A JURY has cleared a former mayor of fraud after a six-week trial, the court heard on Friday."
    page = f"Former mayor cleared of fraud\n\n{standfirst}\n\n{standfirst}\n\nThe jury took two days.\n\nShe left without comment.\n"
    doc = clean_page(page)
    assert doc.standfirst == standfirst
    assert doc.paragraphs == ["The jury took two days.", "She left without comment."]
    assert [r.reason for r in doc.removed] == ["headline", "standfirst", "duplicate of standfirst"]


def test_body_lines_without_final_stop_link_lists_captions_and_appeals():
    page = ("Bridge reopens after repairs\n\n"
            "The bridge reopened to traffic on Saturday after nine months of repairs, the city said.\n\n"
            "Crowds gather on the bridge at dawn\nCrowds gather on the bridge at dawn\n\n"
            "But not every driver was pleased, with queues stretching back into the centre\n\n"
            "BRIDGE TOLLS TO RETURN NEXT YEAR SAYS MAYOR\n\n"
            "Tolls will return next year, the mayor said.\n\n"
            "A note from our editors:\n\nDear readers,\n\nWe rely on your support to keep reporting.\n\n"
            "Related posts\n\nCity plans new tram line to the airport\n\nMuseum opens its doors for a late night\n")
    doc = clean_page(page)
    assert doc.paragraphs == [
        "The bridge reopened to traffic on Saturday after nine months of repairs, the city said.",
        "But not every driver was pleased, with queues stretching back into the centre",
        "BRIDGE TOLLS TO RETURN NEXT YEAR SAYS MAYOR",
        "Tolls will return next year, the mayor said.",
    ]
    reasons = [r.reason for r in doc.removed]
    assert reasons == ["headline", "repeated line (image caption)", "repeated line (image caption)",
                       "reader appeal", "reader appeal", "reader appeal", "link list heading",
                       "link to another story", "link to another story"]


def test_hard_wrapped_wire_copy_without_blank_lines():
    page = (" date 2013-05-13 (Updates with figures)\nBy Ann Kerr\n"
            "LONDON May 13 The bank said on Monday that it had cut\n"
            "its forecast for growth this year, citing weaker exports and\n"
            "a slowdown in spending by households across the country.\n"
            "\"We expect a difficult few months,\" the governor said in a\n"
            "statement released after the meeting of the bank's committee.\n")
    doc = clean_page(page)
    assert doc.published == datetime(2013, 5, 13) and doc.authors == ["Ann Kerr"]
    assert doc.paragraphs == [
        ("LONDON May 13 The bank said on Monday that it had cut its forecast for growth this year, citing weaker "
        "exports and a slowdown in spending by households across the country."),
        ("\"We expect a difficult few months,\" the governor said in a statement released after the meeting of "
        "the bank's committee."),
    ]


def test_prompts_and_menus_above_the_headline_and_a_relative_date():
    page = ("Menu in ,\n\nStay up to date with notifications from The Example\n\nConnect with us\n\n"
            "Mayor quits after vote\n\nUpdated 3 hours ago\n\nThe mayor resigned on Monday, aides said.\n\nShe gave no reason.\n")
    doc = clean_page(page)
    assert doc.headline == "Mayor quits after vote" and doc.section is None
    assert doc.published is None and doc.updated is None  # "3 hours ago" names no day
    assert [r.reason for r in doc.removed] == ["navigation", "notification prompt", "social media prompt", "headline",
                                               "date without a year"]
    assert doc.paragraphs == ["The mayor resigned on Monday, aides said.", "She gave no reason."]


def test_masthead_above_the_headline_is_the_publisher_and_a_label_under_it_the_section():
    page = ("The Evening Courier\n\nHarbour plan approved\n\n"
            "Councillors approved the harbour plan on Tuesday, The Evening Courier understands.\n\n"
            "Work starts in June.\n")
    doc = clean_page(page)
    assert doc.publisher == "The Evening Courier" and doc.section is None
    assert doc.headline == "Harbour plan approved"
    assert [r.reason for r in doc.removed] == ["masthead", "headline"]
    labelled = clean_page("Harbour plan approved by council\n\nCity Desk\n\nCouncillors approved the plan.\n\nWork starts in June.\n")
    assert labelled.section == "City Desk" and labelled.standfirst is None
