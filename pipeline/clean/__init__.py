"""Clean documents from raw page dumps and saved HTML pages: metadata taken apart, page furniture removed.

Pure functions: text in, a `CleanDocument` out. Every line taken out of the body is kept
as a `RemovedLine` with its reason, so analysts can audit what cleaning did.
"""

from pipeline.clean.document import ArticleError, document_row
from pipeline.clean.furniture import furniture_reason
from pipeline.clean.html import clean_html
from pipeline.clean.layout import CleanDocument, RemovedLine, clean_page
from pipeline.clean.metadata import parse_timestamp
from pipeline.clean.text import normalise_text

__all__ = ["ArticleError", "CleanDocument", "RemovedLine", "clean_html", "clean_page", "document_row",
           "furniture_reason", "normalise_text", "parse_timestamp"]
