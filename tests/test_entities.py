"""Entity rules on small articles written for each rule, and the seed article against its gold."""

from __future__ import annotations

import re

import pytest
from spacy.tokens import Span

from pipeline.components import fixed_entities
from pipeline.entities import entity_id, entity_rows, mentions
from pipeline.fields import analysis_text
from pipeline.model import load_nlp
from pipeline.records import Mention


def found(text: str, **options) -> list[Mention]:
    """The name mentions of a text (resolved pronouns, titles and descriptions: tests/test_resolve.py)."""
    return [m for m in mentions(load_nlp()(text), **options) if m.kind == "name"]


def by_text(ms: list[Mention]) -> dict[str, list[Mention]]:
    table: dict[str, list[Mention]] = {}
    for m in ms:
        table.setdefault(m.text, []).append(m)
    return table


def test_two_people_sharing_a_surname_never_resolve_to_the_one_always_written_out():
    ms = found("Ambassador Kim Song wrote to the council. Kim said the vote was unfair.\n\n"
               "Kim Jong-un met the president in June. Kim Jong-un later visited Beijing.\n\n"
               "Kim called the move a provocation.")
    kims = [m for m in ms if m.text == "Kim"]
    assert len(kims) == 2
    assert {m.canonical_name for m in kims} == {"Kim Song"}
    assert len({m.entity_id for m in ms if m.canonical_name == "Kim Song"}) == 1


def test_a_partial_name_resolves_to_the_person_last_introduced_before_it():
    ms = found("Mary Jones opened the meeting on Monday.\n\nLater, Tom Jones arrived from London. "
               "Jones said the plan would fail.")
    assert [m.canonical_name for m in ms if m.text == "Jones"] == ["Tom Jones"]


def test_a_relative_named_once_loses_partial_names_to_the_main_person():
    ms = found("Senator Ted Cruz spoke in Houston on Friday.\n\n"
               "Ted Cruz has long opposed the plan. Cruz said it was a mistake.\n\n"
               "His wife, Heidi Cruz, also attended the event.\n\n"
               "Cruz told reporters that he would vote against it.")
    assert {m.canonical_name for m in ms if m.text == "Cruz"} == {"Ted Cruz"}


def test_a_title_case_phrase_is_no_full_name_for_a_partial_name():
    ms = found("Laura Obama, a teacher, gave a speech on Monday about schools.\n\n"
               "WATCH: Obama Speech On Schools\n\n"
               "Obama said the schools needed more money.")
    assert [m.canonical_name for m in ms if m.text == "Obama"] == ["Laura Obama"]


def test_a_name_used_alone_for_paragraphs_is_not_a_namesake_introduced_later():
    ms = found("Headline about the election\n\n"
               "Obama spoke in Ohio on Monday.\n\nObama said the economy was growing.\n\n"
               "Obama also praised the governor.\n\n"
               "Sasha Obama and Michelle Obama were also there.\n\n"
               "Obama left the city after the rally.")
    assert {m.canonical_name for m in ms if m.text == "Obama"} == {"Obama"}


def test_an_honorific_keeps_a_partial_name_to_a_person_of_its_gender():
    ms = found("Hillary Clinton spoke in Ohio on Monday.\n\nLater, Bill Clinton joined her on stage. "
               "Mrs. Clinton said the plan would work. Mr. Clinton said little.")
    table = by_text(ms)
    assert [m.canonical_name for m in table["Clinton"]] == ["Hillary Clinton", "Bill Clinton"]


def test_a_dash_before_a_name_is_no_part_of_it():
    doc = load_nlp()("\u201cThe plan will not work.\u201d\n\n-Michelle Marks, Ohio")
    start = doc.text.index("-Michelle")
    doc.ents = [doc.char_span(start, start + len("-Michelle Marks"), label="PERSON", alignment_mode="expand")]
    people = [m for m in mentions(doc) if m.label == "PERSON"]
    assert [(m.text, m.canonical_name) for m in people] == [("Michelle Marks", "Michelle Marks")]


def test_the_fullest_name_with_a_middle_initial_is_canonical():
    ms = found("Donald Trump spoke in Ohio on Monday.\n\n"
               "Donald J. Trump, the Republican nominee, is behind in the polls. Trump said they were wrong.")
    assert {m.canonical_name for m in ms if m.label == "PERSON"} == {"Donald J. Trump"}


def test_a_misspelt_surname_and_a_possessive_resolve_to_the_full_name():
    ms = found("Tyresha McClenney, a student, waited in line for two hours.\n\n"
               "McLenney said the wait was worth it. McClenney\u2019s friends agreed.")
    people = [m for m in ms if m.label == "PERSON"]
    assert {m.canonical_name for m in people} == {"Tyresha McClenney"}, [(m.text, m.canonical_name) for m in people]


def test_a_full_name_the_ner_missed_or_mislabelled_elsewhere_is_the_person():
    doc = load_nlp()("Ivanka Trump spoke in Ohio on Monday.\n\nIn an essay, Ivanka Trump said the plan would help.")
    second = doc.text.rindex("Ivanka Trump")
    doc.ents = [doc.char_span(0, len("Ivanka Trump"), label="PERSON"),
                doc.char_span(second, second + len("Ivanka Trump"), label="PRODUCT")]  # as the NER may
    people = [m for m in mentions(doc) if m.label == "PERSON"]
    assert [m.start for m in people] == [0, second]
    assert {m.canonical_name for m in people} == {"Ivanka Trump"}


def test_titles_and_honorifics_are_kept_apart_from_the_name():
    ms = found("President Donald Trump spoke on Monday. Mr Trump said he was pleased.")
    trump = [m for m in ms if m.label == "PERSON"]
    assert {m.canonical_name for m in trump} == {"Donald Trump"}
    assert {m.text for m in trump} == {"Donald Trump", "Trump"}
    assert {m.title for m in trump} == {"President", "Mr"}


def test_a_capital_acting_for_its_government_is_a_country_metonym():
    ms = found("Washington accused Beijing of unfair trade practices on Tuesday.")
    countries = {m.text: m for m in ms if m.label == "COUNTRY"}
    assert countries["Washington"].country_code == "USA" and countries["Washington"].metonym
    assert countries["Beijing"].country_code == "CHN" and countries["Beijing"].metonym
    assert [(m.text, m.country_code) for m in found("Kiev accused Moscow of shelling.") if m.metonym] == [
        ("Kiev", "UKR"), ("Moscow", "RUS")]
    possessor = found("Pyongyang's UN ambassador accused the council of bias.")
    assert [(m.text, m.country_code, m.metonym) for m in possessor if m.label == "COUNTRY"] == [
        ("Pyongyang", "PRK", True)]


def test_a_capital_as_a_place_is_no_country():
    text = "The delegates met in Washington on Monday to discuss trade."
    assert not [m for m in found(text) if m.label == "COUNTRY"]
    places = found(text, keep_labels=("GPE",))
    assert [(m.text, m.label, m.metonym) for m in places] == [("Washington", "GPE", False)]
    dateline = found("WASHINGTON — The president said on Monday that talks would resume.")
    assert not [m for m in dateline if m.metonym]


def test_cities_regions_and_states_are_no_countries():
    ms = found("He spoke in Geneva and later flew to California, far from the Korean peninsula.",
               keep_labels=("COUNTRY", "GPE", "LOC"))
    assert not [m for m in ms if m.label == "COUNTRY" or m.demonym_of]


def test_country_names_abbreviations_and_official_names_come_from_the_country_library():
    ms = found("The United States and the Democratic People's Republic of Korea, or DPRK, met. "
               "The U.S. said America wanted peace with North Korea.")
    countries = {m.text: m.country_code for m in ms if m.label == "COUNTRY"}
    assert countries == {"United States": "USA", "Democratic People's Republic of Korea": "PRK",
                         "DPRK": "PRK", "U.S.": "USA", "America": "USA", "North Korea": "PRK"}
    assert {m.entity_id for m in ms if m.country_code == "PRK"} == {"country:PRK"}
    assert {m.spacy_label for m in ms if m.text == "DPRK"} == {"ORG"}  # the NER's label, fixed


def test_an_organisation_holding_a_country_name_is_no_country():
    ms = found("The Bank of China raised rates, the central bank said.")
    assert [(m.text, m.label) for m in ms] == [("Bank of China", "ORGANIZATION")]


def test_a_demonym_links_to_its_country_in_its_own_column():
    ms = found("North Korean leader Kim Jong-un met South Korean officials.")
    demonyms = {m.text: m for m in ms if m.demonym_of}
    assert demonyms["North Korean"].demonym_of == "PRK" and demonyms["North Korean"].label == "NORP"
    assert demonyms["North Korean"].entity_id != entity_id("COUNTRY", "North Korea", country_code="PRK")


def test_an_organisation_as_acronym_and_in_full_is_one_entity():
    ms = found("The Committee to Protect Journalists said on Monday that reporters were at risk. "
               "The CPJ added that two were jailed.\n\nThe UN said it was concerned. "
               "The United Nations will meet again.")
    orgs = {m.text: m.canonical_name for m in ms if m.label == "ORGANIZATION"}
    assert orgs["CPJ"] == orgs["Committee to Protect Journalists"] == "Committee to Protect Journalists"
    assert orgs["UN"] == orgs["United Nations"] == "United Nations"


def test_un_organs_short_forms_and_the_council_resolve_in_a_un_context():
    ms = found("The UN Security Council will meet on Monday. The Security Council has met before, "
               "and the council may vote.\n\nThe Human Rights Council in Geneva was not consulted.")
    orgs = [(m.text, m.canonical_name) for m in ms if m.label == "ORGANIZATION"]
    assert ("Security Council", "UN Security Council") in orgs
    assert ("council", "UN Security Council") in orgs
    assert ("Human Rights Council", "UN Human Rights Council") in orgs


def test_times_dates_and_name_pairs_never_become_entities(seed_text):
    # spaCy tags the raw seed's "10:05pm" GPE and its link line's "Xi-Trump" PERSON
    ms = found(seed_text, keep_labels=("PERSON", "COUNTRY", "ORGANIZATION", "GPE", "DATE", "TIME"))
    assert not {m.text for m in ms} & {"10:05pm", "11:08am", "Xi-Trump"}
    doc = load_nlp()("Talks ended at 10:05pm on Wednesday. Xi-Trump talks follow. Alexandria Ocasio-Cortez "
                     "spoke, and Ocasio-Cortez left.")
    doc.ents = [Span(doc, 3, 4, "GPE"), Span(doc, 5, 6, "PERSON"), Span(doc, 7, 10, "PERSON"),
                Span(doc, 13, 17, "PERSON"), Span(doc, 20, 23, "PERSON")]
    assert [e.text for e in fixed_entities(doc)] == ["Alexandria Ocasio-Cortez", "Ocasio-Cortez"]


def test_entity_rows_count_documents_mentions_and_aliases_per_entity():
    first = found("North Korea's envoy met US officials. Pyongyang says it wants talks.")
    second = found("The DPRK rejected the plan.")
    rows = {row["entity_id"]: row for row in entity_rows([("a", first), ("b", second)])}
    korea = rows["country:PRK"]
    assert korea["type"] == "COUNTRY" and korea["canonical_name"] == "North Korea"
    assert korea["aliases"] == ["DPRK", "North Korea", "Pyongyang"]
    assert (korea["n_docs"], korea["n_mentions"], korea["country_code"]) == (2, 3, "PRK")
    assert list(rows) == sorted(rows)


# ------------------------------------------------------------------ seed gold

def seed_fields(seed_text: str, gold: dict) -> tuple[str, str, list[str]]:
    """Headline, standfirst and body paragraphs of the seed as the clean stage yields them."""
    document = gold["document"]
    skip = set(document["not_body"]) | {document["section"], document["headline"]}
    blocks = [block.strip() for block in seed_text.split("\n\n")]
    body = [b for b in blocks if b and b not in skip and not b.startswith("\u2022") and "PUBLISHED" not in b]
    assert len(body) == document["body_paragraphs"]
    return document["headline"], document["standfirst"], body


def mention_form(gold_text: str) -> str:
    """A gold mention as the pipeline writes it: without determiner, possessive or title."""
    return re.sub(r"^(?:the|Ambassador)\s+|['\u2019]s$", "", gold_text)


@pytest.fixture(scope="module")
def seed_mentions(seed_text, seed_gold) -> list[Mention]:
    headline, standfirst, body = seed_fields(seed_text, seed_gold)
    text, _ = analysis_text(headline=headline, standfirst=standfirst, text="\n\n".join(body))
    return found(text)


def test_seed_every_gold_entity_and_mention_is_found(seed_gold, seed_mentions):
    for label, entities in seed_gold["entities"].items():
        if label not in ("PERSON", "COUNTRY", "ORGANIZATION"):
            continue
        for canonical, written in entities.items():
            linked = {m.text for m in seed_mentions if m.label == label and m.canonical_name == canonical}
            for text in written:
                assert mention_form(text) in linked, (label, canonical, text)


def test_seed_titles_and_metonyms(seed_mentions):
    ambassador = [m for m in seed_mentions if m.title == "Ambassador" and m.text == "Kim"]
    assert ambassador and ambassador[0].canonical_name == "Kim Song"
    metonyms = {m.text: m.country_code for m in seed_mentions if m.metonym}
    assert metonyms == {"Pyongyang": "PRK", "Washington": "USA"}
    assert "Geneva" not in {m.text for m in seed_mentions}


def test_seed_nothing_listed_as_noise_is_an_entity(seed_gold, seed_mentions):
    texts = {m.text for m in seed_mentions}
    assert not texts & set(seed_gold["entities"]["must_not_be_entities"])


def test_entity_ids_are_the_same_in_every_article_and_every_run():
    first = found("President Donald Trump met Kim Jong-un in Singapore.")
    second = found("Mr Trump spoke. Donald Trump later left Singapore.")
    ids = {m.entity_id for ms in (first, second) for m in ms if m.canonical_name == "Donald Trump"}
    assert ids == {entity_id("PERSON", "Donald Trump")} == {"person:ab8737d9e46f"}
    assert {m.entity_id for ms in (first, second) for m in ms if m.text == "Singapore"} == {"country:SGP"}
