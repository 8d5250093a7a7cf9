"""Entity mentions of a parsed document, tied to canonical entities within it and across the corpus.

The `news_entity_rules` component (pipeline.components) has already trimmed, filtered and
relabelled the spans: countries are GPE spans with their ISO3 code as kb_id, demonyms NORP
spans with their country's code. This module links each span to its canonical entity:

- COUNTRY: a country name, official name or abbreviation ("DPRK"), or a capital acting for
  its government ("Pyongyang accuses", "Pyongyang's ambassador"; metonym=True); the same
  capital as a place ("in Washington") stays GPE.
- NORP demonyms ("North Korean") carry their country in `demonym_of` (kept with COUNTRY).
- PERSON: titles kept apart in `title`; a partial name ("Kim") resolves to a full name of the
  same article ("Kim Song"), the fullest one ("Donald J. Trump" over "Donald Trump"). Among
  several: never a Title Case phrase written once ("Obama Speech"), nor a namesake introduced
  after the bare name stood alone for three paragraphs, nor one of the other gender than an
  honorific ("Mrs."), nor one whose full name is always written out; then the main person
  (written in full most often: relatives named once lose), then the one last introduced before
  it. A misspelt surname resolves to the one full name a letter away; a full name found again
  untagged or mislabelled is that person; dashes and possessive endings are no part of names.
- ORGANIZATION: gazetteer names ("UN", "the Security Council" beside the UN), acronyms of
  an organisation named in full in the article, shortened names ("the Security Council" after
  "UN Security Council"), and anaphoric nouns of a gazetteer organisation ("the council",
  "the Council").
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from spacy.tokens import Doc, Span, Token

from pipeline import entity_data
from pipeline.records import Mention

LABELS = {"PERSON": "PERSON", "ORG": "ORGANIZATION"}
DEFAULT_LABELS = ("PERSON", "COUNTRY", "ORGANIZATION")


def entity_id(label: str, canonical_name: str, *, country_code: str | None = None) -> str:
    """Stable id of a canonical entity: the same in every article and every run.

    Countries are keyed by their ISO3 code ("country:PRK"), other entities by type and
    canonical name.
    """
    if label == "COUNTRY" and country_code:
        return f"country:{country_code}"
    digest = hashlib.sha1(f"{label}\x1f{canonical_name}".encode()).hexdigest()[:12]
    return f"{label.lower()}:{digest}"


def mentions(doc: Doc, *, keep_labels: Sequence[str] = DEFAULT_LABELS) -> Iterator[Mention]:
    """Yield the document's mentions of kept types in text order, each with its canonical entity.

    Demonyms (NORP with a country) are kept with COUNTRY; other labels not mapped to
    PERSON, COUNTRY or ORGANIZATION are kept under their spaCy name when listed.
    """
    text = doc.text
    drafts = _missed_full_names(doc, text, [_draft(ent) for ent in doc.ents])
    persons = [d for d in drafts if d.label == "PERSON"]
    breaks = [found.start() for found in re.finditer("\n\n", text)] if persons else []
    paras = [bisect.bisect_left(breaks, d.start) for d in persons]
    people = _person_names(persons, _common_words(doc), paras, _subjects(doc, persons))
    organizations = _organization_names([d for d in drafts if d.label == "ORGANIZATION"])
    linked = [replace(d, canonical_name=people.get(d.start) or organizations.get(d.start) or d.canonical_name)
              for d in drafts]
    linked = _one_type_per_name(linked + _anaphors(doc, linked))
    kept = [replace(m, entity_id=entity_id(m.label, m.canonical_name, country_code=m.country_code))
            for m in sorted(linked, key=lambda m: m.start)
            if m.label in keep_labels or (m.demonym_of is not None and "COUNTRY" in keep_labels)]
    # imported here: the resolution package imports this module
    from pipeline.resolve.document import resolved

    yield from resolved(doc, kept)


def _one_type_per_name(linked: list[Mention]) -> list[Mention]:
    """One entity, one type in a document: an organisation mention that is a person's canonical
    name or the surname of exactly one person named in full ("Trump" tagged ORG) is that person."""
    people = {m.canonical_name for m in linked if m.label == "PERSON" and m.canonical_name}
    surnames: dict[str, set[str]] = defaultdict(set)
    for name in people:
        if " " in name:
            surnames[name.split()[-1]].add(name)
    fixed = []
    for m in linked:
        if m.label == "ORGANIZATION" and m.canonical_name not in _gazetteer_names():
            person = m.canonical_name if m.canonical_name in people else None
            if person is None and len(surnames.get(m.canonical_name or "", ())) == 1:
                person = next(iter(surnames[m.canonical_name]))
            if person is not None:
                m = replace(m, label="PERSON", canonical_name=person)
        fixed.append(m)
    return fixed


@functools.lru_cache(maxsize=1)
def _gazetteer_names() -> frozenset[str]:
    return frozenset(org.canonical for org in entity_data.organizations().aliases.values())


def _missed_full_names(doc: Doc, text: str, drafts: list[Mention]) -> list[Mention]:
    """Drafts with the other occurrences of a person's full name that the NER left untagged or
    labelled otherwise ("..., Ivanka Trump acknowledged" as PRODUCT after "Ivanka Trump" was a
    PERSON elsewhere): exact, on word boundaries, over no other entity."""
    names = {d.text for d in drafts if d.label == "PERSON" and " " in d.text and d.text[:1].isupper()}
    if not names:
        return drafts
    relabelled = {d.start for d in drafts if d.label not in ("PERSON", "COUNTRY") and d.text in names}
    kept = [d for d in drafts if d.start not in relabelled]
    taken = [(d.start, d.end) for d in kept]
    found = []
    for name in names:
        at = text.find(name)
        while at >= 0:
            end = at + len(name)
            free = not any(s < end and at < e for s, e in taken)
            bounded = (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum())
            if free and bounded and (span := doc.char_span(at, end, label="PERSON")) is not None:
                found.append(_draft(span))
                taken.append((at, end))
            at = text.find(name, end)
    return sorted(kept + found, key=lambda d: d.start) if found or relabelled else drafts


def entity_rows(mentions_by_doc: Iterable[tuple[str, Sequence[Mention]]]) -> list[dict]:
    """Corpus entities table: one row per entity_id named in some document, with aliases, document
    and mention counts (names only), and a person's gender: the one most documents show, its
    source the strongest they give (the text's own evidence before a given name)."""
    found: dict[str, dict] = {}
    for doc_id, doc_mentions in mentions_by_doc:
        for m in doc_mentions:
            if m.entity_id is None or m.kind != "name":
                continue
            row = found.setdefault(m.entity_id, {"names": Counter(), "aliases": set(), "docs": set(), "n": 0,
                                                 "type": m.label, "country_code": m.country_code, "genders": {}})
            row["names"][m.canonical_name] += 1
            row["aliases"].add(m.text)
            row["docs"].add(doc_id)
            row["n"] += 1
            if m.gender is not None:
                row["genders"][doc_id] = (m.gender, m.gender_source)
    return [
        {"entity_id": key, "type": row["type"], "canonical_name": row["names"].most_common(1)[0][0],
         "aliases": sorted(row["aliases"]), "n_docs": len(row["docs"]), "n_mentions": row["n"],
         "country_code": row["country_code"], **_gender(row["genders"].values())}
        for key, row in sorted(found.items())
    ]


_SOURCES = ("honorific", "pronoun", "given_name")


def _gender(found: Iterable[tuple[str, str]]) -> dict:
    """gender and gender_source of one person from the documents' (gender, source) pairs."""
    found = list(found)
    votes = Counter(gender for gender, _ in found)
    if not votes or (len(votes) > 1 and votes.most_common(2)[0][1] == votes.most_common(2)[1][1]):
        return {"gender": None, "gender_source": None}
    gender = votes.most_common(1)[0][0]
    source = min((s for g, s in found if g == gender), key=_SOURCES.index)
    return {"gender": gender, "gender_source": source}


_LEADING = "-\u2010\u2011\u2012\u2013\u2014\u2015 \u00a0"


def _draft(ent: Span) -> Mention:
    """A mention of one span, linked to what the span alone tells (country, capital, demonym).

    `spacy_label` is the NER's label, kept by `news_entity_rules` as the span id when it relabels.
    """
    if ent.label_ == "ORG" and (person := _titled_person(ent)) is not None:
        return _draft(person)
    base = Mention(ent.start_char, ent.end_char, ent.text, LABELS.get(ent.label_, ent.label_),
                   ent.id_ or ent.label_, None, ent.text)
    if ent.label_ == "PERSON" and (lead := len(ent.text) - len(ent.text.lstrip(_LEADING))) and lead < len(ent.text):
        # "-Michelle Marks", "\u2015 Jane Doe": a source line's dash taken into the name
        base = replace(base, start=ent.start_char + lead, text=ent.text[lead:], canonical_name=ent.text[lead:])
    if ent.label_ == "GPE" and ent.kb_id_:
        return replace(base, label="COUNTRY", canonical_name=entity_data.country_name(ent.kb_id_),
                       country_code=ent.kb_id_)
    if ent.label_ == "NORP" and ent.kb_id_:
        return replace(base, canonical_name=entity_data.demonym(ent.text)[0], country_code=ent.kb_id_,
                       demonym_of=ent.kb_id_)
    if ent.label_ == "GPE" and (code := entity_data.capital_of(ent.text)) and _acts(ent):
        return replace(base, label="COUNTRY", canonical_name=entity_data.country_name(code),
                       country_code=code, metonym=True)
    if ent.label_ == "PERSON":
        return replace(base, title=_title(ent))
    return base


def _titled_person(ent: Span) -> Span | None:
    """The person an organisation span ends with after a title ("Northland Premier Jane Roe" tagged
    ORG -> "Jane Roe"): two to four capitalised words after the last title word, the first a
    given name."""
    titles = entity_data.title_words()
    at = max((t.i for t in ent[:-2] if t.lower_.rstrip(".") in titles), default=None)
    if at is None:
        return None
    tail = ent.doc[at + 1:ent.end]
    if len(tail) > 4 or not all(t.is_title and t.pos_ == "PROPN" for t in tail) or \
            entity_data.given_name_gender(tail[0].text) is None:
        return None
    return ent.doc.char_span(tail.start_char, tail.end_char, label="PERSON")


def _acts(span: Span) -> bool:
    """Whether a place name acts (subject, object, possessor of a non-place noun, agent)."""
    if span.text.isupper():
        return False  # a dateline: "WASHINGTON —"
    words = entity_data.metonymy_words()
    token = span.root
    while token.dep_ in ("conj", "appos") and token.head is not token:
        token = token.head
    if token.dep_ == "poss":
        return token.head.lower_ not in words["place_noun"]
    if token.dep_ == "pobj":
        return token.head.lower_ in words["actor_prep"]
    if token.dep_ == "dobj":
        return token.head.lower_ not in words["place_verb"]
    return token.dep_ in words["actor_dep"]


def _title(span: Span) -> str | None:
    """Title words written just before a name ("Secretary-General", "UN Ambassador" -> "Ambassador")."""
    titles = entity_data.title_words()
    doc, start = span.doc, span.start
    while start > 0 and (doc[start - 1].lower_.rstrip(".") in titles
                         or (doc[start - 1].text == "-" and start > 1 and doc[start - 2].lower_ in titles)):
        start -= 1
    return doc[start:span.start].text or None


def _bare(text: str) -> str:
    """A name without a possessive ending ("Trump\u2019s" -> "Trump")."""
    for end in ("'s", "\u2019s", "'", "\u2019"):
        if text.endswith(end) and len(text) > len(end) + 1:
            return text[:-len(end)]
    return text


def _expands(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether `long` is `short` with middle initials or a nickname added ("donald j. trump")."""
    if len(long) <= len(short) or short[0] != long[0] or short[-1] != long[-1]:
        return False
    extra = list(long)
    for word in short:
        if word not in extra:
            return False
        extra.remove(word)
    return all(len(w.strip(".")) <= 1 or w[0] in "\"'\u201c" for w in extra)


def _one_edit(a: str, b: str) -> bool:
    """Whether two words of five letters or more differ by one letter (insert, delete or swap one)."""
    if a == b or a[0] != b[0] or abs(len(a) - len(b)) > 1 or min(len(a), len(b)) < 5:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def _common_words(doc: Doc) -> frozenset[str]:
    """Lower-case nouns, verbs and adjectives of the text ("speech", "asking"): a capitalised
    "name" word that the text also uses as a common word is no name of a person."""
    return frozenset(t.lower_ for t in doc if t.is_lower and t.pos_ in ("NOUN", "VERB", "ADJ"))


def _subjects(doc: Doc, people: list[Mention]) -> set[int]:
    """Start offsets of the person mentions that are the subject of a clause (or its appositive)."""
    found = set()
    for m in people:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        root = span.root if span is not None and len(span) else None
        if root is not None and (root.dep_ in ("nsubj", "nsubjpass")
                                 or root.dep_ == "appos" and root.head.dep_ in ("nsubj", "nsubjpass")):
            found.add(m.start)
    return found


def _person_names(people: list[Mention], common: frozenset[str] = frozenset(),
                  paras: list[int] | None = None, subjects: set[int] = frozenset()) -> dict[int, str]:
    """Canonical name of each person mention by start offset.

    Names compare without case and apostrophe style ("WALLACE", "O'Neill"). A partial name
    resolves to a full name (`_resolve`); a longer name holding a full name written more often
    ("Crooked Hillary Clinton" beside "Hillary Clinton"; not "Bill de Blasio" beside "De Blasio",
    nor "Ildefonso Guajardo Villarreal" beside "Mr. Guajardo Villarreal") is that name.
    """
    words = [tuple(entity_data.normal_key(_bare(m.text)).split()) for m in people]
    full_at: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, name in enumerate(words):
        if len(name) > 1:
            full_at[name].append(i)
    written = {name: _bare(people[at[0]].text) for name, at in full_at.items()}
    surnames = {words[i] for i, m in enumerate(people) if m.title and _honorific(m.title)}
    inner = {full: max(subs, key=lambda sub: len(full_at[sub]))
             for full in full_at
             if (subs := [sub for sub in full_at if len(sub) < len(full) and _within(sub, full)
                          and len(full_at[sub]) > len(full_at[full]) and sub not in surnames
                          and not _particle_start(sub, written[full])])}
    for full in full_at:  # "Donald Trump" beside "Donald J. Trump": the fullest name
        if full not in inner and (longer := [other for other in full_at if other not in inner and _expands(full, other)]):
            inner[full] = max(longer, key=lambda other: (len(full_at[other]), -full_at[other][0]))
    names = {}
    for i, name in enumerate(words):
        name = inner.get(name, name)
        candidates = [full for full in full_at if full not in inner and len(name) < len(full) and _within(name, full)]
        if not candidates and len(name) == 1 and len(name[0]) >= 5:  # a misspelt surname ("McLenney")
            candidates = [full for full in full_at if full not in inner and _one_edit(name[0], full[-1])]
        several = len(candidates) > 1
        candidates = [c for c in candidates if len(full_at[c]) > 1 or not _headline_phrase(name, c, common)]
        if several and paras is not None:
            candidates = [c for c in candidates if not _known_alone(name, full_at[c][0], words, paras)]
        if len(candidates) > 1 and (sex := _title_gender(people[i].title)):
            candidates = [c for c in candidates if _given_gender(c) != _OTHER[sex]] or candidates
        acting = {full for full in candidates if any(people[j].start in subjects for j in full_at[full])}
        best = _resolve(i, name, candidates, full_at, words, acting) if candidates else name
        names[people[i].start] = written.get(best, people[i].text)
    return names


def _headline_phrase(partial: tuple[str, ...], full: tuple[str, ...], common: frozenset[str]) -> bool:
    """A Title Case phrase the NER took for a name ("Obama Speech", "Injecting Clinton"), written
    once: a word beside the partial name that the text also writes as a lower-case common word
    and that is no known given name."""
    given = entity_data.given_names()
    return any(w in common and w not in given for w in full if w not in partial and len(w) > 2)


_OTHER = {"m": "f", "f": "m"}
_TITLE_GENDER = {"mr": "m", "mrs": "f", "ms": "f", "miss": "f"}


def _title_gender(title: str | None) -> str | None:
    """"m"/"f" from an honorific written before the name ("Mrs. Clinton")."""
    return _TITLE_GENDER.get(title.split()[-1].lower().rstrip(".")) if title else None


def _given_gender(full: tuple[str, ...]) -> str | None:
    """"m"/"f" of a full name's given name where it is a common one ("Bill Clinton" -> "m")."""
    return entity_data.given_names().get(full[0])


def _known_alone(name: tuple[str, ...], intro: int, words: list[tuple[str, ...]], paras: list[int]) -> bool:
    """Whether the bare name is used in three or more body paragraphs before a full name holding
    it is introduced: the article speaks of someone known by that name alone ("Obama"), and the
    namesake introduced later ("Michelle Obama") is someone else."""
    return len({paras[j] for j in range(intro) if words[j] == name and paras[j] > 0}) >= 3


def _honorific(title: str) -> bool:
    return title.split()[-1].lower().rstrip(".") in entity_data.honorifics()


def _particle_start(sub: tuple[str, ...], written: str) -> bool:
    """Whether `sub` starts at a lower-case name particle of the written name ("Bill de Blasio")."""
    return any(word.islower() and entity_data.normal_key(word) == sub[0] for word in written.split())


def _within(part: tuple[str, ...], whole: tuple[str, ...]) -> bool:
    n = len(part)
    return any(whole[k:k + n] == part for k in range(len(whole) - n + 1))


def _resolve(i: int, name: tuple[str, ...], candidates: list[tuple[str, ...]],
             full_at: dict[tuple[str, ...], list[int]], words: list[tuple[str, ...]],
             acting: set[tuple[str, ...]] = frozenset()) -> tuple[str, ...]:
    """The full name a partial name at mention i stands for.

    Among several: a person introduced only after the partial name already stood for someone
    else, and written out in full again later, is "always written out" and left aside; then
    a person written in full as the subject of a clause wins over one never so written ("Jane
    Smith, mother of victim John Smith, said"); then the main person, the one written in full
    most often (relatives, named once, lose to the person the article is about); on a tie the
    person last introduced in full before
    mention i, else the first introduced after it.
    """
    if len(candidates) > 1:
        first_intro = min(full_at[c][0] for c in candidates)
        partial_at = [j for j, other in enumerate(words) if other == name and j > first_intro]
        if partial_at:
            written_out = {c for c in candidates if full_at[c][0] > partial_at[0]
                           and len(full_at[c]) > 1 and partial_at[0] < full_at[c][-1]}
            candidates = [c for c in candidates if c not in written_out] or candidates
        candidates = [c for c in candidates if c in acting] or candidates
        most = max(len(full_at[c]) for c in candidates)
        candidates = [c for c in candidates if len(full_at[c]) == most]
    before = [(max(j for j in full_at[c] if j < i), c) for c in candidates if full_at[c][0] < i]
    if before:
        return max(before)[1]
    return min((full_at[c][0], c) for c in candidates)[1]


def _organization_names(orgs: list[Mention]) -> dict[int, str]:
    """Canonical name of each organisation mention by start offset."""
    gazetteer = entity_data.organizations()
    keys = [entity_data.normal_key(m.text) for m in orgs]
    families = {gazetteer.aliases[k].family for k in keys if k in gazetteer.aliases}
    known: dict[int, entity_data.Organization] = {}
    for m, key in zip(orgs, keys):
        org = gazetteer.aliases.get(key) or gazetteer.context_aliases.get(key)
        if org is not None and (key in gazetteer.aliases or org.family in families):
            known[m.start] = org
    names = {start: org.canonical for start, org in known.items()}
    for m, key in zip(orgs, keys):
        if m.start in known:
            continue
        owners = [start for start, org in known.items() if org.anaphor == key and start < m.start]
        longer = [o for o in orgs if o.start != m.start and _shortens(m.text, o.text)]
        if owners:
            names[m.start] = known[max(owners)].canonical  # "the Council"
        elif longer:
            full = min(longer, key=lambda o: (o.start > m.start, abs(o.start - m.start)))
            names[m.start] = names.get(full.start, full.text)
    return names


def _shortens(short: str, full: str) -> bool:
    """Whether `short` is an acronym of `full`, its head ("Department" for "Department of ...") or
    its last words ("Tax Policy Center"; one word only of a name of three or more capitalised
    words: "Times" for "New York Times")."""
    letters = short.replace(".", "")
    if letters.isupper() and 1 < len(letters) <= 6 and " " not in short:
        initials = "".join(w[0] for w in full.replace("-", " ").split() if w[0].isupper())
        return initials == letters
    short_words, full_words = short.split(), full.split()
    if len(short_words) == 1 and len(full_words) > 2 and full_words[0] == short and full_words[1] == "of":
        return True  # "Department" for "Department of Children, Equality and Youth"
    if len(short_words) == 1 and (len(full_words) < 3 or any(w.islower() for w in full_words)):
        return False  # "House" is no "White House", "Justice" no "Association for Justice"
    return len(short_words) < len(full_words) and full_words[-len(short_words):] == short_words


def _anaphors(doc: Doc, linked: list[Mention]) -> list[Mention]:
    """Mentions by anaphoric noun ("the council") of the last gazetteer organisation owning that noun."""
    gazetteer = entity_data.organizations()
    by_name = {org.canonical: org.anaphor for org in gazetteer.aliases.values() if org.anaphor}
    owners = [(m.start, by_name[m.canonical_name], m) for m in linked
              if m.label == "ORGANIZATION" and m.canonical_name in by_name]
    if not owners:
        return []
    nouns = {noun for _, noun, _ in owners}
    found = []
    for token in doc:
        if token.lower_ in nouns and not token.ent_type_ and _definite(token):
            before = [m for start, noun, m in owners if noun == token.lower_ and start < token.idx]
            if before:
                m = before[-1]
                found.append(Mention(token.idx, token.idx + len(token), token.text, "ORGANIZATION", "",
                                     None, m.canonical_name))
    return found


def _definite(token: Token) -> bool:
    """A lower-case noun with its own "the" ("the council", "the 15-member council")."""
    return token.is_lower and token.pos_ == "NOUN" and token.dep_ != "compound" and any(
        child.dep_ == "det" and child.lower_ == "the" for child in token.children)
