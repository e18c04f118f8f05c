"""Log dropped items quietly: a page that is not an article is counted, not a warning."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.http import Response
from scrapy.logformatter import LogFormatter, LogFormatterResult
from twisted.python.failure import Failure


class QuietDropLogFormatter(LogFormatter):
    """Scrapy's formatter, with drops at DEBUG (they are counted in the run summary instead)."""

    def dropped(
        self, item: Any, exception: BaseException, response: Response | Failure | None, spider: Spider
    ) -> LogFormatterResult:
        result = super().dropped(item, exception, response, spider)
        result["level"] = logging.DEBUG
        return result
