"""Metadata lines of a page: dates, bylines (authors and news agency), publisher.

Each reader takes one line and returns a small record, or None when the line is not that kind of metadata.
"""

from __future__ import annotations

import functools
import json
import re
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from dateutil import parser as date_parser

from pipeline.clean.text import BULLET_LINE, unglue

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"

_DATE_LINE = re.compile(
    r"^(?P<kind>published|updated|last updated|first published|posted|modified|created|date)"
    r"(?:\s+(?:on|at))?\s*[:|\-–—]?\s*(?P<value>(?:\d|(?:mon|tue|wed|thu|fri|sat|sun|jan|feb|mar|apr|may|jun|jul|aug"
    r"|sep|oct|nov|dec)[a-z]*\b).*\d.*|\d+\s+\w+\s+ago)$",
    re.IGNORECASE,
)
STORE_DATE = re.compile(r"^date (?P<day>\d{4}-\d{2}-\d{2})\b\s*(?P<rest>.*)$")  # " date 2018-05-11 ..." prefix
_UPDATE_KINDS = {"updated", "last updated", "modified"}
_BYLINE = re.compile(r"^(?:(?:by|written by|words by|reporting by)\s*:?|(?:author|reporter)\s*:)\s+(?P<name>.+)$",
                     re.IGNORECASE)
_MONTH = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\b|\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_DATE_WORDS = {
    "am", "pm", "a", "m", "p", "at", "on", "gmt", "utc", "bst", "cet", "et", "est", "edt", "pt", "pst", "pdt",
    "hkt", "sgt", "jst", "kst", "ist", "wib", "wita", "eat", "cat", "sast", "aest", "aedt", "nzst", "nzdt",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "th", "st", "nd", "rd",
}
_NAME_WORD = re.compile(r"^[A-Z][A-Za-z’'.-]*$|^(?:de|da|van|von|der|bin|al|el|la|le|du|dos)$")
_DESK_WORDS = {"desk", "service", "staff", "bureau", "team", "correspondent", "reporter", "reporters", "editor",
               "editors", "writer", "writers", "agencies", "agency", "news", "web", "online", "newsroom", "wires"}


@dataclass(frozen=True, slots=True)
class DateLine:
    """A line that gives the article's publication and/or update time."""

    published: datetime | None = None
    updated: datetime | None = None
    keyword: bool = False  # said "Published", "Updated", ... (not a bare date, which may be a site clock)


@dataclass(frozen=True, slots=True)
class Byline:
    """Who wrote a story: the byline as written, personal names, and a news agency if one is named."""

    text: str
    authors: tuple[str, ...] = ()
    agency: str | None = None
    published: datetime | None = None


@dataclass(frozen=True, slots=True)
class _Agency:
    name: str
    pattern: re.Pattern = field(repr=False)


def parse_timestamp(value: str) -> datetime | None:
    """A timestamp from free text ("Wednesday, 28 November, 2018, 11:08am"); UTC if a zone is given."""
    if not value or not re.search(r"\d", value):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            parsed = date_parser.parse(value, fuzzy=True, dayfirst=bool(re.search(r"\b\d{1,2}-\d{1,2}-\d{4}\b", value)))
        except (ValueError, OverflowError, TypeError):
            return None
    if parsed.tzinfo is not None:
        try:  # a zone beyond ±24 h, or a time next to year 1 or 9999 that UTC pushes out of range
            parsed = parsed.astimezone(UTC).replace(tzinfo=None)
        except (ValueError, OverflowError):
            return None
    return parsed


def date_line(line: str) -> DateLine | None:
    """A dates line: "Published: 3 March 2021", "11 July 2022, 07:20 | Updated: 11 July 2022, 08:40",
    "PTI | New Delhi | Updated: 11-04-2023 22:15 IST | Created: ...", or a bare date."""
    line = BULLET_LINE.sub("", line)
    parts = [p.strip() for p in re.split(r"\s+\|\s+|\s*\|\s*(?=\w+\s*:)", line) if p.strip()]
    if len(parts) > 1 and all(len(p.split()) <= 8 for p in parts):
        found = [d for d in map(_date_part, parts) if d is not None]
        if not found:
            return None
        keyword = any(d.keyword for d in found)
        published = next((d.published for d in found if d.published), None)
        updated = next((d.updated for d in found if d.updated), None)
        return DateLine(published, updated, keyword)
    return _date_part(line) if len(line.split()) <= 14 else None


def _date_part(part: str) -> DateLine | None:
    match = _DATE_LINE.match(part)
    if match:
        if not _YEAR.search(match.group("value")):
            return DateLine(keyword=True)  # "Updated 3 hours ago", "Published 5 March": no day to trust
        stamp = parse_timestamp(match.group("value"))
        if stamp is None:
            return None
        if match.group("kind").lower() in _UPDATE_KINDS:
            return DateLine(updated=stamp, keyword=True)
        return DateLine(published=stamp, keyword=True)
    stamp = _date_only(part)
    return DateLine(published=stamp) if stamp is not None else None


def _date_only(line: str) -> datetime | None:
    """A line that is nothing but a date ("28 November 2018, 11:08am", "Wednesday, July 24, 2024")."""
    if len(line.split()) > 8 or not _MONTH.search(line) or not re.search(r"\d", line):
        return None
    words = re.findall(r"[A-Za-z]+", _MONTH.sub("", line))
    if any(w.lower() not in _DATE_WORDS for w in words) or not _YEAR.search(line):
        return None
    return parse_timestamp(line)


def store_date(line: str) -> tuple[datetime, str] | None:
    """The date prefix a page store puts before the page (" date 2018-05-11 ..."), and the rest of the line."""
    match = STORE_DATE.match(line)
    if not match:
        return None
    return datetime.fromisoformat(match.group("day")), match.group("rest").strip()


def byline(line: str) -> Byline | None:
    """A byline: "By Jane Doe and Sam Lee", "- By Tony Diver WHITEHALL CORRESPONDENT", "By Yonhap",
    or a name and agency ("Saleh Mwanamilongo, The Associated Press[, July 9, 2014]")."""
    line = BULLET_LINE.sub("", line).strip()
    if len(line.split()) > 16 or line.rstrip().endswith((".", "?", "!", ":")):
        return None
    match = _BYLINE.match(line)
    if match:
        names = match.group("name").strip().rstrip("|").strip()
        if not names or not names[0].isupper():
            return None
        return _byline_from(names)
    parts = [p.strip() for p in line.split(",")]
    agency_at = next((i for i, p in enumerate(parts) if i > 0 and agency_named(p) == p.removeprefix("The ").strip()
                      or (i > 0 and agency_named(p) and len(p.split()) <= 4)), None)
    if agency_at is None:
        return None
    name = _trailing_name(unglue(", ".join(parts[:agency_at])))
    if not name:
        return None
    rest = ", ".join(parts[agency_at + 1:])
    return Byline(line, (name,), agency_named(parts[agency_at]), _date_only(rest) if rest else None)


def _byline_from(names: str) -> Byline:
    agency = agency_named(names)
    authors = []
    for piece in re.split(r"\s*(?:,|&|\band\b|\|)\s*", names):
        name = _leading_name(piece)
        if name and agency_named(name) is None:
            authors.append(name)
    return Byline(names, tuple(authors), agency)


def _leading_name(text: str) -> str | None:
    """The personal name a byline piece starts with ("Tony Diver WHITEHALL CORRESPONDENT" -> "Tony Diver")."""
    words = []
    for word in text.split():
        if not _NAME_WORD.match(word) or word.isupper() and len(word) > 1:
            break
        words.append(word)
    return _as_name(words)


def _trailing_name(text: str) -> str | None:
    """The personal name a text ends with ("american airlines David Koenig" -> "David Koenig")."""
    words = []
    for word in reversed(text.split()):
        if not _NAME_WORD.match(word) or word.isupper() and len(word) > 1:
            break
        words.insert(0, word)
    return _as_name(words[-4:])


def _as_name(words: list[str]) -> str | None:
    if not 2 <= len(words) <= 4 or not words[0][0].isupper() or any(w.lower() in _DESK_WORDS for w in words):
        return None
    return " ".join(words)


def is_name_line(line: str) -> bool:
    """A line that is only a personal name ("David Hurley")."""
    words = line.split()
    return 2 <= len(words) <= 4 and _leading_name(line) == line and agency_named(line) is None


@functools.lru_cache(maxsize=1)
def agencies() -> tuple[_Agency, ...]:
    """News agencies and their short forms from models/clean_agencies.jsonl."""
    rows = [json.loads(line) for line in (MODELS_DIR / "clean_agencies.jsonl").read_text("utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        forms = [row["name"], *row.get("aliases", [])]
        alternatives = "|".join(re.escape(f) if not f.isupper() else rf"(?-i:{re.escape(f)})" for f in forms)
        out.append(_Agency(row["name"], re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)))
    return tuple(out)


def agency_named(text: str) -> str | None:
    """The news agency a short text names ("The Associated Press", "(AP)", "PTI"), or None."""
    for agency in agencies():
        if agency.pattern.search(text):
            return agency.name
    return None


def dateline_agency(paragraph: str) -> str | None:
    """The agency credited in a dateline ("FORT WORTH, Texas (AP) —", "LONDON (Reuters) -")."""
    match = re.match(r"^[A-Z][^()]{1,60}\((?P<agency>[^()]{1,30})\)\s*(?:[—–-]+|:)", paragraph)
    return agency_named(match.group("agency")) if match else None


def url_publisher(url: str | None) -> str | None:
    """The site's domain of an article URL ("https://www.example.co.uk/news/1" -> "example.co.uk")."""
    if not url:
        return None
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    host = re.sub(r"^(?:www\d?|m|amp|mobile)\.", "", host.lower())
    return host or None


def copyright_holder(line: str) -> str | None:
    """Who a copyright line names ("Copyright Herald Corporation. All Rights Reserved." -> "Herald Corporation")."""
    match = re.match(r"^(?:©|\(c\)|copyright)\s*(?:©|\(c\))?\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*(?P<holder>[A-Z][^.|]{1,60}?)"
                     r"\s*(?:[.|,]|all rights reserved|$)", line, re.IGNORECASE)
    if not match:
        return None
    holder = match.group("holder").strip()
    return holder if holder.lower() != "all rights reserved" and not holder.isupper() else None
