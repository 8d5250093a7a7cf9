"""`pos_rules`: the model's own attribute-ruler rules for POS, TAG and DEP, applied by lookup.

en_core_web_sm's `attribute_ruler` maps fine-grained tags to coarse POS (and sets morphology and
lemma exceptions) by running a token Matcher over every document: a tenth of the spaCy pass. The
stages read POS, TAG and DEP but never MORPH or LEMMA, so this component takes the model's own
patterns that set those three, indexes them by tag and word, and applies them in the ruler's
order (later patterns win). The output on those attributes is the attribute ruler's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from spacy.language import Language
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.tokens import Doc

_WRITTEN = ("TAG", "POS", "DEP")  # what the stages read; MORPH and LEMMA rules are left out
_ARRAY_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")  # what the model's patterns test


@dataclass(frozen=True, slots=True)
class _Rule:
    """One pattern: per pattern token, (column, kind, values) tests; the token it sets; what it sets."""

    tests: tuple[tuple[tuple[int, str, np.ndarray], ...], ...]
    index: int
    codes: tuple[tuple[int, int], ...]  # (column of _WRITTEN, value code)


class PosRules:
    """The attribute ruler's POS/TAG/DEP rules, matched with array operations over each document."""

    def __init__(self, vocab, patterns: list[dict]):
        strings = vocab.strings
        self.rules: list[_Rule] = []
        for entry in patterns:  # the ruler's order: later rules win
            codes = tuple((_WRITTEN.index(k), _code(k, v, strings)) for k, v in entry["attrs"].items() if k in _WRITTEN)
            if not codes:
                continue
            for pattern in entry["patterns"]:
                tests = tuple(tuple(_test(key, value, strings) for key, value in token.items()) for token in pattern)
                self.rules.append(_Rule(tests, entry.get("index", 0), codes))

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        columns = doc.to_array(list(_ARRAY_ATTRS)).astype(np.uint64)
        by_tag = _positions(columns[:, 0])
        written = doc.to_array(list(_WRITTEN)).astype(np.uint64)
        changed = np.zeros(len(_WRITTEN), dtype=bool)
        for rule in self.rules:
            hits = _matches(columns, rule.tests, by_tag)
            if hits.size:
                targets = hits + (rule.index if rule.index >= 0 else len(rule.tests) + rule.index)
                for column, code in rule.codes:
                    written[targets, column] = code
                    changed[column] = True
        for column, name in enumerate(_WRITTEN):
            if changed[column] and name != "DEP":
                doc.from_array([name], written[:, column : column + 1])
        if changed[_WRITTEN.index("DEP")]:  # labels only: the tree (HEAD) stays as the parser left it
            column = _WRITTEN.index("DEP")
            for i in np.flatnonzero(written[:, column] != doc.to_array(["DEP"]).astype(np.uint64)).tolist():
                doc[i].dep = int(written[i, column])
        return doc


def _code(attr: str, value: str, strings) -> int:
    """Array code of an attribute value: POS uses spaCy's symbol ids, TAG and DEP string hashes."""
    return POS_IDS[value] if attr == "POS" else strings.add(value)


def _test(key: str, value, strings) -> tuple[int, str, np.ndarray]:
    if key not in _ARRAY_ATTRS:
        raise ValueError(f"pos_rules: unsupported attribute-ruler pattern key {key!r}")
    column = _ARRAY_ATTRS.index(key)

    def code(v) -> int:
        return int(v) if isinstance(v, bool) else strings.add(v)

    if isinstance(value, dict):
        if set(value) not in ({"IN"}, {"NOT_IN"}):
            raise ValueError(f"pos_rules: unsupported pattern value {value!r}")
        kind = next(iter(value))
        return column, kind, np.array([code(v) for v in value[kind]], dtype=np.uint64)
    return column, "IN", np.array([code(value)], dtype=np.uint64)


def _positions(tags: np.ndarray) -> dict[int, np.ndarray]:
    """Token positions of each tag in the document."""
    order = np.argsort(tags, kind="stable")
    values, starts = np.unique(tags[order], return_index=True)
    return dict(zip(values.tolist(), np.split(order, starts[1:])))


def _matches(columns: np.ndarray, tests, by_tag: dict[int, np.ndarray]) -> np.ndarray:
    """Start positions where every pattern token passes its tests (a tag test on the first token
    narrows the candidates to that tag's positions)."""
    n = len(columns) - len(tests) + 1
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    first_tag = next((allowed for column, kind, allowed in tests[0] if column == 0 and kind == "IN"), None)
    if first_tag is not None:
        parts = [by_tag[code] for code in first_tag.tolist() if code in by_tag]
        if not parts:
            return np.empty(0, dtype=np.int64)
        starts = np.sort(np.concatenate(parts)) if len(parts) > 1 else parts[0]
        starts = starts[starts < n]
    else:
        starts = np.arange(n)
    for offset, token_tests in enumerate(tests):
        for column, kind, allowed in token_tests:
            if offset == 0 and allowed is first_tag:
                continue  # the candidates already have this tag
            if not starts.size:
                return starts
            values = columns[starts + offset, column]
            found = values == allowed[0] if len(allowed) == 1 else np.isin(values, allowed)
            starts = starts[found if kind == "IN" else ~found]
    return starts


@Language.factory("pos_rules", default_config={"patterns": []})
def create_pos_rules(nlp: Language, name: str, patterns: list[dict]) -> PosRules:
    return PosRules(nlp.vocab, patterns)


def use_pos_rules(nlp: Language) -> None:
    """Put `pos_rules`, built from the model's own attribute ruler, in the attribute ruler's place."""
    if "attribute_ruler" not in nlp.pipe_names:
        return
    patterns = nlp.get_pipe("attribute_ruler").patterns
    position = nlp.pipe_names.index("attribute_ruler")
    nlp.remove_pipe("attribute_ruler")
    nlp.add_pipe("pos_rules", config={"patterns": patterns}, before=nlp.pipe_names[position])
