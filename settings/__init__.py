"""Scrapy settings of the kliping project.

Every ``KLIPING_*`` setting is declared, typed and documented in :mod:`settings.model` (its
defaults laid out as constants by :mod:`settings.defaults`); this module wires kliping's
components into Scrapy and sets the crawl's manners. The environment and ``-s`` override it
(precedence in docs/settings.md); the ``KlipingSettingsAddon`` checks everything once.
"""

from settings.defaults import *  # noqa: F403

BOT_NAME = "kliping"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
# `scrapy crawl` (and so scrapyd's jobs) exits with kliping's exit code, not always 0.
COMMANDS_MODULE = "cli.scrapy_commands"

# Politeness: obey robots.txt, throttle adaptively, at most two connections per host.
ROBOTSTXT_OBEY = True
ROBOTSTXT_PARSER = "scrapy.robotstxt.ProtegoRobotParser"
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 60
# Scrapy's 1 GiB let one gzip bomb cost 1.1 GB; three bombs at once now keep the whole process
# tree under 400 MB (make bench, bombs). Pages and sitemaps fit many times over.
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
RETRY_TIMES = 2
# A callback's output is processed by CONCURRENT_ITEMS tasks started per response (Scrapy 2.13+
# on asyncio), whatever it holds; ours yield one story item or a list of requests, so Scrapy's
# 100 tasks per page were pure overhead (~6% of the crawl process's CPU).
CONCURRENT_ITEMS = 4

# Pending requests on disk for the run (KLIPING_QUEUE_ON_DISK); a shared frontier replaces it.
SCHEDULER = "fetch.diskqueue.DiskQueueScheduler"
# Scrapy's filter with its fingerprints on disk: memory flat in the number of URLs.
DUPEFILTER_CLASS = "fetch.dupefilter.RunKeysDupeFilter"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
LOG_FORMATTER = "pipelines.logformat.QuietDropLogFormatter"
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control runs code sent to a local port: a scheduled crawler needs no such door
# (settings.scrapy_addons.WithoutRemoteControl also takes it out of the base list).
REMOTE_CONTROL_ENABLED = False

# Scrapy's HTTP/1.1 handler that also keeps each response's head as sent, for the WARC record.
DOWNLOAD_HANDLERS = {
    "http": "fetch.wirehead.WireHeadDownloadHandler",
    "https": "fetch.wirehead.WireHeadDownloadHandler",
}
# The destination guard (docs/security.md): Twisted connects only to addresses this resolver checked.
TWISTED_DNS_RESOLVER = "fetch.guard.GuardedResolver"
DOWNLOADER_MIDDLEWARES = {
    # First of all: a request to an internal address is refused before anything (robots.txt) is sent.
    "fetch.guard.DestinationGuard": 50,
    # RFC 9309: a robots.txt that answers 5xx or cannot be fetched disallows the host (Scrapy's
    # own middleware reads it as allow-all).
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "fetch.robots.RobotsTxtMiddleware": 100,
    # Before HttpProxyMiddleware (750), so robots.txt and every other request takes the proxy.
    "fetch.proxy.ProxyMiddleware": 740,
    # Below the RetryMiddleware (550): counts robots.txt faults and redirect loops once, at the end.
    "fetch.faults.FaultCounter": 540,
    # Next to the download handler: a download cancelled at the stop deadline is never retried.
    "fetch.shutdown.StopDeadlineMiddleware": 990,
    # Just outside the RedirectMiddleware (600): names the redirects it will not follow (ftp:, data:...).
    "fetch.redirects.UnsupportedRedirects": 610,
}

# The run's lifecycle (docs/reliability.md, "The run's lifecycle"; lifecycle/__init__.py lists
# its stages, and tests/lifecycle/test_contract.py checks this order against them). Recovery is
# not here: it is a step of its own, done before Scrapy builds any of these (lifecycle/startup.py).
EXTENSIONS = {
    # First: credentials are masked in every log line from here on, Scrapy's settings line included.
    "monitor.secrets.SecretRedaction": -100,
    # Before the FeedExporter (0), so it sees the feed slots an item is about to be written to;
    # it settles each article once durable, and ends the run in the frontier last.
    "lifecycle.extension.RunLifecycle": -10,
    "fetch.quietlog.QuietNetworkErrors": 0,
    # Before anything fetches: an unusable output store stops the crawl at start-up.
    "archive.stores.check.StoreCheck": 10,
    # Before the archiver, so it checks the free space before each write.
    "archive.space.OutputSpaceGuard": 60,
    # Owes each article request from the moment it is scheduled; resumes what a job owes.
    "fetch.frontier.FrontierExtension": 70,
    "fetch.shutdown.ShutdownDeadline": 80,
    "archive.extension.WarcArchiver": 100,
    # After the FeedExporter stored the last batches, before the uploader's final sweep sends them.
    "pipelines.staged_parquet.ParquetFinisher": 150,
    # Each outlet's health, judged against its history; before the summary, which shows it.
    "monitor.healthwatch.HealthWatch": 890,
    # After the WARC writer, so its last file is closed (and queued for upload) first.
    "archive.stores.extension.StoreUploader": 200,
    # Progress lines, the run summary and its invariants (reads every other component's stats).
    "monitor.extension.RunMonitor": 900,
}

SPIDER_MIDDLEWARES = {
    # Gives story items their request's keys, carries a story's key to its next page, settles a
    # response that yields nothing (lifecycle/extension.py).
    "lifecycle.extension.LifecycleSpiderMiddleware": 950,
}

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 300,
    # Last: no text record is written once the run stopped for lack of space (docs/reliability.md).
    "archive.space.SpaceGuardPipeline": 990,
}

# Text records: JSON lines and Parquet under <output>/text/<outlet>/<date>/<run>-<batch>.<ext>.
# %(outlet)s feeds are expanded into one feed per outlet (+ "other") by pipelines.feeds.OutletFeeds,
# which also applies KLIPING_TEXT_FORMATS, KLIPING_TEXT_GZIP and KLIPING_TEXT_BATCH_ITEMS.
FEEDS = {
    "%(output)s/text/%(outlet)s/%(date)s/%(run_id)s-%(batch_id)05d.jsonl": {
        "format": "jsonlines",
        "encoding": "utf-8",
    },
    "%(output)s/text/%(outlet)s/%(date)s/%(run_id)s-%(batch_id)05d.parquet": {
        "format": "parquet",
    },
}
FEED_URI_PARAMS = "pipelines.feeds.uri_params"
FEED_STORE_EMPTY = False
FEED_EXPORTERS = {
    # A function that imports pyarrow when a batch starts, not when Scrapy loads its exporters.
    "parquet": "pipelines.feeds.parquet_item_exporter",
    # Parquet written when the spider closes, from staged rows (KLIPING_TEXT_PARQUET_AT_END).
    "parquet-staged": "pipelines.staged_parquet.StagedRowsExporter",
}
# Batches become durable before the slot counts as closed (fsync + atomic rename; verified upload or spool).
FEED_STORAGES = {
    "": "pipelines.feeds.LocalFeedStorage",
    "file": "pipelines.feeds.LocalFeedStorage",
    "s3": "pipelines.feeds.StoreFeedStorage",
}
ADDONS = {
    # Environment and checks first (update_pre_crawler_settings, before any spider reads a setting).
    "settings.scrapy_addons.KlipingSettingsAddon": -100,
    "pipelines.feeds.OutletFeeds": 0,
    "settings.scrapy_addons.WithoutRemoteControl": 0,
}
