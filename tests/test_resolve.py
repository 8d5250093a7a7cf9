"""The document-level resolution layer (pipeline.resolve) on small articles written for each rule."""

from __future__ import annotations

from pipeline import entities
from pipeline.api import analyse
from pipeline.model import load_nlp
from pipeline.quotes import quotes


def resolved(text: str):
    doc = load_nlp()(text)
    found = list(entities.mentions(doc))
    return doc, found


def test_pronouns_titles_and_descriptions_join_the_chain_of_their_entity():
    _, found = resolved("UN Ambassador Peter Novak wrote to the council on Monday.\n\n"
                        "The ambassador said the vote was unfair. He left the room before the end.")
    chain = {(m.text, m.kind) for m in found if m.canonical_name == "Peter Novak"}
    assert ("Peter Novak", "name") in chain
    assert ("ambassador", "title") in chain
    assert ("He", "pronoun") in chain
    ids = {m.entity_id for m in found if m.canonical_name == "Peter Novak"}
    assert len(ids) == 1


def test_an_organisation_description_resolves_to_the_organisation_named_before():
    doc, found = resolved("The Russian Foreign Ministry summoned the German ambassador on Monday.\n\n"
                          "\u201cThis is a hostile act,\u201d the ministry said in a statement.")
    ministry = [m for m in found if m.kind == "description"]
    assert [m.canonical_name for m in ministry] == ["Russian Foreign Ministry"]
    (quote,) = quotes(doc, found, indirect=False)
    assert quote.speaker == "Russian Foreign Ministry" and quote.speaker_type == "ORGANIZATION"


def test_gender_comes_from_the_text_before_the_given_name():
    _, found = resolved("Taylor Brooks and John Miller met voters in Ohio.\n\n"
                        "Mrs. Brooks said the plant would close. Miller disagreed.")
    gender = {m.canonical_name: (m.gender, m.gender_source) for m in found if m.kind == "name" and m.label == "PERSON"}
    assert gender["Taylor Brooks"] == ("female", "honorific")
    assert gender["John Miller"] == ("male", "given_name")
    rows = {r["canonical_name"]: r for r in entities.entity_rows([("a", found)])}
    assert (rows["Taylor Brooks"]["gender"], rows["Taylor Brooks"]["gender_source"]) == ("female", "honorific")


def test_an_unnamed_spokesperson_speaks_for_the_organisation_without_becoming_it():
    tables = analyse("Google was fined on Tuesday.\n\n\u201cWe will appeal the decision,\u201d a Google spokesperson said.")
    quote = tables["quotes"].iloc[0]
    google = tables["entities"].set_index("canonical_name").loc["Google", "entity_id"]
    assert quote["speaker"] is None
    assert quote["speaker_role"] == "spokesperson"
    assert quote["speaker_affiliation_id"] == google


def test_a_shared_surname_goes_to_the_namesake_who_acts_not_the_relative_named_in_passing():
    doc, found = resolved("An attack on the embassy killed the soldier John Smith in 2012.\n\n"
                          "Jane Smith, mother of John Smith, criticised the minister on Monday.\n\n"
                          "\u201cShe lied to me,\u201d Smith said.")
    (quote,) = quotes(doc, found, indirect=False)
    assert quote.speaker == "Jane Smith"


def test_every_speaker_is_a_row_of_the_entities_table():
    tables = analyse("\u201cThe claim is false,\u201d PolitiFact wrote on Monday, after the debate in Ohio.\n\n"
                     "\u201cWe checked every number,\u201d said Maria Lopez, an editor.")
    speakers = set(tables["quotes"]["speaker_entity_id"].dropna())
    assert speakers and speakers <= set(tables["entities"]["entity_id"])


def test_a_speaker_reached_through_a_pronoun_is_less_certain_than_one_named():
    doc, found = resolved("Maria Lopez spoke in Phoenix on Monday.\n\n"
                          "\u201cWe will win,\u201d Lopez said. \u201cWe will win again,\u201d she said later.")
    named, pronoun = quotes(doc, found, indirect=False)
    assert named.speaker == pronoun.speaker == "Maria Lopez"
    assert pronoun.confidence < named.confidence


def test_a_state_after_its_city_is_no_country():
    _, found = resolved("The rally in Atlanta, Georgia drew thousands. Georgia and Russia fought a war in 2008.")
    countries = [m.start for m in found if m.label == "COUNTRY" and m.canonical_name == "Georgia"]
    assert len(countries) == 1 and countries[0] > 40


def test_a_statement_with_no_issuer_named_is_the_organisation_that_acted_just_before():
    doc, found = resolved("The Egyptian Foreign Ministry rejected the claims on Sunday.\n\n"
                          "\u201cThese reports are baseless,\u201d the statement said.")
    (quote,) = quotes(doc, found, indirect=False)
    assert quote.speaker == "Egyptian Foreign Ministry"


def test_a_surname_tagged_as_an_organisation_is_the_person_of_that_surname():
    from pipeline.entities import _one_type_per_name
    from pipeline.records import Mention

    linked = [Mention(0, 12, "Donald Trump", "PERSON", "PERSON", None, "Donald Trump"),
              Mention(40, 45, "Trump", "ORGANIZATION", "ORG", None, "Trump"),
              Mention(60, 62, "UN", "ORGANIZATION", "ORG", None, "United Nations")]
    fixed = _one_type_per_name(linked)
    assert [(m.label, m.canonical_name) for m in fixed] == [
        ("PERSON", "Donald Trump"), ("PERSON", "Donald Trump"), ("ORGANIZATION", "United Nations")]


def test_a_bare_spokesperson_speaks_for_the_organisation_acting_just_before():
    tables = analyse("The Department of Transport updated the council on Monday.\n\n"
                     "\u201cThe road will reopen in May,\u201d a spokesperson said.\n\n"
                     "\u201cWork is on schedule,\u201d the spokesperson said.")
    speakers = tables["quotes"]["speaker"].tolist()
    assert speakers == ["Department of Transport", "Department of Transport"]


def test_a_person_after_a_title_inside_an_organisation_name_is_that_person():
    doc = load_nlp()("It looks like Ontario Premier Doug Ford is among the allies of the mayor.")
    found = [m for m in entities.mentions(doc) if m.kind == "name"]
    assert ("Doug Ford", "PERSON") in {(m.text, m.label) for m in found}
    assert not any("Premier" in m.text for m in found)


def test_an_office_named_after_a_title_speaks_as_an_organisation():
    tables = analyse("The Prime Minister\u2019s Office \u201coutright rejects\u201d what it calls \u201cfake news\u201d about the vote.")
    assert set(tables["quotes"]["speaker"]) == {"Prime Minister\u2019s Office"}
