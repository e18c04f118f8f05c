"""Outlets are data: every built-in outlet file loads, recognises its saved pages, and a bad file
is one line naming the file, the field and the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings.outlets import OutletConfigError, load_outlet, load_outlets, outlet_for_url
from tests.conftest import FIXTURE_OUTLETS
from tests.outlets.corpus import manifest_rows, outlet_name

OUTLETS = load_outlets()
ISSUE_OUTLETS = {
    "detik", "kompas", "liputan6", "tempo", "cnnindonesia", "antaranews", "tribunnews", "okezone",
    "republika", "viva", "jitunews", "wartaekonomi", "pikiran-rakyat", "blogspot",
}  # fmt: skip


def test_every_listed_outlet_has_a_config() -> None:
    assert set(OUTLETS) >= ISSUE_OUTLETS


@pytest.mark.parametrize("name", sorted(ISSUE_OUTLETS))
def test_every_outlet_has_a_discovery_source(name: str) -> None:
    assert OUTLETS[name].discovery


def test_an_outlet_directory_adds_an_outlet_without_code() -> None:
    outlets = load_outlets([FIXTURE_OUTLETS])
    assert outlets["kabarcontoh"].is_article(
        "https://www.kabarcontoh.id/berita/2024/02/12/101/harga-cabai-naik-jelang-ramadan"
    )


BASE_TOML = 'name = "bad"\nhosts = ["x.id"]\narticle_pattern = "x"\n'
BAD_FILES = [
    ('name = "bad"\nhosts = ["x.id"]\narticle_pattern = "("\n', "article_pattern: Value error, not a valid"),
    ('name = "bad"\nhosts = []\narticle_pattern = "x"\n', "hosts: Tuple should have at least 1 item"),
    (BASE_TOML + 'timezone = "Asia/Tokyo"\n', "timezone: Input should be"),
    (
        BASE_TOML + '[[discovery]]\nkind = "feed"\nurl = "/rss"\n',
        "discovery.0.url: Value error, not an absolute",
    ),
    (BASE_TOML + '[pagination]\nmode = "sometimes"\n', "pagination.mode: Input should be"),
    (BASE_TOML + 'colour = "red"\n', "colour: Extra inputs are not permitted"),
]


@pytest.mark.parametrize(("text", "problem"), BAD_FILES)
def test_an_invalid_outlet_file_is_one_line_naming_file_field_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(OutletConfigError) as info:
        load_outlet(path)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: {problem}")


def test_regional_sites_belong_to_their_outlet_and_keep_their_time_zone() -> None:
    url = "https://makassar.tribunnews.com/2022/01/22/alot-rusia-bilang-dialog-berlanjut"
    outlet = outlet_for_url(url, OUTLETS)
    assert outlet is not None and outlet.name == "tribunnews"
    assert outlet.hints(url)["timezone"] == "Asia/Makassar"
    assert outlet.hints("https://www.tribunnews.com/x")["timezone"] == "Asia/Jakarta"
    papua = "https://papua.antaranews.com/berita/612345/x"
    assert OUTLETS["antaranews"].hints(papua)["timezone"] == "Asia/Jayapura"


@pytest.mark.parametrize("row", manifest_rows(("article",)), ids=lambda row: row["path"])
def test_each_outlet_recognises_its_saved_article_pages(row: dict[str, str], corpus_dir: Path) -> None:
    name = outlet_name(row)
    if name not in OUTLETS:
        pytest.skip(f"{row['outlet']} is not one of kliping's outlets")
    outlet = outlet_for_url(row["url"], OUTLETS)
    assert outlet is not None and outlet.name == name
    is_later_page = "?page=" in row["url"]
    assert outlet.is_article(row["url"]) or is_later_page
