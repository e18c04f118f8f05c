"""What every kliping spider shares: run identity, User-Agent, turning responses into stories, failures."""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from scrapy import Request, Spider
from scrapy.http import HtmlResponse, Response
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archive.extension import DATE_META_KEY, WARC_META_KEY
from archive.reader import charset_from_content_type
from cli.common import EXIT_BAD_INPUT, EXIT_LOCKED, EXIT_NO_SPACE, EXIT_STATE
from fetch.faults import COUNTED_AT_SOURCE, describe_exception, failure_reason
from settings.outlets import OutletConfigError
from settings.runinfo import new_run_id
from spiders.items import Page, StoryItem
from spiders.params import ParamsError

logger = logging.getLogger(__name__)


def describe_failure(failure: Failure) -> str:
    """A short human reason for a failed request."""
    return describe_exception(failure.value) if failure.value is not None else "failed"


class KlipingSpider(Spider):
    """Base of kliping's spiders; subclasses parse their typed arguments in ``__init__``."""

    #: Log level of a fetch answered with an HTTP error (network failures are always warnings).
    http_failure_log_level = logging.WARNING

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # One run id for every component of this crawl, fixed before the settings freeze.
        if not settings.get("KLIPING_RUN_ID"):
            settings.set("KLIPING_RUN_ID", new_run_id(), priority="spider")
        if settings.getpriority("USER_AGENT") in (None, 0):
            contact = settings.get("KLIPING_CONTACT_URL")
            settings.set("USER_AGENT", f"kliping/0.1 (+{contact})", priority="spider")
        # A Redis state store also shares the request queue and duplicate filter between workers.
        state = settings.get("KLIPING_STATE")
        if str(state or "").startswith(("redis://", "rediss://")):
            from fetch.rounds import redis_settings
            from state.redis import redis_timeout

            settings.setdict(redis_settings(str(state), redis_timeout(settings)), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            spider = super().from_crawler(crawler, *args, **kwargs)
            spider.check_input()
        except (ParamsError, OutletConfigError) as exc:
            # ``scrapy crawl`` would print a traceback and exit 1; bad input is one line and exit 2,
            # as with ``kliping crawl`` (which checks the arguments before Scrapy starts).
            sys.stderr.write(f"scrapy crawl {cls.name}: {exc}\n")
            sys.stderr.flush()
            os._exit(EXIT_BAD_INPUT)
        cls.prepare_run(crawler)
        return spider

    @classmethod
    def prepare_run(cls, crawler: Any) -> None:
        """The run's start (:func:`lifecycle.startup.prepare_run`): lock the work directory, check
        the state, recover what earlier runs left; done already when the ``kliping`` CLI started
        this crawl. Here for ``scrapy crawl`` and scrapyd, before Scrapy builds any component:
        a run that cannot start is one ERROR line (in scrapyd's job log) and its exit code,
        which scrapyd reports as a failed process, never success."""
        from lifecycle.startup import NoSpace, prepare_run
        from lifecycle.stops import exit_with
        from state import StateFileError
        from state.lock import WorkdirLocked

        try:
            prepare_run(crawler.settings)
        except WorkdirLocked as exc:
            exit_with(EXIT_LOCKED, str(exc))
        except StateFileError as exc:
            exit_with(EXIT_STATE, str(exc))
        except NoSpace as exc:
            exit_with(EXIT_NO_SPACE, str(exc))

    def check_input(self) -> None:
        """Raise :class:`ParamsError` for arguments that only make sense with the settings at hand."""

    @staticmethod
    def split_args(kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Separate our arguments from Scrapy's and scrapyd's own (``_job`` and the like)."""
        ours = {k: v for k, v in kwargs.items() if not k.startswith("_")}
        theirs = {k: v for k, v in kwargs.items() if k.startswith("_")}
        return ours, theirs

    def page_from(self, response: Response) -> Page:
        content_type = response.headers.get("Content-Type") or b""
        return Page(
            url=response.url,
            body=response.body,
            # The label as the server declared it; re-extraction reads the same label from the WARC.
            encoding=charset_from_content_type(content_type.decode("latin-1")),
            fetched_at=str(response.meta.get(DATE_META_KEY) or ""),
            warc=response.meta.get(WARC_META_KEY),
        )

    def story_from(self, response: Response, outlet: str | None, hints: dict[str, Any]) -> StoryItem | None:
        """A one-page story from an HTML response, or None (counted) when the response is not HTML."""
        if not isinstance(response, HtmlResponse):
            self.count("kliping/skipped/not_html")
            return None
        return StoryItem(pages=[self.page_from(response)], outlet=outlet, hints=hints)

    def count(self, key: str, n: int = 1) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key, n)

    def request_failed(self, failure: Failure) -> None:
        request: Request = failure.request  # type: ignore[attr-defined]
        if isinstance(failure.value, COUNTED_AT_SOURCE):
            return  # counted and logged where it was refused (the destination guard...)
        # One classifier names every fault (fetch/faults.py): errors fail the run, skips do not.
        reason = failure_reason(failure.value or Exception(failure.getErrorMessage()))
        self.count(reason.key)
        if reason.section == "skipped":
            logger.info("skipped %s (%s)", request.url, failure.value)
            return
        level = self.http_failure_log_level if isinstance(failure.value, HttpError) else logging.WARNING
        logger.log(level, "could not fetch %s (%s)", request.url, describe_failure(failure))


__all__ = ["KlipingSpider", "ParamsError", "describe_failure"]
