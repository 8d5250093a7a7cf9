"""Clean documents from raw page dumps: metadata taken apart, page furniture removed.

Pure functions: text in, a `CleanDocument` out. Every line taken out of the body is kept
as a `RemovedLine` with its reason, so analysts can audit what cleaning did.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import ftfy
from dateutil import parser as date_parser

from pipeline.records import RawArticle

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"

BULLETS = "•·▪●◦‣∙*-–—"
_BULLET_LINE = re.compile(rf"^\s*[{re.escape(BULLETS)}]\s+(?=\S)")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'“”‘’»)\]\s]*$|[\"”’»]\s*$")
_QUOTE_SOURCE = re.compile(r"[.!?,…][\"”’]\s*[―—–-]+\s*[^\s.!?][^.!?]{0,60}$")  # “...” ― Jane Doe
_TRAILING_TAG = re.compile(r"\s*[\[(][^\[\]()]{1,40}[\])]\s*$")
_DATE_LINE = re.compile(
    r"^(?P<kind>published|updated|last updated|first published|posted|modified|date)"
    r"(?:\s+(?:on|at))?\s*[:|\-–—]?\s*(?P<value>.*\d.*)$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^(?:by|written by|words by|reporting by)\s+(?P<name>.+)$", re.IGNORECASE)
_MONTH = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\ufeff]")
HEADLINE_MAX_WORDS = 30


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
    published: datetime | None = None
    updated: datetime | None = None
    paragraphs: list[str] = field(default_factory=list)
    removed: list[RemovedLine] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


@dataclass(frozen=True, slots=True)
class _LinePattern:
    reason: str
    pattern: re.Pattern
    max_words: int | None


@functools.lru_cache(maxsize=1)
def line_patterns() -> tuple[_LinePattern, ...]:
    """Page-furniture patterns from models/clean_lines.jsonl."""
    rows = [json.loads(line) for line in (MODELS_DIR / "clean_lines.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return tuple(_LinePattern(r["reason"], re.compile(r["pattern"], re.IGNORECASE), r.get("max_words")) for r in rows)


def normalise_text(text: str) -> str:
    """Repair mojibake, NFC-normalise, unify line breaks and spaces; quotation marks stay as written."""
    text = ftfy.fix_text(text, uncurl_quotes=False, fix_character_width=False, normalization="NFC")
    text = _ZERO_WIDTH.sub("", text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(lines)


def parse_timestamp(value: str) -> datetime | None:
    """A timestamp from free text ("Wednesday, 28 November, 2018, 11:08am"); UTC if a zone is given."""
    if not value or not re.search(r"\d", value):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = date_parser.parse(value, fuzzy=True)
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.tzinfo is not None:
        try:  # a zone beyond ±24 h, or a time next to year 1 or 9999 that UTC pushes out of range
            parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
        except (ValueError, OverflowError):
            return None
    return parsed


def furniture_reason(line: str) -> str | None:
    """Why a line is page furniture rather than story text, or None."""
    n_words = len(line.split())
    for rule in line_patterns():
        if rule.max_words is not None and n_words > rule.max_words:
            continue
        if rule.pattern.search(line):
            return rule.reason
    return None


def is_sentence_like(line: str) -> bool:
    """Ends as running text does (sentence punctuation, a colon lead-in or a closing quote),
    perhaps followed by a bracketed source tag ("... in Indiana. [538]") or a quote's source
    after a dash ("“...” ― Jane Doe")."""
    return bool(_SENTENCE_END.search(line) or _SENTENCE_END.search(_TRAILING_TAG.sub("", line))
                or _QUOTE_SOURCE.search(line))


def is_headline_like(line: str) -> bool:
    """A short line without sentence punctuation: a headline, a section label or a link to a story."""
    return not is_sentence_like(line) and len(line.split()) <= HEADLINE_MAX_WORDS


def _date_only(line: str) -> datetime | None:
    """A line that is nothing but a date ("28 November 2018, 11:08am")."""
    if len(line.split()) > 8 or not _MONTH.search(line) or not re.search(r"\d", line):
        return None
    if re.search(r"[a-z]{3,}", _MONTH.sub("", line).lower().replace("am", "").replace("pm", "")):
        words = re.findall(r"[A-Za-z]+", _MONTH.sub("", line))
        if any(w.lower() not in _DATE_WORDS for w in words):
            return None
    return parse_timestamp(line)


_DATE_WORDS = {
    "am", "pm", "a", "m", "p", "at", "on", "gmt", "utc", "bst", "cet", "et", "est", "edt", "pt", "pst", "pdt",
    "hkt", "sgt", "jst", "kst", "ist", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "th", "st", "nd", "rd",
}


def _metadata(line: str, doc: CleanDocument) -> str | None:
    """Take a metadata line into `doc`; return the removal reason, or None if it is not metadata."""
    date = _DATE_LINE.match(line)
    if date and len(line.split()) <= 14:
        stamp = parse_timestamp(date.group("value"))
        if stamp is not None:
            if date.group("kind").lower() in {"updated", "last updated", "modified"}:
                doc.updated = doc.updated or stamp
                return "updated date"
            doc.published = doc.published or stamp
            return "published date"
    byline = _BYLINE.match(line)
    if byline and len(line.split()) <= 12 and not line.rstrip().endswith((".", "?", "!")) and _capitalised(byline.group("name")):
        doc.byline = doc.byline or byline.group("name").strip()
        return "byline"
    stamp = _date_only(line)
    if stamp is not None:
        if doc.published is None:
            doc.published = stamp
            return "published date"
        doc.updated = doc.updated or stamp
        return "updated date"
    return None


def _capitalised(name: str) -> bool:
    words = [w for w in re.findall(r"[^\W\d_][\w'’.-]*", name) if w.lower() not in {"and", "in", "of", "de", "van", "von"}]
    return bool(words) and all(w[0].isupper() for w in words)


def _blocks(lines: list[str]) -> list[tuple[int, str]]:
    """Paragraph blocks (1-based first line number, text).

    Blank lines separate blocks; inside a block each line is its own paragraph unless the
    block is hard-wrapped prose (several long lines, most not ending a sentence), which is joined,
    or a line breaks mid-sentence before a lower-case word.
    """
    blocks: list[tuple[int, str]] = []
    group: list[tuple[int, str]] = []
    for no, line in enumerate(lines + [""], start=1):
        if line and group and line[0].islower() and not is_sentence_like(group[-1][1]):
            group[-1] = (group[-1][0], f"{group[-1][1]} {line}")
            continue
        if line:
            group.append((no, line))
            continue
        if _hard_wrapped([text for _, text in group]):
            blocks.append((group[0][0], " ".join(text for _, text in group)))
        else:
            blocks.extend(group)
        group = []
    return blocks


def _hard_wrapped(lines: list[str]) -> bool:
    """Several long lines of about the same width, most of them breaking mid-sentence."""
    if len(lines) < 3:
        return False
    body = lines[:-1]
    shortest, longest = min(len(line) for line in body), max(len(line) for line in body)
    if shortest < 50 or longest - shortest > max(20, longest // 4) or any(_BULLET_LINE.match(line) for line in lines):
        return False  # wrapped prose has lines of about one width
    return sum(not is_sentence_like(line) for line in body) * 2 > len(body)


def clean_page(raw: str, *, headline: str | None = None) -> CleanDocument:
    """Take a raw page dump apart into metadata and clean body paragraphs.

    `headline` is a headline already known from the input's metadata; a first line repeating it is dropped.
    """
    doc = CleanDocument(headline=headline or None)
    blocks = _blocks(normalise_text(raw).split("\n"))
    body_from = _header(blocks, doc)
    for line_no, text in blocks[body_from:]:
        reason = furniture_reason(text) or _metadata_in_body(text, doc)
        if reason is None and is_headline_like(text):
            reason = "headline-like line (link to another story or subheading)"
        if reason:
            doc.removed.append(RemovedLine(line_no, text, reason))
            continue
        doc.paragraphs.append(_BULLET_LINE.sub("", text))
    return doc


def _metadata_in_body(text: str, doc: CleanDocument) -> str | None:
    if len(text.split()) > 14:
        return None
    return _metadata(text, doc)


def _header(blocks: list[tuple[int, str]], doc: CleanDocument) -> int:
    """Read the header (section, headline, standfirst, byline, dates); return the index of the first body block."""
    known_headline = doc.headline
    end = _header_end(blocks, known_headline)
    titles: list[tuple[int, str]] = []
    standfirst: list[str] = []
    for line_no, text in blocks[:end]:
        reason = furniture_reason(text) if not _BULLET_LINE.match(text) else None
        reason = reason or _metadata(text, doc)
        if reason:
            doc.removed.append(RemovedLine(line_no, text, reason))
        elif _BULLET_LINE.match(text):
            standfirst.append(_BULLET_LINE.sub("", text))
            doc.removed.append(RemovedLine(line_no, text, "standfirst"))
        elif known_headline and _same_text(text, known_headline):
            doc.removed.append(RemovedLine(line_no, text, "headline"))
        elif is_headline_like(text) and not standfirst:
            titles.append((line_no, text))
        else:
            standfirst.append(text)
            doc.removed.append(RemovedLine(line_no, text, "standfirst"))
    if known_headline:
        roles = ["section"] * len(titles)
    elif len(titles) >= 2 and len(titles[0][1].split()) <= 5:
        roles = ["section", "headline"] + ["standfirst"] * (len(titles) - 2)
    else:
        roles = ["headline"] + ["standfirst"] * (len(titles) - 1)
    for (line_no, text), role in zip(titles, roles):
        if role == "section" and doc.section is None:
            doc.section = text
        elif role == "headline":
            doc.headline = text
        else:
            standfirst.append(text)
        doc.removed.append(RemovedLine(line_no, text, role))
    doc.standfirst = " ".join(standfirst) or None
    doc.removed.sort(key=lambda r: r.line_no)
    return end


def _header_end(blocks: list[tuple[int, str]], known_headline: str | None) -> int:
    """Index of the first body block: the header runs while lines are headline-like, bullets or metadata,
    and through the last metadata line among the first few blocks (a standfirst may sit before the dates)."""
    probe = CleanDocument()
    end = 0
    for index, (_, text) in enumerate(blocks):
        if (_BULLET_LINE.match(text) or _metadata(text, probe) or furniture_reason(text) or is_headline_like(text)
                or (known_headline and _same_text(text, known_headline))):
            end = index + 1
            continue
        break
    for index, (_, text) in enumerate(blocks[end : end + 3], start=end):
        if _metadata(text, CleanDocument()):
            end = index + 1
    return end


def _same_text(a: str, b: str) -> bool:
    def key(s: str) -> str:
        return re.sub(r"\W+", " ", unicodedata.normalize("NFC", s)).strip().lower()

    return key(a) == key(b)


class ArticleError(ValueError):
    """An article that cannot become a document (the reason is the message)."""


def document_row(article: RawArticle, *, max_chars: int) -> tuple[dict, list[dict]]:
    """The documents-table row and removed-lines rows of one input article."""
    if len(article.text) > max_chars:
        raise ArticleError(f"article too long: {len(article.text):,} characters (max_chars is {max_chars:,})")
    doc = clean_page(article.text, headline=article.headline)
    if not doc.paragraphs:
        raise ArticleError("no body text left after cleaning")
    published = parse_timestamp(article.published) if article.published else None
    text = doc.text
    digest = hashlib.sha256("\x1f".join((doc.headline or "", doc.standfirst or "", text)).encode()).hexdigest()
    row = {
        "doc_id": article.doc_id,
        "source": article.source,
        "publisher": article.publisher,
        "url": article.url,
        "section": doc.section,
        "headline": doc.headline,
        "standfirst": doc.standfirst,
        "byline": doc.byline,
        "published": published or doc.published,
        "updated": doc.updated,
        "text": text,
        "n_paragraphs": len(doc.paragraphs),
        "n_words": len(text.split()),
        "content_hash": digest,
    }
    removed = [{"doc_id": article.doc_id, "line_no": r.line_no, "text": r.text, "reason": r.reason} for r in doc.removed]
    return row, removed
