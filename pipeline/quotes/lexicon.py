"""Language data of the quote rules, loaded once from models/ (speech verbs, pronouns, roles, source nouns)."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

MODELS = Path(__file__).resolve().parents[2] / "models"


@dataclass(frozen=True, slots=True)
class SpeechVerb:
    lemma: str
    cls: str  # "speech", "describe" (call X "..."), "belief" (think, believe)
    # words the verb needs (any one of them) to report speech, with their dependency:
    # "point out" / "point to", "go on", "put it"
    needs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Lexicon:
    verbs: dict[str, SpeechVerb]  # lower-cased form -> verb
    pronouns: dict[str, dict]
    gender_titles: dict[str, str]
    roles: frozenset[str]
    source_nouns: frozenset[str]
    group_heads: frozenset[str]
    source_preps: frozenset[str]
    role_aliases: dict[str, str]
    relative_pronouns: frozenset[str]
    role_gender: dict[str, str]
    work_nouns: frozenset[str]  # words that announce a title: the book "...", titled "..."
    name_cues: frozenset[str]  # words right before a name or label: so-called "...", known as "..."
    naming_verbs: frozenset[str]  # verbs naming their object: dubbed the plan "..."
    given_names: dict[str, str]  # lower-cased given name -> "m" / "f"


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The quote rules' language data (cached per process)."""
    verbs: dict[str, SpeechVerb] = {}
    with open(MODELS / "speech_verbs.jsonl", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            verb = SpeechVerb(rec["lemma"], rec.get("class", "speech"),
                                tuple((n["word"], n["dep"]) for n in rec.get("needs", ())))
            for form in rec["forms"]:
                verbs.setdefault(form.lower(), verb)
    with open(MODELS / "quote_lexicon.json", encoding="utf-8") as f:
        data = json.load(f)
    return Lexicon(
        verbs=verbs,
        pronouns=data["pronouns"],
        gender_titles=data["gender_titles"],
        roles=frozenset(data["roles"]),
        source_nouns=frozenset(data["source_nouns"]),
        group_heads=frozenset(data["group_heads"]),
        source_preps=frozenset(data["source_preps"]),
        role_aliases=data.get("role_aliases", {}),
        relative_pronouns=frozenset(data.get("relative_pronouns", ())),
        role_gender=data.get("role_gender", {}),
        work_nouns=frozenset(data.get("work_nouns", ())),
        name_cues=frozenset(marks_data()["name_cues"]),
        naming_verbs=frozenset(marks_data()["naming_verbs"]),
        given_names=_given_names(),
    )


@functools.lru_cache(maxsize=1)
def marks_data() -> dict:
    """models/quote_marks.json: elisions (the '90s, 'em) and the cues of names in marks (dubbed "...")."""
    with open(MODELS / "quote_marks.json", encoding="utf-8") as f:
        return json.load(f)


def _given_names() -> dict[str, str]:
    path = MODELS / "quote_given_names.json"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return {**{n: "m" for n in data.get("m", ())}, **{n: "f" for n in data.get("f", ())}}
