"""The extractor's vocabulary is data (settings/vocabulary/*.toml) and every file of it is sound."""

from __future__ import annotations

import re
import tomllib
from typing import Any

import pytest

from extract.vocabulary import alternation, load, phrase_pattern, vocabulary_dir

FILES = ("dates", "bylines", "boilerplate", "tags")


def _lists(node: Any, path: str = "") -> list[tuple[str, list[Any]]]:
    if isinstance(node, list):
        return [(path, node)]
    if isinstance(node, dict):
        return [item for key, value in node.items() for item in _lists(value, f"{path}.{key}")]
    return []


@pytest.mark.parametrize("name", FILES)
def test_every_vocabulary_file_parses_and_has_no_empty_or_repeated_entry(name: str) -> None:
    data = tomllib.loads((vocabulary_dir() / f"{name}.toml").read_text(encoding="utf-8"))
    for path, items in _lists(data):
        assert items, f"{name}{path} is empty"
        assert all(isinstance(i, str) and i.strip() == i and i for i in items), f"{name}{path}"
        assert len({i.casefold() for i in items}) == len(items), f"{name}{path} repeats an entry"


def test_the_vocabulary_is_found_beside_the_outlet_configs() -> None:
    assert (vocabulary_dir().parent / "outlets").is_dir()


def test_a_phrase_matches_its_words_across_any_blank_run() -> None:
    rx = re.compile(phrase_pattern("baca juga"), re.I)
    assert rx.fullmatch("Baca   juga") and rx.fullmatch("baca\tjuga") and not rx.fullmatch("bacajuga")


def test_a_phrase_word_may_name_alternatives_and_be_optional() -> None:
    rx = re.compile(phrase_pattern("additional? reporting|editing by"), re.I)
    for line in ("Reporting by", "Additional reporting by", "editing by"):
        assert rx.fullmatch(line), line
    assert not rx.fullmatch("Additional by")


def test_class_names_join_a_phrase_with_a_hyphen_an_underscore_or_nothing() -> None:
    rx = re.compile(alternation(["baca juga"], joiner="[-_]?"))
    assert all(rx.fullmatch(c) for c in ("baca-juga", "baca_juga", "bacajuga"))


def test_months_and_zones_come_from_the_data() -> None:
    dates = load("dates")
    assert dates["months"]["agustus"] == 8 and dates["months"]["ogos"] == 8
    assert dates["zones"]["indonesia"] == {"WIB": 7, "WITA": 8, "WIT": 9}
    assert dates["zones"]["regional"]["ET"] == "America/New_York"
