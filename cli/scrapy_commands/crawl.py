"""``scrapy crawl SPIDER``, exiting with the run's exit code (docs/operating.md, Exit codes).

Scrapy's own ``crawl`` exits 0 whatever happened unless the crawler could not start. This one
exits with the code the run's monitor decided and recorded in ``summary.json`` (1 for failures, 2
for an unusable output store, 3 for broken invariants...). scrapyd logs a job that ends so as
``Process died: exitstatus=N``.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

from cli.outcome import run_exit_code


class Command(ScrapyCrawl):
    """Scrapy's ``crawl`` with kliping's exit code."""

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            super().run(args, opts)  # Scrapy's usage errors, word for word
            return
        assert self.crawler_process is not None
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif crawler.stats is not None:
            self.exitcode = run_exit_code(crawler.stats.get_stats())
