"""Reading a URL list: which lines are fetched and how bad ones are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.urllist import UrlListError, parse_url_list, read_url_list


def test_blank_lines_and_comments_are_skipped() -> None:
    good, bad = parse_url_list("# a list\n\nhttps://a.id/x\n   \n  # indented comment\n")
    assert [(g.line, g.url) for g in good] == [(3, "https://a.id/x")]
    assert bad == []


def test_surrounding_whitespace_is_ignored() -> None:
    good, _ = parse_url_list("   https://a.id/x  \t\n")
    assert good[0].url == "https://a.id/x"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("ftp://a.id/x", "unsupported scheme 'ftp'"),
        ("a.id/x", "malformed URL (no scheme"),
        ("https:///x", "malformed URL (no host)"),
        ("https://a.id/x y", "malformed URL (contains whitespace)"),
        ("https://a.id:99999/", "malformed URL (Port out of range"),
    ],
)
def test_bad_lines_name_file_line_and_reason(line: str, reason: str) -> None:
    _, bad = parse_url_list(f"https://ok.id/\n{line}\n", "list.txt")
    assert len(bad) == 1
    assert str(bad[0]).startswith(f"list.txt:2: {reason}")


def test_a_duplicate_names_the_first_line() -> None:
    _, bad = parse_url_list("https://a.id/x?b=1&a=2\nhttps://a.id/x?a=2&b=1\n", "l")
    assert str(bad[0]) == "l:2: duplicate of line 1: https://a.id/x?a=2&b=1"


def test_a_missing_file_is_one_error(tmp_path: Path) -> None:
    with pytest.raises(UrlListError, match=r"nope\.txt: no such file$"):
        read_url_list(tmp_path / "nope.txt")


def test_a_file_that_is_not_text_is_one_error(tmp_path: Path) -> None:
    path = tmp_path / "bin.txt"
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(UrlListError, match="not UTF-8 text"):
        read_url_list(path)
