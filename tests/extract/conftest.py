"""Fixtures of the extraction tests (helpers are in kliping_extract_pages.py)."""

from __future__ import annotations

from typing import Any

import pytest
from kliping_extract_pages import extract_page


@pytest.fixture(scope="module")
def boilerplate_page() -> dict[str, Any]:
    """An outlet-like page whose widgets carry class names (share box, tags, related, ads)."""
    return extract_page("boilerplate_id.html")


@pytest.fixture(scope="module")
def inbody_page() -> dict[str, Any]:
    """A page whose boilerplate lines sit inside the story container as plain paragraphs."""
    return extract_page("inbody_id.html")


@pytest.fixture(scope="module")
def english_page() -> dict[str, Any]:
    return extract_page("english_news.html")


@pytest.fixture(scope="module")
def wit_page() -> dict[str, Any]:
    return extract_page("wit_antara.html")
