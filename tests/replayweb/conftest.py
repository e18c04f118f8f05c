"""Fixtures for the replay web tests (127.0.0.1 only)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from replayweb import ReplayWeb  # noqa: E402


@pytest.fixture
def web() -> Iterator[ReplayWeb]:
    """An empty replay web on a free port; tests add their own pages."""
    with ReplayWeb() as w:
        yield w
