"""One input article to its documents-table row and removed-lines rows."""

from __future__ import annotations

import hashlib

from pipeline.clean import metadata as meta
from pipeline.clean.html import clean_html
from pipeline.clean.layout import clean_page
from pipeline.records import RawArticle


class ArticleError(ValueError):
    """An article that cannot become a document (the reason is the message)."""


def document_row(article: RawArticle, *, max_chars: int) -> tuple[dict, list[dict]]:
    """The documents-table row and removed-lines rows of one input article."""
    if len(article.text) > max_chars:
        raise ArticleError(f"article too long: {len(article.text):,} characters (max_chars is {max_chars:,})")
    if article.html:
        doc = clean_html(article.text, url=article.url)
        if doc is None:
            raise ArticleError("no article body found in the HTML page")
    else:
        doc = clean_page(article.text, headline=article.headline)
    if not doc.paragraphs:
        raise ArticleError("no body text left after cleaning")
    published = meta.parse_timestamp(article.published) if article.published else None
    url = article.url or doc.url
    text = doc.text
    digest = hashlib.sha256("\x1f".join((doc.headline or "", doc.standfirst or "", text)).encode()).hexdigest()
    row = {
        "doc_id": article.doc_id,
        "source": article.source,
        "publisher": article.publisher or doc.publisher or meta.url_publisher(url),
        "url": url,
        "section": doc.section,
        "headline": doc.headline,
        "standfirst": doc.standfirst,
        "byline": doc.byline,
        "published": published or doc.published,
        "updated": doc.updated,
        "authors": "; ".join(doc.authors) or None,
        "agency": doc.agency,
        "text": text,
        "n_paragraphs": len(doc.paragraphs),
        "n_words": len(text.split()),
        "content_hash": digest,
    }
    removed = [{"doc_id": article.doc_id, "line_no": r.line_no, "text": r.text, "reason": r.reason} for r in doc.removed]
    return row, removed
