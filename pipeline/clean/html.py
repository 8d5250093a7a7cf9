"""Saved HTML pages: the article body and metadata extracted by trafilatura (body, title, author, date,
site name, with htmldate inside) and extruct (JSON-LD and OpenGraph: headline, authors, exact times,
section, publisher), then the same body-line cleaning as text pages."""

from __future__ import annotations

import re
from collections.abc import Iterator

import extruct
import trafilatura

from pipeline.clean import metadata as meta
from pipeline.clean.layout import CleanDocument, clean_page

_ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                  "opinionnewsarticle", "webpage", "liveblogposting", "report"}


def looks_like_html(text: str) -> bool:
    """A saved web page rather than a text dump."""
    head = text.lstrip()[:1000].lower()
    return head.startswith(("<!doctype html", "<html")) or ("<head" in head and "<body" in text.lower())


def clean_html(html: str, *, url: str | None = None) -> CleanDocument | None:
    """The clean document of a saved HTML page, or None when no article body can be found in it."""
    extracted = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                            include_tables=False, include_images=False)
    body = getattr(extracted, "text", None) if extracted is not None else None
    if not body or not body.strip():
        return None
    ld = _json_ld_article(html, url)
    headline = _first(ld.get("headline"), ld.get("name"), getattr(extracted, "title", None))
    doc = clean_page("\n\n".join(body.split("\n")), headline=headline)  # one paragraph per line: never re-wrapped
    if not doc.paragraphs:
        return None
    doc.url = url or _first(ld.get("url"), getattr(extracted, "url", None))
    description = _first(ld.get("description"), getattr(extracted, "description", None))
    if description and not doc.standfirst and not doc.paragraphs[0].startswith(description.rstrip(". …")):
        doc.standfirst = description
    authors = list(_names(ld.get("author"))) or _split_authors(getattr(extracted, "author", None))
    doc.authors = [a for a in authors if meta.agency_named(a) is None] or doc.authors
    doc.agency = doc.agency or next((meta.agency_named(a) for a in authors if meta.agency_named(a)), None)
    doc.byline = doc.byline or (", ".join(authors) if authors else None)
    doc.published = _time(ld.get("datePublished")) or _time(getattr(extracted, "date", None)) or doc.published
    doc.updated = _time(ld.get("dateModified")) or doc.updated
    if doc.updated == doc.published:
        doc.updated = None
    section = ld.get("articleSection")
    doc.section = _first(*(section if isinstance(section, list) else [section])) or doc.section
    doc.publisher = (_first(*_names(ld.get("publisher"))) or getattr(extracted, "sitename", None)
                     or doc.publisher or meta.url_publisher(doc.url))
    return doc


def _json_ld_article(html: str, url: str | None) -> dict:
    """The page's JSON-LD article object (NewsArticle, Article, ...), else its OpenGraph properties."""
    try:
        data = extruct.extract(html, base_url=url, syntaxes=["json-ld", "opengraph"], uniform=True, errors="ignore")
    except Exception:  # noqa: BLE001 -- extruct raises whatever its parsers raise on broken markup
        return {}
    for item in _items(data.get("json-ld", [])):
        types = item.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(str(t).lower() in _ARTICLE_TYPES for t in types) and (item.get("headline") or item.get("articleBody")):
            return item
    og = next(iter(data.get("opengraph", [])), {})
    return {"headline": og.get("og:title"), "description": og.get("og:description"), "url": og.get("og:url"),
            "datePublished": og.get("article:published_time"), "dateModified": og.get("article:modified_time"),
            "articleSection": og.get("article:section")}


def _items(items: list) -> Iterator[dict]:
    for item in items:
        if isinstance(item, dict):
            yield item
            yield from _items(item.get("@graph", []))


def _names(value) -> Iterator[str]:
    """Names from a JSON-LD author or publisher value (a string, an object or a list of them)."""
    for item in value if isinstance(value, list) else [value]:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip():
            yield name.strip()


def _split_authors(value: str | None) -> list[str]:
    return [a.strip() for a in re.split(r";|\band\b|,", value or "") if a.strip()]


def _time(value):
    return meta.parse_timestamp(value) if isinstance(value, str) else None


def _first(*values):
    return next((v.strip() for v in values if isinstance(v, str) and v.strip()), None)
