"""Property tests: the parsers that meet the hostile web never raise, whatever they are given.

(Extraction, date and line-rule properties of the extraction core live in tests/extract.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract.boilerplate import clean_lines, is_boilerplate_line, normalise
from extract.dates import parse_indonesian_datetime
from pipelines.recovery import repair_jsonl
from spiders.discovery.feed import links_from_feed
from spiders.discovery.index import links_from_index
from spiders.discovery.robots import sitemaps_from_robots
from spiders.discovery.sitemap import links_from_sitemap
from spiders.urllist import parse_url_list

LINE = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        ["https://www.kabarcontoh.id/a", "http://x.id/b?c=1", "ftp://x", "# note", "", "http://[::1"]
    ),
)
XMLISH = st.one_of(
    st.binary(max_size=400),
    st.builds(
        lambda inner: f"<?xml version='1.0'?><urlset><url><loc>{inner}</loc></url></urlset>".encode(),
        st.text(max_size=60),
    ),
    st.builds(
        lambda inner: f"<rss><channel><item>{inner}</item></channel></rss>".encode(), st.text(max_size=60)
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(LINE, max_size=15).map("\n".join))
def test_url_list_parsing_never_raises_and_accounts_for_every_line(text: str) -> None:
    good, bad = parse_url_list(text, "links.txt")
    lines = re.split(r"\r\n|\r|\n", text.removesuffix("\n"))  # only these end a line
    meaningful = [ln for ln in lines if re.sub(r"(?:^|\s)#.*$", "", ln.lstrip("\ufeff")).strip()]
    assert len(good) + len(bad) == len(meaningful)
    assert all(str(b).startswith("links.txt:") for b in bad)


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=60), st.sampled_from(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "Nowhere/Zone"])
)
def test_date_parsing_never_raises(text: str, tz: str) -> None:
    try:
        parse_indonesian_datetime(text, tz)
    except Exception as exc:  # an unknown default zone is the caller's error, stated plainly
        assert tz == "Nowhere/Zone", exc


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=8), st.one_of(st.none(), st.text(max_size=30)))
def test_boilerplate_rules_never_raise(lines: list[str], title: str | None) -> None:
    for line in lines:
        is_boilerplate_line(line)
        normalise(line)
    clean_lines(lines, title)


@settings(max_examples=150, deadline=None)
@given(XMLISH)
def test_sitemap_and_feed_parsers_never_raise(body: bytes) -> None:
    links_from_sitemap(body)
    links_from_feed(body)
    links_from_index(body, "https://www.kabarcontoh.id/", r"/berita/")
    sitemaps_from_robots(body, "https://www.kabarcontoh.id/robots.txt")


def test_a_huge_sitemap_is_parsed_without_raising() -> None:
    entries = "".join(f"<url><loc>https://www.kabarcontoh.id/berita/{n}</loc></url>" for n in range(60_000))
    body = (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    )
    assert len(links_from_sitemap(body.encode())) == 60_000


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(st.dictionaries(st.text(max_size=5), st.integers(), max_size=3), max_size=5),
    st.binary(max_size=30),
)
def test_a_text_batch_is_cut_to_its_whole_lines(tmp_path: Path, rows: list[dict], tail: bytes) -> None:
    path = tmp_path / "batch.jsonl"
    whole = "".join(json.dumps(r) + "\n" for r in rows).encode()
    path.write_bytes(whole + tail.replace(b"\n", b""))
    repair_jsonl(path)
    kept = path.read_bytes()
    assert kept.startswith(whole) or kept == whole
    for line in kept.splitlines():
        json.loads(line)
