"""Reported speech (kind "indirect"): small sentences for each pattern, the rule that a quote is
never counted twice nor re-attributed, and a sample of PolNeAR's full attribution annotation
(read at run time from ../shared, skipped when absent)."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest import SHARED

from pipeline import entities
from pipeline.evaluate import prediction_rows, score
from pipeline.model import load_nlp
from pipeline.quotes import quotes
from pipeline.quotes.lexicon import lexicon
from pipeline.records import Quote


def extract(text: str, **options) -> list[Quote]:
    doc = load_nlp()(text)
    return list(quotes(doc, list(entities.mentions(doc)), **options))


def reported(text: str) -> list[Quote]:
    return [q for q in extract(text) if q.kind == "indirect"]


def test_the_complement_of_a_reporting_verb_is_attributed_to_its_subject():
    text = "North Korea's ambassador Kim Song said the council was overstepping its mandate."
    [q] = reported(text)
    assert q.text == "the council was overstepping its mandate" == text[q.start:q.end]
    assert (q.speaker, q.speaker_mention, q.cue, q.cue_type) == ("Kim Song", "Kim Song", "say", "statement")
    assert text[q.speaker_mention_start:q.speaker_mention_end] == "Kim Song"


def test_a_that_clause_after_warn_or_deny_and_a_pronoun_resolved_like_a_quote():
    qs = reported("Senator Jane Roe arrived in Boston on Monday.\n\n"
                  "She denied that she had met the lobbyist.\n\n"
                  "Officials warned that the storm could flood the coast.")
    assert [(q.text, q.cue, q.speaker_mention, q.speaker) for q in qs] == [
        ("that she had met the lobbyist", "deny", "She", "Jane Roe"),
        ("that the storm could flood the coast", "warn", "Officials", None)]


def test_the_rest_of_the_sentence_around_according_to():
    [q] = reported("The economy grew by 3 percent last year, according to the central bank.")
    assert (q.text, q.cue, q.rule, q.speaker_mention) == (
        "The economy grew by 3 percent last year", "according to", "according_to", "the central bank")


def test_a_that_clause_after_a_reporting_noun_takes_its_owner():
    qs = reported("Officials rejected John Smith's claim that the vote was rigged.")
    assert [(q.text, q.cue, q.speaker_mention) for q in qs] == [
        ("John Smith's claim that the vote was rigged", "reject", "Officials"),  # what the officials rejected
        ("that the vote was rigged", "claim", "John Smith")]
    assert qs[1].speaker == "John Smith"


def test_a_parenthetical_reporting_verb_gives_the_clause_around_it():
    [q] = reported("The plan, John Smith said, is dead.\n\nThe plan is dead, officials said.")[:1]
    assert (q.text, q.speaker) == ("The plan", "John Smith")
    texts = [q.text for q in reported("The plan, John Smith said, is dead.")]
    assert texts == ["The plan", "is dead"]


def test_belief_and_hope_are_kept_apart_from_statements():
    qs = reported("Jane Doe believes the plan will fail.\n\nJohn Smith hopes the bridge will open in May.\n\n"
                  "Maria Lopez said the bridge will open in June.")
    assert [(q.speaker, q.cue_type) for q in qs] == [("Jane Doe", "belief"), ("John Smith", "hope"),
                                                      ("Maria Lopez", "statement")]
    assert lexicon().cue_type("think") == "belief" and lexicon().cue_type(None) == "statement"


def test_a_mixed_quote_keeps_its_row_and_the_reported_clause_is_its_context():
    text = "John Smith said the plan was \"a disaster for the workers\" and should be dropped."
    qs = extract(text)
    assert [q.kind for q in qs] == ["partial"]
    [q] = qs
    assert (q.text, q.speaker, q.cue_type) == ("a disaster for the workers", "John Smith", "statement")
    assert text[q.context_start:q.context_end] == "the plan was \"a disaster for the workers\" and should be dropped"


def test_a_sentence_that_is_a_quote_and_a_report_is_counted_once():
    for text in ("\"We will win,\" John Smith said.", "John Smith said: \"We will win the election next year.\"",
                 "John Smith said that \"we will win the election next year.\""):
        qs = extract(text)
        assert len(qs) == 1 and qs[0].kind != "indirect", (text, qs)
        assert qs[0].speaker == "John Smith"


def test_reported_speech_changes_no_quote_and_no_speaker(seed_text):
    doc = load_nlp()(seed_text)
    mentions = list(entities.mentions(doc))
    without = [dataclasses.replace(q, cue_type=None) for q in quotes(doc, mentions, indirect=False)]
    with_indirect = [q for q in quotes(doc, mentions) if q.kind != "indirect"]
    assert [dataclasses.replace(q, cue_type=None, context_start=None, context_end=None) for q in with_indirect] == without
    assert all(q.cue_type in ("statement", "belief", "hope") for q in with_indirect)


def _attribution_sample(n: int) -> list[dict]:
    path = SHARED / "bench" / "polnear" / "attributions" / "dev.jsonl"
    if not path.exists():
        pytest.skip(f"{path} not available")
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for _, line in zip(range(n), f)]


def test_polnear_reported_speech_is_found_and_attributed():
    """20 dev articles of PolNeAR's full annotation: reported speech found and attributed, and
    quotes in quotation marks unchanged by it."""
    gold = _attribution_sample(20)
    nlp = load_nlp()
    rows = []
    for g, doc in zip(gold, nlp.pipe(d["text"] for d in gold)):
        mentions = list(entities.mentions(doc))
        found = list(quotes(doc, mentions))
        assert [q.start for q in found if q.kind != "indirect"] == [q.start for q in quotes(doc, mentions, indirect=False)]
        rows += prediction_rows(g["id"], found, text=doc.text)
    indirect = score(gold, rows, kinds={"indirect"})
    assert indirect["overlap"]["f1"] >= 0.45, json.dumps(indirect["overlap"])
    assert indirect["end2end"]["f1"] >= 0.35, json.dumps(indirect["end2end"])
    assert score(gold, rows)["end2end"]["f1"] >= 0.5


def test_an_impression_is_a_row_without_a_speaker():
    qs = reported("The senator seemed to lose his temper.\n\nThe bill is expected to pass next week.\n\n"
                  "The group is reportedly spending $1 million on ads.")
    assert [(q.text, q.speaker_mention, q.cue_type) for q in qs] == [
        ("The senator", None, "impression"), ("to lose his temper", None, "impression"),
        ("The bill", None, "belief"), ("to pass next week", None, "belief"),
        ("The group is", None, "impression"), ("spending $1 million on ads", None, "impression")]
    # an active "expect" keeps its source
    [q] = reported("Jane Doe expects the bill to pass.")
    assert q.speaker == "Jane Doe"
    # a passive reporting verb without "by X": nobody's view; with it, X's
    qs = reported("The senator was accused of lying to the committee.")
    assert [(q.text, q.speaker_mention) for q in qs] == [("The senator", None), ("of lying to the committee", None)]


def test_any_verb_of_a_person_with_a_full_clause_is_a_belief():
    [q] = reported("Jane Doe reckons the bill will pass next week.")
    assert (q.text, q.speaker, q.cue, q.cue_type) == ("the bill will pass next week", "Jane Doe", "reckon", "belief")
    assert reported("The storm made the bridge close early.") == []


def test_quotes_indirect_false_keeps_only_the_quotes_in_marks(tmp_path):
    import pandas as pd

    from pipeline.cli import main

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Mayor Jane Doe said the bridge would open in May.\n\n"
                                 "\"We are ready,\" John Smith said on Monday.\n", "utf-8")
    tables = {}
    for indirect in ("true", "false"):
        params = tmp_path / f"params_{indirect}.yaml"
        params.write_text(f"quotes:\n  indirect: {indirect}\n", "utf-8")
        out = tmp_path / f"out_{indirect}"
        assert main(["run", "--seeds", str(seeds), "--out", str(out), "--params", str(params)]) == 0
        tables[indirect] = pd.read_parquet(out / "quotes" / "quotes.parquet")
    assert "indirect" in set(tables["true"]["kind"]) and "indirect" not in set(tables["false"]["kind"])
    kept = tables["true"][tables["true"]["kind"] != "indirect"]
    assert kept["text"].tolist() == tables["false"]["text"].tolist() == ["We are ready,"]
