"""Keep expected network failures to one log line: no tracebacks for an unreachable robots.txt.

Scrapy's robots.txt middleware logs every download error with a full traceback. On a machine
without network that buries the one line per outlet the user needs, so the record is trimmed to
its message and lowered to WARNING (the failure is still counted and reported).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

QUIET_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt",)


class DropTraceback(logging.Filter):
    """Logging filter that removes the traceback and lowers ERROR to WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info = None
            record.exc_text = None
            if record.levelno == logging.ERROR:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


class QuietNetworkErrors:
    """Extension that installs :class:`DropTraceback` on Scrapy's noisy network loggers."""

    def __init__(self) -> None:
        for name in QUIET_LOGGERS:
            logger = logging.getLogger(name)
            if not any(isinstance(f, DropTraceback) for f in logger.filters):
                logger.addFilter(DropTraceback())

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> QuietNetworkErrors:
        return cls()
