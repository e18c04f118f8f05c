"""Every KLIPING_* setting is documented in one place, with its default."""

from __future__ import annotations

from pathlib import Path

import settings
from settings.docs import documented_settings, render

REPO = Path(__file__).resolve().parent.parent


def test_docs_page_is_generated_from_the_defaults() -> None:
    assert (REPO / "docs" / "settings.md").read_text(encoding="utf-8") == render(), (
        "docs/settings.md is stale: run `python -m settings.docs > docs/settings.md`"
    )


def test_every_setting_has_a_description() -> None:
    undocumented = [s.name for s in documented_settings() if not s.doc]
    assert undocumented == []


def test_every_kliping_setting_in_the_project_settings_is_documented() -> None:
    names = {name for name in dir(settings) if name.startswith("KLIPING_")}
    assert names == {s.name for s in documented_settings() if s.name.startswith("KLIPING_")}


def test_every_extraction_option_is_a_documented_setting() -> None:
    from dataclasses import fields

    from extract.options import SETTING_PREFIX, ExtractOptions

    options = {SETTING_PREFIX + f.name.upper() for f in fields(ExtractOptions) if f.init}
    assert options <= {s.name for s in documented_settings()}
