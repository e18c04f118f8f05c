"""Article extraction for kliping: story text and metadata from news pages (no Scrapy)."""

from extract.core import extract_article, join_pages
from extract.dates import parse_indonesian_datetime
from extract.hints import OutletHints
from extract.options import ExtractOptions

__all__ = ["ExtractOptions", "OutletHints", "extract_article", "join_pages", "parse_indonesian_datetime"]
