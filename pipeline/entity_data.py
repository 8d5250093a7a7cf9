"""Entity rule data: country, capital and demonym lookups, titles, organisations, noise.

Country names, official names and abbreviations come from country_converter (its names
and regular expressions) and countryinfo (alternative spellings, capitals, demonyms);
the project's own additions and rule words live in models/ (see models/README.md).
Every lookup is cached: country_converter's regular expressions are slow per call.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import country_converter as coco
import pandas as pd
from countryinfo import all_countries

MODELS = Path(__file__).resolve().parent.parent / "models"
_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'"})


def normal_key(text: str) -> str:
    """Case-, apostrophe- and space-insensitive lookup key of a name."""
    return " ".join(text.translate(_QUOTES).casefold().split())


def _csv(name: str) -> list[dict[str, str]]:
    with open(MODELS / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _jsonl(name: str) -> list[dict]:
    with open(MODELS / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@dataclass(frozen=True, slots=True)
class Countries:
    """Name, capital and demonym tables keyed by `normal_key`, values ISO3."""

    names: dict[str, str]
    name_words: frozenset[str]
    regexes: tuple[tuple[re.Pattern, str], ...]
    short_names: dict[str, str]
    capitals: dict[str, str]
    demonyms: dict[str, str]
    demonym_forms: dict[str, str]


def _unambiguous(candidates: dict[str, set[str]], members: set[str]) -> dict[str, str]:
    """Keep keys naming one country, preferring UN members when a key names several."""
    table = {}
    for key, codes in candidates.items():
        if len(codes) > 1:
            codes = codes & members
        if len(codes) == 1:
            table[key] = next(iter(codes))
    return table


@functools.lru_cache(maxsize=1)
def countries() -> Countries:
    """The country tables, built once per process from the libraries and models/."""
    data = pd.read_csv(Path(coco.__file__).with_name("country_data.tsv"), sep="\t", encoding="utf-8")
    data = data[data["obsolete"].isna()]
    members = set(data.loc[data["UNmember"].notna(), "ISO3"])
    regexes = {iso3: re.compile(rx, re.IGNORECASE) for rx, iso3 in zip(data["regex"], data["ISO3"])}
    names: dict[str, set[str]] = defaultdict(set)
    capitals: dict[str, set[str]] = defaultdict(set)
    demonyms: dict[str, set[str]] = defaultdict(set)
    demonym_forms: dict[str, str] = {}
    for row in data.itertuples():
        for name in (row.name_short, row.name_official, row.ISO3):
            names[normal_key(name)].add(row.ISO3)
    for country in all_countries():
        code = (country.iso() or {}).get("alpha3")
        if code not in regexes or not regexes[code].search(normal_key(country.name())):
            continue  # not a country of country_converter's, or part of one (Wales)
        for name in [country.name(), *(country.alt_spellings() or [])]:
            if len(name) > 2:
                names[normal_key(name)].add(code)
        capital = country.capital() or []
        for name in [capital] if isinstance(capital, str) else capital:
            for form in {name, name.removesuffix(" D.C."), name.removesuffix(" City")}:
                capitals[normal_key(form)].add(code)
        if demonym := country.demonym():
            for form in (demonym, demonym + "s"):
                demonyms[normal_key(form)].add(code)
                demonym_forms[normal_key(form)] = demonym
    for row in _csv("countries_aliases.csv"):
        if row["kind"] != "also_subdivision":
            (names if row["kind"] == "name" else capitals)[normal_key(row["alias"])] = {row["iso3"]}
    return Countries(
        names=_unambiguous(names, members),
        name_words=frozenset(word for name in names for word in name.split()),
        regexes=tuple((rx, iso3) for iso3, rx in regexes.items()),
        short_names=dict(zip(data["ISO3"], data["name_short"])),
        capitals={k: v for k, v in _unambiguous(capitals, members).items() if k not in names},
        demonyms=_unambiguous(demonyms, members),
        demonym_forms=demonym_forms,
    )


@functools.lru_cache(maxsize=4096)
def country_code(name: str) -> str | None:
    """ISO3 of a country or territory named by `name` (short, official or abbreviated), else None.

    A name is looked up among the libraries' names, then must match one of country_converter's
    regular expressions as a whole ("U.S.", "DPRK"; not "Perugia", "LGBT", "the two Koreas")
    with only words that country names have (not "Bank of China").
    """
    table = countries()
    key = normal_key(name)
    if key in table.names:
        return table.names[key]
    words = key.split()
    if len(words) > 1 and not table.name_words.issuperset(words):
        return None  # "Bank of China": a word no country name has
    found = {code for rx, code in table.regexes if rx.fullmatch(key)}
    return found.pop() if len(found) == 1 else None


@functools.lru_cache(maxsize=4096)
def capital_of(name: str) -> str | None:
    """ISO3 of the country whose capital is `name` ("Pyongyang" -> "PRK"), else None."""
    return countries().capitals.get(normal_key(name))


@functools.lru_cache(maxsize=4096)
def demonym(name: str) -> tuple[str, str] | None:
    """Singular demonym and ISO3 of its country ("North Koreans" -> ("North Korean", "PRK")), else None."""
    table = countries()
    key = normal_key(name)
    code = table.demonyms.get(key)
    return (table.demonym_forms[key], code) if code else None


def country_name(code: str) -> str:
    """Canonical short name of a country ("PRK" -> "North Korea")."""
    return countries().short_names[code]


@functools.lru_cache(maxsize=1)
def title_words() -> frozenset[str]:
    """Lower-case words of titles and honorifics that stand before names (models/titles.csv)."""
    return frozenset(row["title"] for row in _csv("titles.csv"))


@functools.lru_cache(maxsize=1)
def honorifics() -> frozenset[str]:
    """Courtesy titles ("mr", "ms", "dr"): the name after one is a surname."""
    return frozenset(row["title"] for row in _csv("titles.csv") if row["kind"] == "honorific")


@functools.lru_cache(maxsize=1)
def noise_pattern() -> re.Pattern:
    """Texts that are never entities: times, dates, strings without letters (models/entity_noise.jsonl)."""
    return re.compile("|".join(f"(?:{row['pattern']})" for row in _jsonl("entity_noise.jsonl")), re.IGNORECASE)


@functools.lru_cache(maxsize=1)
def metonymy_words() -> dict[str, frozenset[str]]:
    """Dependency labels, prepositions and nouns that mark a capital as actor or place."""
    kinds: dict[str, set[str]] = defaultdict(set)
    for row in _csv("entity_metonymy.csv"):
        kinds[row["kind"]].add(row["word"])
    return {kind: frozenset(words) for kind, words in kinds.items()}


@dataclass(frozen=True, slots=True)
class Organization:
    """A gazetteer organisation: canonical name, family (UN, EU) and its anaphoric noun."""

    canonical: str
    family: str | None
    anaphor: str | None


@dataclass(frozen=True, slots=True)
class Organizations:
    """Organisation aliases by `normal_key`; context aliases apply only beside their family."""

    aliases: dict[str, Organization]
    context_aliases: dict[str, Organization]


@functools.lru_cache(maxsize=1)
def organizations() -> Organizations:
    """The organisation gazetteer (models/gazetteer_organizations.jsonl)."""
    aliases, context_aliases = {}, {}
    for row in _jsonl("gazetteer_organizations.jsonl"):
        org = Organization(row["canonical"], row.get("family"), row.get("anaphor"))
        aliases.update({normal_key(a): org for a in row["aliases"]})
        context_aliases.update({normal_key(a): org for a in row.get("context_aliases", ())})
    return Organizations(aliases, context_aliases)


@functools.cache
def given_names() -> dict[str, str]:
    """Lower-case common given name -> "m"/"f" (models/quote_given_names.json, shared with the
    quote rules): the gender an honorific ("Mrs.") must agree with, and words that are names."""
    path = MODELS / "quote_given_names.json"
    if not path.exists():
        return {}
    data = json.loads(path.read_text("utf-8"))
    return {**{n: "m" for n in data.get("m", ())}, **{n: "f" for n in data.get("f", ())}}


@functools.lru_cache(maxsize=1)
def _name_detector():
    import gender_guesser.detector

    return gender_guesser.detector.Detector(case_sensitive=False)


_GUESSED = {"male": "m", "mostly_male": "m", "female": "f", "mostly_female": "f"}


@functools.lru_cache(maxsize=8192)
def given_name_gender(name: str) -> str | None:
    """"m"/"f" of a given name: the project's list first, then the offline gender-guesser
    package's name lists (mostly-male/female count; androgynous and unknown names give None)."""
    key = name.lower().strip(".")
    return given_names().get(key) or _GUESSED.get(_name_detector().get_gender(key))


@functools.lru_cache(maxsize=1)
def role_words() -> frozenset[str]:
    """Lower-case role nouns ("spokesman", "ceo") of the quote lexicon (models/quote_lexicon.json)."""
    return frozenset(json.loads((MODELS / "quote_lexicon.json").read_text("utf-8"))["roles"])


@functools.lru_cache(maxsize=1)
def subdivision_names() -> frozenset[str]:
    """Country names that also name a state or province (models/countries_aliases.csv, kind
    also_subdivision): after "City, " they are the state ("Atlanta, Georgia")."""
    return frozenset(normal_key(row["alias"]) for row in _csv("countries_aliases.csv")
                     if row["kind"] == "also_subdivision")
