"""Quote rules: one small hand-written article per detection and attribution pattern, the seed
article against its gold annotation, and a sample of the PolNeAR benchmark (read at run time
from ../shared, skipped when absent)."""

from __future__ import annotations

import json

import pytest

from pipeline import entities
from pipeline.evaluate import prediction_rows, score
from pipeline.fields import analysis_text
from pipeline.model import load_nlp
from pipeline.quotes import quotes
from pipeline.quotes.marks import quoted_spans
from pipeline.records import Quote


def extract(text: str, **options) -> list[Quote]:
    """The quotes in quotation marks (reported speech has its own tests: test_reported.py)."""
    doc = load_nlp()(text)
    return [q for q in quotes(doc, list(entities.mentions(doc)), **options) if q.kind != "indirect"]


def one(qs: list[Quote], fragment: str) -> Quote:
    found = [q for q in qs if fragment in q.text]
    assert len(found) == 1, [q.text for q in qs]
    return found[0]


# --- detection ---------------------------------------------------------------------------------

def test_curly_straight_and_double_apostrophe_marks_give_the_words_without_the_marks():
    text = ("Maria Lopez said: \u201cWe will rebuild the bridge this year.\u201d\n\n"
            "\"The money is there,\" said John Smith.\n\n"
            "''We are ready for the vote,'' Anna Berg told reporters.")
    qs = extract(text)
    assert [q.text for q in qs] == ["We will rebuild the bridge this year.", "The money is there,",
                                    "We are ready for the vote,"]
    for q in qs:
        assert text[q.start:q.end] == q.text
    assert [q.speaker for q in qs] == ["Maria Lopez", "John Smith", "Anna Berg"]


def test_single_marks_are_quotes_in_a_headline_but_not_apostrophes_or_nested_quotes():
    text = ("Minister says budget is \u2018a step towards recovery\u2019\n\n"
            "The finance minister, Paul Grant, presented the plan on Monday. \u201cThe workers\u2019 union told me "
            "\u2018we cannot wait\u2019 and they were right,\u201d Grant said. He didn't say when it starts.")
    spans = [text[s.start:s.end] for s in quoted_spans(text)]
    assert spans == ["a step towards recovery",
                     "The workers\u2019 union told me \u2018we cannot wait\u2019 and they were right,"]


def test_british_style_articles_use_single_marks_as_quotation_marks():
    text = ("Council approves new housing plan\n\n"
            "The council voted on Tuesday to build 400 homes.\n\n"
            "\u2018This is the best day for the town in years,\u2019 said council leader Sarah Hughes. "
            "The residents' association was less sure.\n\n"
            "Its chair, Tom Baker, called the plan \u2018a rushed job that ignores the river\u2019.")
    qs = extract(text)
    assert [q.text for q in qs] == ["This is the best day for the town in years,",
                                    "a rushed job that ignores the river"]
    assert [q.speaker for q in qs] == ["Sarah Hughes", "Tom Baker"]


def test_a_quote_over_several_paragraphs_gives_one_quote_per_paragraph():
    text = ("Governor Ellen Park spoke to the assembly on Friday. She said:\n\n"
            "\u201cWe have spent three years preparing for this moment.\n\n"
            "\u201cNobody in this room should doubt our resolve.\n\n"
            "\u201cWe will finish the job.\u201d\n\n"
            "The assembly adjourned.")
    qs = extract(text)
    assert [q.text for q in qs] == ["We have spent three years preparing for this moment.",
                                    "Nobody in this room should doubt our resolve.", "We will finish the job."]
    assert {q.speaker for q in qs} == {"Ellen Park"}


def test_one_stray_mark_never_costs_the_rest_of_the_article():
    text = ("The mayor\u201d said the report was late.\n\n"
            "\u201cWe did our best,\u201d said the mayor, Tom Reyes.\n\n"
            "Critics were not convinced. \u201cThe city has failed,\u201d said Joan Mills.")
    qs = extract(text)
    assert [q.text for q in qs] == ["We did our best,", "The city has failed,"]
    assert [q.speaker for q in qs] == ["Tom Reyes", "Joan Mills"]


def test_kind_is_full_for_sentences_and_partial_for_fragments():
    qs = extract("\u201cThe plan will save lives,\u201d Dr. Amy Chen said. She called the delay "
                 "\u201ca scandal of the first order.\u201d")
    assert one(qs, "save lives").kind == "full"
    assert one(qs, "scandal").kind == "partial"


def test_scare_quotes_and_titles_of_works_are_not_quotes():
    qs = extract("The so-called \u201cexperts\u201d disagreed. Senator Mark Hale wrote \u201cThe Long Road Home\u201d "
                 "in 2010 and led \u201cOperation Clean Sweep\u201d. Hale said his book was "
                 "\u201ca promise to my children that I intend to keep.\u201d")
    assert [q.text for q in qs] == ["a promise to my children that I intend to keep."]
    assert qs[0].speaker == "Mark Hale"



def test_nicknames_labels_and_titles_in_marks_are_never_quotes_even_when_unattributed_are_kept():
    text = ("The so-called \u201cpeace plan\u201d was rejected by the council.\n\n"
            "Tom Hale, known as \u201cthe Bulldozer\u201d, opened the road. Critics dubbed the scheme "
            "\u201cthe road to nowhere\u201d last spring.\n\n"
            "Hale starred in the film \u201cA Long Way From Home\u201d in 2004.")
    assert extract(text, keep_unattributed=True) == []


def test_single_marks_quote_in_body_text_with_their_speakers():
    qs = extract("Nora Quist, the head of the river trust, spoke at the hall. "
                 "'We are ready,' she said, 'and we will win.' Quist said the vote was \u2018long overdue\u2019.")
    assert [q.text for q in qs] == ["We are ready,", "and we will win.", "long overdue"]
    assert {q.speaker for q in qs} == {"Nora Quist"}


def test_double_marks_nested_in_single_marks_give_the_outer_quote():
    qs = extract("Ferry fares will rise in May.\n\n"
                 "\u2018Nobody wants this, but the \u201ccost of fuel\u201d leaves us no choice,\u2019 "
                 "said Ivan Petrov, the company\u2019s director.")
    assert [(q.text, q.speaker) for q in qs] == [
        ("Nobody wants this, but the \u201ccost of fuel\u201d leaves us no choice,", "Ivan Petrov")]


@pytest.mark.parametrize("text, quote, speaker", [
    pytest.param("Harbour plan is \u2018a gift to the town\u2019: Hale\n\nMayor Tom Hale opened the new harbour on Monday.",
                 "a gift to the town", "Tom Hale", id="headline-source-after-a-colon"),
    pytest.param("\u201cWe will not move,' said Owen Price, a farmer.", "We will not move,", "Owen Price",
                 id="opened-double-closed-single"),
    pytest.param("'We will not move,\u201d said Owen Price, a farmer.", "We will not move,", "Owen Price",
                 id="opened-single-closed-double"),
    pytest.param("Maria Lopez met voters in the square. \"We will win the vote,\" Lopez said",
                 "We will win the vote,", "Maria Lopez", id="end-of-text-without-full-stop"),
    pytest.param("The mayor, Tom Hale, left the meeting early. \u201cNot now\u201d--said the mayor.",
                 "Not now", "Tom Hale", id="unspaced-double-hyphen"),
    pytest.param("\u201cWe will not resign\u201d, said Tom Hale again.", "We will not resign", "Tom Hale",
                 id="comma-outside-the-marks"),
    pytest.param("Tom Hale spoke to reporters.\n\u201cThe council has done its work.\nWe will now vote,\u201d he said.\n"
                 "The vote is on Friday.", "The council has done its work.\nWe will now vote,", "Tom Hale",
                 id="one-sentence-per-line"),
])
def test_each_attribution_form_gives_one_quote_with_its_speaker(text, quote, speaker):
    assert [(q.text, q.speaker) for q in extract(text)] == [(quote, speaker)]


def test_a_stand_alone_quote_is_a_row_without_a_speaker_only_when_asked():
    text = "Residents gathered outside the hall.\n\n\u201cIt was chaos.\u201d\n\nThe police arrived at noon."
    assert extract(text) == []
    qs = extract(text, keep_unattributed=True)
    assert [(q.text, q.speaker, q.rule) for q in qs] == [("It was chaos.", None, "none")]


# --- attribution patterns ----------------------------------------------------------------------

def test_speaker_before_and_after_the_verb_and_with_an_appositive():
    qs = extract("\u201cWe will not back down,\u201d Peter Novak said.\n\n"
                 "\u201cThe talks are over,\u201d said Lena Frost.\n\n"
                 "\u201cOur position has not changed,\u201d Ivan Petrov, the foreign minister, said on Monday.")
    assert [q.speaker for q in qs] == ["Peter Novak", "Lena Frost", "Ivan Petrov"]
    assert all(q.cue == "say" and q.rule == "cue" for q in qs)


def test_speaker_between_two_halves_of_a_quote():
    qs = extract("\u201cThe economy is growing,\u201d Finance Minister Clara Diaz said. \u201cBut we cannot relax.\u201d")
    assert [q.speaker for q in qs] == ["Clara Diaz", "Clara Diaz"]


def test_colon_lead_in_with_and_without_a_verb():
    qs = extract("Prime Minister Omar Khalid said: \u201cWe are ready to talk.\u201d\n\n"
                 "Asked about the strike, union leader Rosa Mendes: \u201cWe will not return until we are paid.\u201d")
    assert [q.speaker for q in qs] == ["Omar Khalid", "Rosa Mendes"]


def test_according_to_and_in_a_statement():
    qs = extract("\u201cThe factory will close in March,\u201d according to Henrik Larsen.\n\n"
                 "Acme Corporation said in a statement: \u201cWe regret the decision.\u201d")
    assert [q.speaker for q in qs] == ["Henrik Larsen", "Acme Corporation"]
    assert qs[0].cue == "according to" and qs[0].rule == "according_to"
    assert qs[1].speaker_type == "ORGANIZATION"


def test_told_and_other_reporting_verbs():
    text = ("\u201cThe vote was rigged,\u201d Daniel Moore told Reuters.\n\n"
            "\u201cThis will end badly,\u201d warned Sofia Ricci.\n\n"
            "\u201cI never saw the letter,\u201d Jorge Alvarez insisted.\n\n"
            "\u201cThe court got it wrong,\u201d Hannah Weiss argued.\n\n"
            "\u201cWe want answers now,\u201d demanded Kwame Mensah.\n\n"
            "\u201cThe numbers are fine,\u201d Lucy Grant tweeted.")
    qs = extract(text)
    assert [q.speaker for q in qs] == ["Daniel Moore", "Sofia Ricci", "Jorge Alvarez", "Hannah Weiss",
                                       "Kwame Mensah", "Lucy Grant"]
    assert [q.cue for q in qs] == ["tell", "warn", "insist", "argue", "demand", "tweet"]


def test_speaker_named_in_the_previous_sentence_and_quote_only_paragraphs_continue():
    text = ("Ruth Adler, the city's budget director, defended the cuts on Tuesday. "
            "\u201cThere was no other way to balance the books.\u201d\n\n"
            "\u201cEvery department gave something up.\u201d\n\n"
            "Her rival, Carl Jensen, disagreed. \u201cThis is a choice, not a necessity,\u201d Jensen said.")
    qs = extract(text)
    assert [q.speaker for q in qs] == ["Ruth Adler", "Ruth Adler", "Carl Jensen"]
    assert qs[0].rule == "previous_sentence" and qs[1].rule == "continuation"


def test_a_new_speaker_ending_the_previous_paragraph_takes_the_next_quote_only_paragraph():
    text = ("\u201cWe will win in November,\u201d Mark Olsen said. His rival, Jane Hart, was unimpressed.\n\n"
            "\u201cHe has no plan and no money.\u201d")
    assert [q.speaker for q in extract(text)] == ["Mark Olsen", "Jane Hart"]


def test_a_new_speaker_after_a_quote_in_the_same_paragraph_takes_the_next_quote():
    text = ("\u201cThe budget is balanced,\u201d Tom Reed said on Monday. Anna Berg disagreed with him. "
            "\u201cThe numbers do not add up.\u201d")
    assert [q.speaker for q in extract(text)] == ["Tom Reed", "Anna Berg"]


def test_transcript_labels_and_source_lines():
    text = ("Debate transcript\n\n"
            "The moderator, Chris Lane, questioned Governor Dana Reyes on Sunday.\n\n"
            "LANE: \u201cWill you raise taxes next year?\u201d\n\n"
            "REYES: \u201cNo, and I have said so for a year.\u201d\n\n"
            "\u201cThe roads are falling apart and nobody in the capital cares.\u201d\n\n"
            "- Paul Meyer, a farmer in the valley.")
    qs = extract(text)
    assert [(q.speaker, q.rule) for q in qs] == [("Chris Lane", "transcript"), ("Dana Reyes", "transcript"),
                                                 ("Paul Meyer", "source_line")]


def test_titles_by_an_author_and_passive_agents():
    qs = extract("Nora Field wrote \u201cThe Quiet Harbor\u201d by herself in 2001. The plan was called "
                 "\u201ca reckless gamble\u201d by Senator Ray Dunn.")
    assert [(q.text, q.speaker) for q in qs] == [("a reckless gamble", "Ray Dunn")]


# --- resolution ----------------------------------------------------------------------------------

def test_he_and_she_resolve_to_the_salient_person_of_the_right_gender():
    text = ("Mrs. Helen Ward met Mr. Victor Lang in Geneva. Lang had asked for the meeting.\n\n"
            "\u201cWe made real progress today,\u201d she said.\n\n"
            "Ward left early. Victor Lang stayed to brief the press.\n\n"
            "\u201cThe next round starts in May,\u201d he said.")
    qs = extract(text)
    assert [q.speaker_mention for q in qs] == ["she", "he"]
    assert [q.speaker for q in qs] == ["Helen Ward", "Victor Lang"]


def test_a_pronoun_prefers_the_subject_just_before_to_the_last_speaker():
    text = ("\u201cWe will win this state,\u201d said Thomas Byrne.\n\n"
            "Laura Stein, his opponent, spoke later in the evening. \u201cThe voters will decide,\u201d she said.")
    assert [q.speaker for q in extract(text)] == ["Thomas Byrne", "Laura Stein"]


def test_a_description_resolves_to_the_person_introduced_with_that_role():
    text = ("Norway's Ambassador Erik Solheim met the committee on Monday.\n\n"
            "\u201cWe are deeply concerned,\u201d the Norwegian ambassador said.\n\n"
            "\u201cThe matter is closed,\u201d a spokesman said.")
    qs = extract(text)
    assert qs[0].speaker == "Erik Solheim" and qs[0].speaker_mention == "the Norwegian ambassador"
    assert qs[1].speaker is None and qs[1].speaker_mention == "a spokesman"


def test_organisations_and_countries_can_speak():
    text = ("France is accusing its neighbours of \u201cputting the whole union at risk\u201d.\n\n"
            "The European Commission said the measures were \u201cnot compatible with the treaty\u201d.")
    qs = extract(text)
    assert [(q.speaker, q.speaker_type) for q in qs] == [("France", "COUNTRY"),
                                                         ("European Commission", "ORGANIZATION")]
    for q in qs:
        assert q.speaker_entity_id is not None


def test_they_and_it_resolve_to_the_organisation_just_named():
    text = ("The European Commission rejected the plan on Monday. "
            "\u201cThe proposal does not meet the rules,\u201d it said.")
    q = extract(text)[0]
    assert q.speaker_mention == "it" and q.speaker == "European Commission"


def test_a_campaign_and_the_narrator_of_its_ad_speak_as_the_campaign():
    text = ("Maria Lopez is running for governor of Ohio.\n\n"
            "\u201cWe will win in November,\u201d the Lopez campaign said on Monday.\n\n"
            "A new Lopez ad shows a factory at dawn. \u201cOhio deserves better,\u201d the ad\u2019s narrator says.\n\n"
            "\u201cThe polls are wrong,\u201d her campaign said later.")
    qs = extract(text)
    assert [q.speaker for q in qs] == ["Lopez campaign"] * 3
    assert qs[0].speaker_type == "ORGANIZATION" and qs[0].speaker_entity_id is not None
    assert len({q.speaker_entity_id for q in qs}) == 1


def test_a_source_after_a_dash_closing_the_line_speaks_each_comment():
    text = ("Readers Share Their Views On The Election\n\n"
            "\u201cThe debate changed my mind about the race.\u201d \u2015 Azucena Quintana\n"
            "\u201cI will vote for the first time this year.\u201d\u2015 Tomasz Wierzbicki\u00a0\n"
            "\u201cNothing he says surprises me any more.\u201d \u2015 Ilse Brandvold, 41, Tucson")
    qs = extract(text)
    assert [q.speaker for q in qs] == ["Azucena Quintana", "Tomasz Wierzbicki", "Ilse Brandvold"]
    assert all(q.speaker_type == "PERSON" for q in qs)


def test_a_proper_name_the_ner_missed_still_speaks():
    text = ("The unemployment figures were revised on Friday.\n\n"
            "\u201cThe numbers do not add up,\u201d Zero Hedge wrote.\n\n"
            "\u201cWe stand by them,\u201d Saturday said.")
    qs = extract(text)
    assert qs[0].speaker == "Zero Hedge"
    assert all(q.speaker != "Saturday" for q in qs)


def test_a_document_named_before_with_its_issuer_speaks_for_the_issuer():
    text = ("The Pew Research Center released a long report on Monday about young voters.\n\n"
            "\u201cMost young voters have not decided yet,\u201d the report said.")
    q = extract(text)[0]
    assert q.speaker_mention == "the report" and q.speaker == "Pew Research Center"


def test_a_title_case_phrase_of_four_words_or_more_is_a_title_even_with_a_comma():
    text = ("Election night was long.\n\n"
            "\u201cA Change Is Gonna Come,\u201d Maria Lopez sang at the rally.\n\n"
            "\u201cWe will win this state,\u201d Maria Lopez said.")
    assert [q.text for q in extract(text)] == ["We will win this state,"]


def test_an_open_transcript_paragraph_takes_the_last_label_before_it():
    text = ("Mike Pence spoke to Chris Wallace of Fox News on Sunday.\n\n"
            "\"WALLACE: Will she be at the debate tomorrow night?\n\n"
            "\"PENCE: She will not be attending the debate tomorrow night. We are focused on the issues "
            "that the American people care about.\n\n"
            "\"But the truth is that the voters care about jobs and about the economy.\n\n"
            "\"WALLACE: Governor, I do not want to interrupt, but we are out of time tonight.\"")
    qs = extract(text)
    truth = one(qs, "But the truth")
    assert truth.speaker == one(qs, "PENCE:").speaker != one(qs, "WALLACE: Will").speaker


def test_an_unnamed_speaker_is_none_but_keeps_the_mention():
    qs = extract("\u201cThe deal is dead,\u201d one official said.")
    assert qs[0].speaker is None and qs[0].speaker_mention == "one official"


# --- seed article --------------------------------------------------------------------------------

def _seed_analysis_text(seed_text: str, gold: dict) -> str:
    document = gold["document"]
    lines = [line.strip() for line in seed_text.splitlines() if line.strip()]
    head, stand = document["headline"], document["standfirst"]
    body = [line for line in lines[lines.index(head) + 1:]
            if line.lstrip("\u2022 ").strip() != stand and line not in document["not_body"]]
    assert len(body) == document["body_paragraphs"]
    return analysis_text(headline=head, standfirst=stand, text="\n\n".join(body))[0]


def test_seed_article_all_quotes_with_their_speakers(seed_text, seed_gold):
    qs = extract(_seed_analysis_text(seed_text, seed_gold))
    assert [q.text for q in qs] == [g["text"] for g in seed_gold["quotes"]]
    assert [q.speaker for q in qs] == [g["speaker"] for g in seed_gold["quotes"]]
    assert [q.kind for q in qs] == [g["kind"] for g in seed_gold["quotes"]]
    for q, g in zip(qs, seed_gold["quotes"]):
        if "speaker_type" in g:
            assert q.speaker_type == g["speaker_type"]
        if "speaker_mention" in g:
            assert q.speaker_mention == g["speaker_mention"]


# --- PolNeAR sample ------------------------------------------------------------------------------

def test_polnear_dev_scores_do_not_regress(polnear_dev):
    """The whole dev split (84 articles, ~15 s): direct quotes found and attributed."""
    nlp = load_nlp()
    rows = []
    for gold, doc in zip(polnear_dev, nlp.pipe(d["text"] for d in polnear_dev)):
        rows += prediction_rows(gold["id"], list(quotes(doc, list(entities.mentions(doc)))), text=doc.text)
    result = score(polnear_dev, rows, kinds={"direct"})
    assert result["overlap"]["f1"] >= 0.93, json.dumps(result["overlap"])
    assert result["end2end"]["f1"] >= 0.85, json.dumps(result["end2end"])
