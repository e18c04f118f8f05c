"""Helpers for the extraction tests: fixture pages live in tests/fixtures/pages/."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from extract import OutletHints, extract_article

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"
REPO_ROOT = Path(__file__).resolve().parents[2]


def page_bytes(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def extract_page(name: str, *, hints: OutletHints | None = None, **kwargs: Any) -> dict[str, Any]:
    record = extract_article(page_bytes(name), f"https://fixtures.test/{name}", hints=hints, **kwargs)
    assert record is not None, f"{name} gave no record"
    return record


def corpus_dir() -> Path:
    env = os.environ.get("KLIPING_CORPUS")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "corpus").resolve()
