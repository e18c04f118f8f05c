"""Scrapy spiders: ``urls`` for a one-off list of links, ``outlet`` for scheduled outlet crawls."""
