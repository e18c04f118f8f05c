"""Keep expected network failures to one log line: no tracebacks for an unreachable robots.txt.

Scrapy's robots.txt middleware logs every download error with a full traceback. On a machine
without network that buries the one line per outlet the user needs, so the record is trimmed to
its message and lowered to WARNING (the failure is still counted and reported).
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler

QUIET_LOGGERS = ("scrapy.downloadermiddlewares.robotstxt", "scrapy.downloadermiddlewares.retry")


class DropTraceback(logging.Filter):
    """Logging filter: no traceback, and a failed fetch logged at INFO.

    The spider reports every request that finally failed (one WARNING line with the reason) and
    the run summary counts them; Scrapy's own "Gave up retrying" / "Error downloading robots.txt"
    lines would say the same again, at ERROR, with a traceback. They stay visible with ``-v``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_info = None
            record.exc_text = None
        if record.levelno >= logging.WARNING and record.levelno < logging.CRITICAL:
            record.levelno, record.levelname = logging.INFO, "INFO"
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
