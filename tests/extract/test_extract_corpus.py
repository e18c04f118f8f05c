"""Evaluation gate over the shared gold corpus (skipped when the corpus is not there).

Floors are the scores reached when this was written minus a small margin; see
docs/extraction.md for the current numbers.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from kliping_extract_pages import corpus_dir

from extract.evaluate import predict
from extract.schema import extracted_validator

FLOORS = {"token_f1": 0.995, "date_acc": 0.97, "title_acc": 0.95, "authors_acc": 0.94}
MAX_LEAKED_LINES = 2
MAX_MISSING_PARAGRAPHS = 2


def _scorer(corpus: Path) -> ModuleType:
    path = corpus.parent / "tools" / "eval_extraction.py"
    if not path.exists():
        pytest.skip(f"scorer not found at {path}")
    spec = importlib.util.spec_from_file_location("eval_extraction", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    corpus = corpus_dir()
    if not (corpus / "MANIFEST.tsv").exists():
        pytest.skip(f"corpus not found at {corpus} (set KLIPING_CORPUS)")
    scorer = _scorer(corpus)
    import json

    golds = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(corpus.rglob("*.gold.json"))]
    records = predict(corpus)
    by_url: dict[str, dict[str, object]] = {}
    for record in records:
        for key in ("url", "canonical_url"):
            if record.get(key):
                by_url.setdefault(record[key], record)
    scored = [scorer.score(g, by_url.get(g["url"])) for g in golds]
    tp = sum(r["tp"] for r in scored)
    n_out = sum(r["n_out"] for r in scored)
    n_gold = sum(r["n_gold"] for r in scored)
    p = tp / n_out if n_out else 0.0
    rc = tp / n_gold if n_gold else 0.0
    n = len(scored)
    return {
        "records": records,
        "found": sum(r["found"] for r in scored),
        "n": n,
        "token_f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
        "leaked": sum(len(r["leaked"]) for r in scored),
        "missing": sum(len(r["missing"]) for r in scored),
        "date_acc": sum(r["date_ok"] for r in scored) / n,
        "title_acc": sum(r["title_ok"] for r in scored) / n,
        "authors_acc": sum(r["authors_ok"] for r in scored) / n,
    }


def test_every_gold_article_is_extracted(results: dict[str, Any]) -> None:
    assert results["found"] == results["n"]


def test_token_f1_floor(results: dict[str, Any]) -> None:
    assert results["token_f1"] >= FLOORS["token_f1"]


def test_no_boilerplate_lines_leak(results: dict[str, Any]) -> None:
    assert results["leaked"] <= MAX_LEAKED_LINES


def test_no_story_paragraph_is_missing(results: dict[str, Any]) -> None:
    assert results["missing"] <= MAX_MISSING_PARAGRAPHS


def test_date_accuracy_floor(results: dict[str, Any]) -> None:
    assert results["date_acc"] >= FLOORS["date_acc"]


def test_title_accuracy_floor(results: dict[str, Any]) -> None:
    assert results["title_acc"] >= FLOORS["title_acc"]


def test_author_accuracy_floor(results: dict[str, Any]) -> None:
    assert results["authors_acc"] >= FLOORS["authors_acc"]


def test_corpus_records_validate_against_the_schema(results: dict[str, Any]) -> None:
    validator = extracted_validator()
    for record in results["records"]:
        validator.validate({k: v for k, v in record.items() if k != "pages"})
