"""Take a raw page dump apart: the header (section, headline, standfirst, byline, dates) and the body,
with every line taken out of the body kept with its reason.

Line roles come from general evidence: position (header or body), form (sentence or headline, length,
capitals), repetition on the page, metadata patterns (dates, bylines, agencies) and furniture patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.clean import metadata as meta
from pipeline.clean.furniture import furniture_reason
from pipeline.clean.text import (
    BULLET_LINE,
    blocks,
    crumbs,
    is_headline_like,
    is_sentence_like,
    is_title_like,
    normalise_text,
    reads_as_prose,
    reads_as_sentence,
    same_text,
)

_DATELINE = re.compile(r"^(?!By\b)[A-Z][\w.'’/ ,()-]{1,60}?\s*(?:[:—–]|--|\s-)\s+[A-Z“\"‘']")
_APPEAL_WORDS = re.compile(r"\b(?:we|our|us|your|you)\b", re.IGNORECASE)
_EDITORIAL_VOICE = re.compile(r"\b(?:[Ww]e|[Ww]e're|[Ww]e've|us|[Oo]ur|[Hh]ere's|[Hh]ere is)\b")  # not "US"
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’")
_URL_LINE = re.compile(r"^url\s*:\s*(?P<url>\S+)$", re.IGNORECASE)
_SHORT_LABEL_WORDS = 5
_METADATA_MAX_CHARS = 160  # dates and bylines are short lines


@dataclass(frozen=True, slots=True)
class RemovedLine:
    """A line cleaning took out of the body (1-based line number in the input text)."""

    line_no: int
    text: str
    reason: str


@dataclass(slots=True)
class CleanDocument:
    """A page dump taken apart into metadata and clean body paragraphs."""

    section: str | None = None
    headline: str | None = None
    standfirst: str | None = None
    byline: str | None = None
    authors: list[str] = field(default_factory=list)
    agency: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    paragraphs: list[str] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    def remove(self, line_no: int, text: str, reason: str) -> None:
        self.removed.append(RemovedLine(line_no, text, reason))


def clean_page(raw: str, *, headline: str | None = None) -> CleanDocument:
    """Take a raw page dump apart into metadata and clean body paragraphs.

    `headline` is a headline already known from the input's metadata; a line repeating it is dropped.
    """
    doc = CleanDocument(headline=headline or None)
    units = blocks(normalise_text(raw).split("\n"))
    body_from = _header(units, doc)
    _body(units, body_from, doc)
    _masthead(doc)
    doc.removed.sort(key=lambda r: r.line_no)
    return doc


def _masthead(doc: CleanDocument) -> None:
    """A title above the headline that names the paper ("The Evening Courier") and recurs in the story
    is the publisher's masthead, not a section."""
    name = doc.section or ""
    words = name.split()
    if not (name.startswith("The ") and len(words) >= 3 and all(w[0].isupper() for w in words) and name in doc.text):
        return
    doc.publisher = doc.publisher or name
    doc.section = None
    doc.removed = [RemovedLine(r.line_no, r.text, "masthead") if r.reason == "section" and r.text == name else r
                   for r in doc.removed]


# ---------------------------------------------------------------- metadata of one line

def _metadata(text: str, doc: CleanDocument, *, before_headline: bool) -> str | None:
    """Take a metadata line into `doc`; return the removal reason, or None if it is not metadata.
    A bare date above the headline is the site's clock, not the article's date."""
    if len(text) > _METADATA_MAX_CHARS:
        return None
    url = _URL_LINE.match(text)
    if url:
        doc.url = doc.url or url.group("url")
        return "url"
    dates = meta.date_line(text)
    if dates is not None:
        if before_headline and not dates.keyword:
            return "site date"
        if dates.published and (doc.published is None or _more_precise(dates, doc.published)):
            doc.published = dates.published
        elif dates.published and not dates.updated and doc.updated is None and not dates.keyword:
            doc.updated = dates.published
        if dates.updated:
            doc.updated = doc.updated or dates.updated
        if " | " in text:
            doc.agency = doc.agency or meta.agency_named(text)  # "PTI | New Delhi | Updated: ..."
        if dates.published is None and dates.updated is None:
            return "date without a year"
        return "published date" if dates.published else "updated date"
    by = meta.byline(text)
    if by is not None:
        doc.byline = doc.byline or by.text
        doc.authors.extend(a for a in by.authors if a not in doc.authors)
        doc.agency = doc.agency or by.agency
        doc.published = doc.published or by.published
        return "byline"
    return None


def _more_precise(dates: meta.DateLine, published: datetime) -> bool:
    """A "Published: <day, time>" line refining a day known only from the page store's prefix."""
    return (dates.keyword and published.time() == datetime.min.time() and dates.published.date() == published.date()
            and dates.published.time() != datetime.min.time())


def _is_metadata(text: str) -> bool:
    return _metadata(text, CleanDocument(), before_headline=False) is not None


def _store_date(text: str, doc: CleanDocument) -> str:
    """Read the page store's date prefix as the publication date; return the rest of the line."""
    prefix = meta.store_date(text)
    if prefix is None:
        return text
    doc.published = doc.published or prefix[0]
    return prefix[1]


# ---------------------------------------------------------------- header

@dataclass(slots=True)
class _Title:
    index: int
    line_no: int
    text: str


def _header(units: list[tuple[int, str]], doc: CleanDocument) -> int:
    """Read the header; return the index of the first body unit."""
    end = _header_end(units, doc.headline)
    known_headline = doc.headline
    if (end > 0 or known_headline) and _is_lead_standfirst(units, end):
        end += 1
    titles: list[_Title] = []
    sentences: list[tuple[int, str]] = []
    bullets: list[tuple[int, str]] = []
    texts = [text for _, text in units[:end]]
    for index, (line_no, text) in enumerate(units[:end]):
        rest = _store_date(text, doc)
        if not rest:
            doc.remove(line_no, text, "published date")
            continue
        reason = _repeat_reason(units, index) or _metadata(rest, doc, before_headline=not titles and not known_headline)
        reason = reason or furniture_reason(rest)
        if reason is None and known_headline and same_text(rest, known_headline):
            reason = "headline"
        if reason is None and _page_title(rest, texts, doc):
            reason = "page title"
        if reason is None and _breadcrumb(rest, texts, doc):
            reason = "breadcrumb"
        if reason:
            doc.remove(line_no, text, reason)
        elif BULLET_LINE.match(rest):
            bullets.append((line_no, BULLET_LINE.sub("", rest)))
        elif is_title_like(rest) and not reads_as_sentence(rest) and not sentences:
            titles.append(_Title(index, line_no, rest))
        else:
            sentences.append((line_no, rest))
    _title_roles(titles, doc, has_standfirst=bool(sentences or bullets))
    standfirst = [text for _, text in sentences] or [text for _, text in bullets[:1]]
    for line_no, text in sentences:
        doc.remove(line_no, text, "standfirst")
    for n, (line_no, text) in enumerate(bullets):
        doc.remove(line_no, text, "standfirst" if n == 0 and not sentences else "summary bullet")
    if standfirst:
        doc.standfirst = " ".join(([doc.standfirst] if doc.standfirst else []) + standfirst)
    return end


def _title_roles(titles: list[_Title], doc: CleanDocument, *, has_standfirst: bool) -> None:
    """Headline, section, byline, navigation or standfirst for the short lines of the header."""
    at = None
    if doc.headline is None:
        plain = [t for t in titles if " | " not in t.text and not meta.is_name_line(t.text)]
        at = next((i for i, t in enumerate(titles) if t in plain and len(t.text.split()) >= 4), None)
        piped = [i for i, t in enumerate(titles) if " | " in t.text]
        if at is None and piped:  # only page titles ("Headline | Site"): the one with the longest headline
            at = max(piped, key=lambda i: len(titles[i].text.split(" | ")[0].split()))
            doc.publisher = doc.publisher or titles[at].text.rpartition(" | ")[2]
        if at is None and titles:
            at = 1 if len(titles) >= 2 and len(titles[0].text.split()) <= _SHORT_LABEL_WORDS else 0
        if at is not None:
            title = titles[at]
            doc.headline = title.text.split(" | ")[0] if " | " in title.text else title.text
            doc.remove(title.line_no, title.text, "headline")
    names = [t.text for t in titles if meta.is_name_line(t.text)]
    for i, title in enumerate(titles):
        if i == at:
            continue
        if doc.headline and same_text(title.text, doc.headline):
            role = "duplicate of headline"
        elif at is None or i < at:
            label = doc.section is None and len(title.text.split()) <= _SHORT_LABEL_WORDS and title.text[-1].isalnum()
            role = "section" if label else "navigation"
        elif meta.is_name_line(title.text) and names.count(title.text) > 1:
            role = "byline"
            doc.byline = doc.byline or title.text
            if title.text not in doc.authors:
                doc.authors.append(title.text)
        elif (doc.section is None and len(title.text.split()) <= 4 and "," not in title.text
              and title.text[-1].isalnum() and not meta.is_name_line(title.text)):
            role = "section"  # a label under the headline ("World News")
        elif has_standfirst:
            role = "header line (caption or label)"
        else:
            role = "standfirst"
            doc.standfirst = f"{doc.standfirst} {title.text}" if doc.standfirst else title.text
        if role == "section":
            doc.section = title.text
        doc.remove(title.line_no, title.text, role)


def _header_end(units: list[tuple[int, str]], known_headline: str | None) -> int:
    """Index of the first body unit: the header runs while lines are headline-like, bullets, metadata or
    furniture, and through the last metadata line among the next few units (a standfirst may sit before
    the dates). A first long sentence that is followed by a dateline paragraph is a standfirst."""
    end = 0
    for index, (_, text) in enumerate(units):
        rest = meta.store_date(text)[1] if meta.store_date(text) else text
        if (not rest or BULLET_LINE.match(rest) or _is_metadata(rest) or furniture_reason(rest)
                or (is_title_like(rest) and (index == 0 or not reads_as_sentence(rest)))
                or (known_headline and same_text(rest, known_headline))):
            end = index + 1
            continue
        break
    for index, (_, text) in enumerate(units[end : end + 3], start=end):
        if _is_metadata(text):
            end = index + 1
    if (end == 0 and len(units) > 2 and is_sentence_like(units[0][1]) and len(units[0][1].split()) >= 18
            and not meta.store_date(units[0][1])
            and _DATELINE.match(units[1][1]) and not _DATELINE.match(units[0][1])):
        end = 1
    return end


def _is_lead_standfirst(units: list[tuple[int, str]], at: int) -> bool:
    """The first paragraph under the header is a standfirst when it is printed again below, when it is
    set apart from the prose that follows by a crosshead, when it speaks in the editors' voice outside
    quotation marks ("we round up the week") or when it ends on a teaser's ellipsis."""
    if at >= len(units) - 2:
        return False
    text = units[at][1]
    if not is_sentence_like(text) or len(text.split()) > 60 or _DATELINE.match(text) or text[0] in "\"“‘'":
        return False
    if any(_similar_length(other, text) and same_text(other, text) for _, other in units[at + 1:]):
        return True
    following = [other for _, other in units[at + 2:]]
    after = units[at + 1][1]
    set_apart = (not is_sentence_like(after) and not reads_as_prose(after) and furniture_reason(after) is None
                 and _repeat_reason(units, at + 1) is None
                 and sum(map(is_sentence_like, following)) >= 2)
    return set_apart or text.endswith(("...", "…")) or bool(_EDITORIAL_VOICE.search(_QUOTED.sub("", text)))


def _repeat_reason(units: list[tuple[int, str]], index: int) -> str | None:
    """A line printed twice in a row (an image's alt text over its caption)."""
    line_no, text = units[index]
    for other in (index - 1, index + 1):
        if 0 <= other < len(units) and abs(units[other][0] - line_no) == 1 and units[other][1] == text:
            return "repeated line (image caption)"
    return None


def _page_title(text: str, texts: list[str], doc: CleanDocument) -> bool:
    """A browser page title, "Headline | Site", where the headline is also on the page: the site is the publisher."""
    if " | " not in text:
        return False
    head, _, site = text.rpartition(" | ")
    if not any(other != text and same_text(other, head) for other in texts):
        return False
    doc.publisher = doc.publisher or site.strip()
    return True


def _breadcrumb(text: str, texts: list[str], doc: CleanDocument) -> bool:
    """A breadcrumb trail run into the headline ("HomeLocal NewsChimene threatens ..."): its last crumb is the section."""
    for other in texts:
        if other != text and len(other.split()) >= 3 and text.endswith(other) and len(text) > len(other):
            trail = crumbs(text[: -len(other)])
            if trail and doc.section is None:
                doc.section = trail[-1]
            return True
    return False


# ---------------------------------------------------------------- body

def _body(units: list[tuple[int, str]], start: int, doc: CleanDocument) -> None:
    """Keep the body paragraphs; take out furniture, metadata, repeats and links to other stories."""
    in_link_list = in_appeal = False
    for index in range(start, len(units)):
        line_no, text = units[index]
        rest = _store_date(text, doc)
        reason = None
        if in_appeal and _APPEAL_WORDS.search(rest):
            reason = "reader appeal"
        if reason is None and len(rest.split()) <= 14:
            reason = _metadata(rest, doc, before_headline=False) if rest else "published date"
        reason = reason or _repeat_reason(units, index) or furniture_reason(rest) or _duplicate(rest, doc)
        in_appeal = reason == "reader appeal"
        if in_appeal and doc.paragraphs and index > start and _is_appeal_lead(units[index - 1][1]):
            doc.paragraphs.pop()
            doc.remove(units[index - 1][0], units[index - 1][1], "reader appeal")
        if reason is None and is_headline_like(rest):
            if in_link_list:
                reason = "link to another story"
            elif len(rest.split()) <= _SHORT_LABEL_WORDS:
                reason = "subheading or label"
            elif not reads_as_prose(rest):
                reason = "headline-like line (link to another story or subheading)"
        if reason == "embedded post attribution" and index > start and doc.paragraphs and doc.paragraphs[-1] == units[index - 1][1]:
            doc.paragraphs.pop()
            doc.remove(units[index - 1][0], units[index - 1][1], "embedded post")
        if reason is None and index == len(units) - 1 and rest.endswith(":") and len(rest.split()) <= 14:
            reason = "lead-in to missing content (widget)"
        in_link_list = reason in {"link list heading", "link to another story"}
        if reason:
            doc.remove(line_no, text, reason)
            continue
        if doc.agency is None and not doc.paragraphs:
            doc.agency = meta.dateline_agency(rest)
        doc.paragraphs.append(BULLET_LINE.sub("", text))


def _duplicate(text: str, doc: CleanDocument) -> str | None:
    if doc.headline and _similar_length(text, doc.headline) and same_text(text, doc.headline):
        return "duplicate of headline"
    if doc.standfirst and _similar_length(text, doc.standfirst) and same_text(text, doc.standfirst):
        return "duplicate of standfirst"
    return None


def _similar_length(a: str, b: str) -> bool:
    """Could be the same text once punctuation and spaces are normalised (a cheap test before the exact one)."""
    return abs(len(a) - len(b)) <= max(10, len(b) // 5)


def _is_appeal_lead(text: str) -> bool:
    """A short line ending in a colon that introduces a reader appeal ("A message from the editors:")."""
    return text.endswith(":") and len(text.split()) <= 8
