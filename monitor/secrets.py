"""No secret in a log line: credentials are masked in every record before any handler sees it.

Scrapy logs the settings a run overrides ("Overridden settings: ...") and kliping's components log
URLs; either can carry a credential: ``KLIPING_S3_SECRET_ACCESS_KEY``, the password of
``http://user:password@proxy:3128`` or ``redis://:password@host``. :class:`SecretRedaction`
installs a log record factory that replaces, in the message and in a traceback's text,

- the value of every secret setting (:data:`SECRET_SETTINGS`) and secret environment variable
  (:data:`SECRET_VARIABLES`) by ``***``, and
- the user and password part of any URL (``scheme://user:password@host``) by ``***@``,

so the stderr log, ``LOG_FILE``, scrapyd's job log and anything else that logs through Python's
logging get the masked text. A record is masked when a handler formats it, so records below every
handler's level (Scrapy's DEBUG line per scraped item) cost nothing. The factory wraps the one
before it and is installed once per process.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from typing import Any

from scrapy.crawler import Crawler

#: Settings whose values are credentials.
SECRET_SETTINGS = (
    "KLIPING_S3_ACCESS_KEY_ID",
    "KLIPING_S3_SECRET_ACCESS_KEY",
    "KLIPING_S3_SESSION_TOKEN",
)
#: Environment variables whose values are credentials (boto3's chain reads them).
SECRET_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
#: Shorter values are not masked: they would mask ordinary words and numbers.
MIN_SECRET_LENGTH = 6
MASK = "***"

_USERINFO = re.compile(r"(?P<scheme>\b[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@'\"<>]+@")


def mask_userinfo(text: str) -> str:
    """``text`` with the user and password part of every URL in it replaced by ``***``."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{MASK}@", text)


class Redactor:
    """Masks a set of secret values and URL credentials in text."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, values: Iterable[Any]) -> None:
        fresh = {str(v) for v in values if v and len(str(v)) >= MIN_SECRET_LENGTH} - self.values
        if fresh:
            self.values |= fresh
            # Longest first, so a secret that contains another is masked whole.
            ordered = sorted(self.values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def __call__(self, text: str) -> str:
        if self._pattern is not None:
            text = self._pattern.sub(MASK, text)
        return mask_userinfo(text) if "@" in text else text


#: The process's redactor; :func:`install` puts it between logging and every handler.
REDACTOR = Redactor()
_installed = False


class RedactedRecord(logging.LogRecord):
    """A log record whose message and traceback text come out masked.

    Masked when a handler formats it, not when it is made: Scrapy logs every scraped item at
    DEBUG, and a record no handler emits is never formatted at all.
    """

    def getMessage(self) -> str:
        return REDACTOR(super().getMessage())

    @property
    def exc_text(self) -> str | None:
        return self.__dict__.get("_exc_text")

    @exc_text.setter
    def exc_text(self, text: str | None) -> None:
        # Formatter.format stores the formatted traceback here before it writes it.
        self.__dict__["_exc_text"] = REDACTOR(text) if text else text


def _redacted_record(factory: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = factory(*args, **kwargs)
        if type(record) is logging.LogRecord:
            exc_text = record.exc_text
            record.__class__ = RedactedRecord
            record.exc_text = exc_text
        return record

    return make


def install(values: Iterable[Any] = ()) -> None:
    """Mask ``values`` (and URL credentials) in every log record from now on."""
    global _installed
    REDACTOR.add(values)
    if not _installed:
        logging.setLogRecordFactory(_redacted_record(logging.getLogRecordFactory()))
        _installed = True


def secret_values(settings: Any) -> list[str]:
    """The credentials these settings and this process's environment hold."""
    values = [settings.get(name) for name in SECRET_SETTINGS]
    values += [os.environ.get(name) for name in SECRET_VARIABLES]
    return [str(v) for v in values if v]


class SecretRedaction:
    """Scrapy extension, built before the others: installs the masking (see the module docstring)
    before Scrapy logs the overridden settings."""

    def __init__(self, crawler: Crawler) -> None:
        install(secret_values(crawler.settings))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SecretRedaction:
        return cls(crawler)


__all__ = [
    "REDACTOR",
    "SECRET_SETTINGS",
    "SECRET_VARIABLES",
    "Redactor",
    "SecretRedaction",
    "install",
    "mask_userinfo",
    "secret_values",
]
