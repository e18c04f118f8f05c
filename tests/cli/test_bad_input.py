"""Bad input is one line naming it, exit code 2, and no traceback unless --debug."""

from __future__ import annotations

import pytest

from tests.conftest import Kliping


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("CONCURRENT_REQUESTS=abc", "kliping crawl: setting CONCURRENT_REQUESTS: 'abc' is not an integer"),
        ("KLIPING_NO_SUCH=1", "kliping crawl: unknown setting KLIPING_NO_SUCH (see docs/settings.md)"),
        (
            "KLIPING_WARC_MAX_SIZE=big",
            "kliping crawl: setting KLIPING_WARC_MAX_SIZE: 'big' is not an integer",
        ),
        (
            "KLIPING_WARC_GZIP_LEVEL=11",
            "kliping crawl: setting KLIPING_WARC_GZIP_LEVEL: '11' is out of range (must be at most 9)",
        ),
        (
            "KLIPING_WARC_ENABLED=maybe",
            "kliping crawl: setting KLIPING_WARC_ENABLED: 'maybe' is not a boolean"
            " (use 1/0, true/false, yes/no or on/off)",
        ),
        (
            "KLIPING_PROGRESS_INTERVAL=soon",
            "kliping crawl: setting KLIPING_PROGRESS_INTERVAL: 'soon' is not a number",
        ),
        ("KLIPING_STATE_STORES=[1", "kliping crawl: setting KLIPING_STATE_STORES: '[1' is not a JSON object"),
        (
            'KLIPING_STATE_STORES={"sqlite": "nope.Store"}',
            "kliping crawl: sqlite:///data/state/seen.sqlite: state store class for 'sqlite':"
            " cannot load 'nope.Store' (No module named 'nope')",
        ),
    ],
)
def test_a_bad_setting_is_one_line(kliping: Kliping, setting: str, line: str) -> None:
    result = kliping("crawl", "-s", setting)
    assert result.code == 2
    assert result.stderr.strip() == line


def test_debug_shows_the_traceback(kliping: Kliping) -> None:
    result = kliping("crawl", "--debug", "-s", "CONCURRENT_REQUESTS=abc")
    assert result.code != 0
    assert "Traceback" in result.stderr


def test_an_unknown_outlet_is_one_line(kliping: Kliping) -> None:
    result = kliping("crawl", "nosuchoutlet")
    assert result.code == 2
    assert result.stderr.startswith("kliping crawl: unknown outlet 'nosuchoutlet' (known: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_an_invalid_outlet_config_is_one_line(kliping: Kliping) -> None:
    (kliping.cwd / "outlets").mkdir()
    (kliping.cwd / "outlets" / "rusak.toml").write_text('name = "rusak"\nhosts = []\n', encoding="utf-8")
    result = kliping("crawl", "rusak", "-s", "KLIPING_OUTLETS_DIRS=outlets")
    assert result.code == 2
    assert result.stderr.strip().startswith("kliping crawl: outlets/rusak.toml: hosts: ")


def test_a_missing_url_list_is_one_line(kliping: Kliping) -> None:
    result = kliping("scrape", "nowhere.txt")
    assert result.code == 2
    assert result.stderr.strip() == "kliping scrape: nowhere.txt: no such file"


def test_every_bad_url_line_is_reported(kliping: Kliping) -> None:
    # Nothing fetchable: the run stops before any fetch, every bad line still named.
    (kliping.cwd / "links.txt").write_text(
        "# a comment\nhttps://www.kabarcontoh.id/a\nftp://x/y\nnot a url\nhttps://www.kabarcontoh.id/a\n",
        encoding="utf-8",
    )
    (kliping.cwd / "empty.txt").write_text("ftp://x/y\n", encoding="utf-8")
    result = kliping("scrape", "empty.txt")
    assert result.code == 2
    assert result.stderr.splitlines() == [
        "empty.txt:1: unsupported scheme 'ftp' (only http and https): 'ftp://x/y'",
        "empty.txt: no fetchable URL",
    ]


def test_a_missing_warc_is_one_line(kliping: Kliping) -> None:
    result = kliping("extract", "nowhere.warc.gz", "--output", "out.jsonl")
    assert result.code == 2
    assert result.stderr.strip() == "kliping extract: nowhere.warc.gz: no such file"


def test_a_glob_matching_nothing_is_one_line(kliping: Kliping) -> None:
    result = kliping("extract", "warcs/*.warc.gz", "--output", "out.jsonl")
    assert result.code == 2
    assert result.stderr.strip() == "kliping extract: warcs/*.warc.gz: no file matches"
