"""Scoring predicted quotes against gold: hand-made cases for each rule of the benchmark's
semantics, and agreement with the shared scorer when ../shared is present."""

from __future__ import annotations

import importlib.util
import json

import pytest

from pipeline.evaluate import (
    format_report,
    map_span,
    prediction_rows,
    same_speaker,
    score,
)
from pipeline.records import Quote
from tests.conftest import SHARED

TEXT = ('Headline here.\n\n"We will win," said Jane Roe. She called it "a farce." '
        'The "experts" disagreed, Tom Poe said.')


def gold_doc(**extra) -> dict:
    def q(fragment: str, speaker: str | None, kind: str = "direct") -> dict:
        start = TEXT.index(fragment)
        return {"start": start, "end": start + len(fragment), "text": fragment, "speaker": speaker, "kind": kind}

    return {"id": "d1", "text": TEXT,
            "quotes": [q('"We will win,"', "Jane Roe"), q('"a farce."', "She", "mixed")], **extra}


def row(fragment: str, speaker: str | None, alt=None, *, strip_marks: bool = False) -> dict:
    start = TEXT.index(fragment)
    end = start + len(fragment)
    if strip_marks:
        start, end = start + 1, end - 1
    return {"doc_id": "d1", "quote_start": start, "quote_end": end, "quote_text": TEXT[start:end],
            "speaker": speaker, "speaker_alt": alt}


def test_exact_trimmed_and_overlap_spans():
    preds = [row('"We will win,"', "Jane Roe"), row('"a farce."', "Jane Roe", ["she"], strip_marks=True)]
    res = score([gold_doc()], preds)
    assert res["exact"]["tp"] == 1  # marks left out: not exact ...
    assert res["exact_norm"]["tp"] == 2  # ... but equal once marks and end punctuation are trimmed
    assert res["overlap"]["tp"] == 2
    assert res["end2end"]["tp"] == 2  # 'She' matches the alternative name 'she'


def test_a_span_sharing_only_a_quotation_mark_does_not_overlap():
    start = TEXT.index('"We will win,"')
    pred = {"doc_id": "d1", "quote_start": start + len('"We will win,'), "quote_end": start + len('"We will win," said'),
            "speaker": "Jane Roe"}
    assert score([gold_doc()], [pred])["overlap"]["tp"] == 0


def test_speaker_rules_strict_lenient_and_null():
    assert same_speaker("Kim", "Kim Song") and not same_speaker("Kim", "Kim Song", lenient=False)
    assert same_speaker("the DPRK ambassador", "DPRK ambassador")
    assert not same_speaker("the", "the council")  # function words alone never match
    assert same_speaker(None, None) and not same_speaker(None, "he")
    res = score([gold_doc()], [row('"We will win,"', "Roe")])
    assert res["speaker"]["lenient_acc"] == 1.0 and res["speaker"]["strict_acc"] == 0.0


def test_a_null_speaker_is_right_only_against_a_null_gold_speaker():
    doc = gold_doc()
    doc["quotes"][0]["speaker"] = None
    assert score([doc], [row('"We will win,"', None, ["a spokesman"])])["end2end"]["tp"] == 1
    assert score([gold_doc()], [row('"We will win,"', None, [])])["end2end"]["tp"] == 0


def test_kinds_drop_predictions_that_only_overlap_excluded_gold():
    preds = [row('"We will win,"', "Jane Roe"), row('"a farce."', "Jane Roe"), row('"experts"', None)]
    res = score([gold_doc()], preds, kinds={"direct"})
    assert res["pred_dropped_excluded_kind"] == 1
    assert res["overlap"]["n_gold"] == 1 and res["overlap"]["n_pred"] == 2  # the scare quote stays a false positive
    assert res["end2end"]["p"] == 0.5 and res["end2end"]["r"] == 1.0


def test_one_to_one_matching_and_errors_list():
    errors: list = []
    preds = [row('"We will win,"', "Jane Roe"), row('"We will win,"', "Jane Roe")]
    res = score([gold_doc()], preds, errors=errors)
    assert res["overlap"]["tp"] == 1
    assert sorted(e["type"] for e in errors) == ["missed", "spurious"]
    assert "end2end (lenient)" in format_report(res)


def test_prediction_rows_add_the_marks_and_map_onto_another_text():
    start = TEXT.index("We will win,")
    q = Quote(start, start + len("We will win,"), "We will win,", "full", "Jane Roe", 0, 0, "Jane Roe",
              "person:x", "PERSON", "say", "cue", 0.9)
    rows = prediction_rows("d1", [q], text=TEXT)
    assert rows[0]["quote_text"] == '"We will win,"' and rows[0]["speaker"] == "Jane Roe"
    other = "A new first line.\n\n" + TEXT.replace("\n\n", "\n\n\n")
    s, e = map_span(q.start, q.end, text=TEXT, gold_text=other)
    assert other[s:e] == "We will win,"


def _shared_scorer():
    path = SHARED / "bench" / "score_quotes.py"
    if not path.exists():
        pytest.skip("shared scorer not available")
    spec = importlib.util.spec_from_file_location("score_quotes", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kinds", [None, {"direct"}])
def test_agrees_with_the_shared_scorer(kinds, tmp_path):
    shared = _shared_scorer()
    docs = [gold_doc()]
    preds = [row('"We will win,"', "Roe", ["he"]), row('"a farce."', None, ["She"], strip_marks=True),
             row('"experts"', "Tom Poe")]
    mine = score(docs, preds, kinds=kinds)
    pred_path = tmp_path / "p.jsonl"
    pred_path.write_text("\n".join(json.dumps(p) for p in preds))
    gold = {d["id"]: d for d in docs}
    theirs = shared.score(gold, shared.load_pred(str(pred_path)), kinds)
    for key in ("exact", "exact_norm", "overlap", "end2end", "end2end_coref"):
        assert mine[key] == theirs[key], key
    assert mine["speaker"]["lenient_acc"] == theirs["speaker"]["lenient_acc"]
