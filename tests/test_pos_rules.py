"""`pos_rules` gives the model's attribute ruler's POS, TAG and DEP, token for token."""

from __future__ import annotations

import importlib

import pytest

from pipeline import model
from pipeline.pos_rules import use_pos_rules


@pytest.fixture(scope="module")
def pipelines():
    for package in model.MODEL_PACKAGES:
        try:
            module = importlib.import_module(package)
        except ImportError:
            continue
        original = module.load(exclude=["lemmatizer"])
        fast = module.load(exclude=["lemmatizer"])
        use_pos_rules(fast)
        return original, fast
    pytest.skip("no spaCy model installed")


def attributes(doc):
    return [(t.text, t.tag_, t.pos_, t.dep_, t.head.i, t.ent_type_) for t in doc]


def test_replaces_the_attribute_ruler(pipelines):
    original, fast = pipelines
    assert "attribute_ruler" in original.pipe_names
    assert "attribute_ruler" not in fast.pipe_names
    assert fast.pipe_names.index("pos_rules") == original.pipe_names.index("attribute_ruler")


def test_same_annotations_on_the_seed_and_tricky_words(pipelines, seed_text):
    original, fast = pipelines
    texts = [
        seed_text,
        "But he said that something was wrong, and nobody knew it. I think that's hers, not theirs.",
        "\n\n  \n",
        "",
        "Whether or not they go, we'll see; she's gonna ask him herself.",
    ]
    for a, b in zip(original.pipe(texts), fast.pipe(texts)):
        assert attributes(a) == attributes(b)


def test_same_annotations_on_news(pipelines, polnear_dev):
    original, fast = pipelines
    texts = [doc["text"] for doc in polnear_dev[:15]]
    for a, b in zip(original.pipe(texts), fast.pipe(texts)):
        assert attributes(a) == attributes(b)


def test_project_model_uses_it():
    assert "pos_rules" in model.load_nlp().pipe_names
