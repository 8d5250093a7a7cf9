"""Language data of the quote rules, loaded once from models/ (speech verbs, reporting cues, pronouns, roles, source nouns)."""

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
class ReportingCue:
    """A word that reports speech or thought without quotation marks (models/reporting_cues.jsonl)."""

    lemma: str
    pos: str  # "verb", "noun", "adverb" ("reportedly") or "phrase" ("according to")
    cue_type: str  # "statement", "belief" (think, know, expect), "hope" (hope, fear, want) or
    # "impression" (seem, appear, reportedly: a view the text names nobody for)
    # what carries the content: "clause" (a complement clause), "to" (a to-infinitive), "object"
    # (a direct object: "endorsed the plan"), "prep" (the object of about/for/of/against:
    # "warned of a crisis"; after a noun also on: "X's position on"), "prep_to" ("referred to"), "that" (a that-clause after a noun), "sentence" (according to), "subject" (the subject
    # and complement of "seems to", or of a passive "is expected to", as a view of nobody's)
    takes: tuple[str, ...]


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
    reporting_verbs: dict[str, ReportingCue]  # lower-cased form -> cue
    reporting_nouns: dict[str, ReportingCue]  # lower-cased form -> cue
    reporting_adverbs: dict[str, ReportingCue]  # lower-cased form -> cue ("reportedly")

    def cue_type(self, lemma: str | None) -> str:
        """What a quote's cue reports: "statement" (also for no cue), "belief" or "hope"."""
        if lemma is None:
            return "statement"
        cue = self.reporting_verbs.get(lemma) or self.reporting_nouns.get(lemma)
        if cue is not None and cue.lemma == lemma:
            return cue.cue_type
        if lemma == "according to":
            return "statement"
        verb = self.verbs.get(lemma)
        return "belief" if verb is not None and verb.cls == "belief" else "statement"


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
        **_reporting_cues(verbs),
    )


@functools.lru_cache(maxsize=1)
def marks_data() -> dict:
    """models/quote_marks.json: elisions (the '90s, 'em) and the cues of names in marks (dubbed "...")."""
    with open(MODELS / "quote_marks.json", encoding="utf-8") as f:
        return json.load(f)
def _reporting_cues(verbs: dict[str, SpeechVerb]) -> dict[str, dict[str, ReportingCue]]:
    """Reporting verbs and nouns by form; a verb without its own forms takes those of speech_verbs.jsonl."""
    by_pos: dict[str, dict[str, ReportingCue]] = {"verb": {}, "noun": {}, "adverb": {}}
    speech_forms: dict[str, list[str]] = {}
    for form, verb in verbs.items():
        speech_forms.setdefault(verb.lemma, []).append(form)
    with open(MODELS / "reporting_cues.jsonl", encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            cue = ReportingCue(rec["lemma"], rec["pos"], rec["cue_type"], tuple(rec.get("takes", ())))
            for form in rec.get("forms") or speech_forms.get(cue.lemma, [cue.lemma]):
                by_pos.get(cue.pos, {}).setdefault(form.lower(), cue)
    return {"reporting_verbs": by_pos["verb"], "reporting_nouns": by_pos["noun"], "reporting_adverbs": by_pos["adverb"]}


def _given_names() -> dict[str, str]:
    path = MODELS / "quote_given_names.json"
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return {**{n: "m" for n in data.get("m", ())}, **{n: "f" for n in data.get("f", ())}}
