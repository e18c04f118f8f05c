"""For ``scrapyd-deploy`` only, which builds the egg with ``setup.py bdist_egg``.

Everything (packages, package data, the ``scrapy`` settings entry point) is in pyproject.toml.
"""

from setuptools import setup

setup()
