"""Reading a URL list: which lines are fetched and how bad ones are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from spiders.urllist import UrlListError, parse_url_list, read_url_list, report_lines
from tests.conftest import Kliping


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


def test_a_comment_after_a_url_is_a_comment_and_a_fragment_is_not() -> None:
    good, bad = parse_url_list("https://a.id/x   # from the newsletter\nhttps://a.id/y#bagian-2\n")
    assert [g.url for g in good] == ["https://a.id/x", "https://a.id/y#bagian-2"]
    assert bad == []


def test_unicode_line_separators_do_not_split_lines() -> None:
    # U+2028 and U+0085 stay inside their line: line numbers are those an editor shows.
    text = "https://a.id/1\nhttps://a.id/\u20282\nhttps://a.id/\x853\r\nhttps://a.id/4\rhttps://a.id/5\n"
    good, bad = parse_url_list(text, "l")
    assert [(g.line, g.url) for g in good] == [
        (1, "https://a.id/1"),
        (4, "https://a.id/4"),
        (5, "https://a.id/5"),
    ]
    assert [b.line for b in bad] == [2, 3]


def test_a_url_longer_than_the_limit_is_a_bad_line_not_a_silent_drop() -> None:
    long_url = "https://a.id/" + "x" * 2100
    _, bad = parse_url_list(f"{long_url}\n", "l")
    assert str(bad[0]).startswith(
        "l:1: URL too long (2,113 characters; the limit is 2,083): 'https://a.id/xxx"
    )
    assert len(str(bad[0])) < 200
    assert parse_url_list(f"{long_url}\n", "l", max_length=0)[1] == []  # URLLENGTH_LIMIT=0: no limit


def test_many_bad_lines_are_summed_up_after_twenty() -> None:
    _, bad = parse_url_list("ftp://a.id/x\n" * 50_000, "l")
    lines = report_lines(bad)
    assert len(lines) == 21
    assert lines[-1] == "l: 49,980 more bad lines not shown (50,000 in all)"


def test_scrape_reports_a_too_long_url_and_sums_up_many_bad_lines(kliping: Kliping) -> None:
    (kliping.cwd / "links.txt").write_text(
        "https://a.id/" + "x" * 3000 + "\n" + "ftp://a.id/x\n" * 30, encoding="utf-8"
    )
    result = kliping("scrape", "links.txt")
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert lines[0].startswith("links.txt:1: URL too long (3,013 characters; the limit is 2,083): ")
    assert lines[-2:] == ["links.txt: 11 more bad lines not shown (31 in all)", "links.txt: no fetchable URL"]
    assert len(lines) == 22
