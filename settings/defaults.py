"""Every ``KLIPING_*`` setting's default, as module constants for Scrapy's settings module.

The settings, their types, bounds, defaults and meaning are written once, in
:mod:`settings.model`; this module only lays the defaults out as the upper-case names Scrapy reads
from ``settings/__init__.py``. docs/settings.md is generated from the model (``python -m settings.docs``).
"""

from __future__ import annotations

from settings.model import default_values

globals().update(default_values())
