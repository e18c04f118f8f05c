"""The run's lifecycle is written down once (lifecycle/__init__.py) and the settings follow it: every
stage's component exists, components run in the order the contracts rely on, recovery is a step of
its own rather than an extension, and docs/reliability.md lists every stage."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings
from scrapy.utils.misc import load_object

import settings as project
from lifecycle import ORDER, STAGES
from tests.conftest import REPO


def priorities() -> dict[str, int]:
    merged = Settings()
    merged.setmodule(project, priority="project")
    found: dict[str, int] = {}
    for name in ("EXTENSIONS", "ITEM_PIPELINES", "SPIDER_MIDDLEWARES"):
        found |= {str(k): int(v) for k, v in merged.getwithbase(name).items() if v is not None}
    return found


@pytest.mark.parametrize("stage", STAGES, ids=[s.name for s in STAGES])
def test_each_stage_is_kept_by_a_component_that_exists(stage: object) -> None:
    load_object(stage.component)  # type: ignore[attr-defined]


@pytest.mark.parametrize("earlier, later, why", ORDER, ids=[f"{a} < {b}" for a, b, _ in ORDER])
def test_components_run_in_the_order_the_contracts_rely_on(earlier: str, later: str, why: str) -> None:
    order = priorities()
    assert earlier in order and later in order, why
    assert order[earlier] < order[later], why


def test_recovery_is_a_step_before_the_crawl_not_an_extension() -> None:
    assert not [name for name in priorities() if "Recover" in name]


def test_the_reliability_doc_lists_every_stage_with_its_component() -> None:
    doc = (REPO / "docs" / "reliability.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| ")]
    for stage in STAGES:
        assert any(f"| {stage.name} |" in row and stage.component in row for row in rows), stage.name
