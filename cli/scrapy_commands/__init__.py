"""Scrapy commands of the kliping project (``COMMANDS_MODULE``): ``scrapy crawl`` exits with
kliping's exit code, so ``scrapy crawl`` and scrapyd jobs report a failed run as ``kliping`` does."""
