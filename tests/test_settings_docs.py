"""Every setting is documented in one place, generated from the typed model, with its default."""

from __future__ import annotations

from pathlib import Path

import settings
from extract.options import SETTING_PREFIX, ExtractOptions
from settings.docs import documented_settings, render
from settings.model import KlipingSettings, default_values

REPO = Path(__file__).resolve().parent.parent


def test_docs_page_is_generated_from_the_model() -> None:
    assert (REPO / "docs" / "settings.md").read_text(encoding="utf-8") == render(), (
        "docs/settings.md is stale: run `python -m settings.docs > docs/settings.md`"
    )


def test_every_setting_has_a_description_and_a_type() -> None:
    assert [s.name for s in documented_settings() if not s.doc or not s.kind] == []


def test_the_settings_module_holds_exactly_the_modelled_settings_with_their_defaults() -> None:
    names = {name for name in dir(settings) if name.startswith("KLIPING_")}
    assert names == set(KlipingSettings.model_fields)
    assert {name: getattr(settings, name) for name in names} == default_values()


def test_extraction_defaults_are_written_once_in_the_extraction_options() -> None:
    for name, info in ExtractOptions.model_fields.items():
        setting = KlipingSettings.model_fields[SETTING_PREFIX + name.upper()]
        assert setting.default == info.default
        assert setting.description == info.description
