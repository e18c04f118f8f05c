"""The one walk over the document (``extract.metadata._scan``) finds, element for element, what
the XPath queries it replaced found: same elements, same document order."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from extract.core import decode_html, parse_html
from extract.metadata import _DATE_CLASSES, _date_attributes, _scan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"

_DATE_COND = " or ".join(f"contains(@class,'{c}') or contains(@id,'{c}')" for c in _DATE_CLASSES)
REFERENCE = {
    "body_dates": etree.XPath(f"//body//*[{_DATE_COND}]|//body//time"),
    "after_h1": etree.XPath(f"(//body//h1)[1]/following::*[self::time or {_DATE_COND}]"),
    "before_h1": etree.XPath(f"(//body//h1)[1]/preceding::*[self::time or {_DATE_COND}]"),
    "within": etree.XPath(f".//*[self::time or {_DATE_COND}]"),
    "authors": etree.XPath(
        "//body//*[contains(@class,'author') or contains(@class,'byline') or contains(@class,'reporter')"
        " or contains(@class,'penulis') or contains(@class,'writer') or contains(@class,'jurnalis')"
        " or contains(@id,'author') or contains(@id,'byline')]"
    ),
    "itemprop": etree.XPath("//*[@itemprop='author']|//*[@rel='author']"),
    "date_attributes": etree.XPath(
        "(//body//time[@datetime]/@datetime|//body//*[contains(@class,'published')]/@title)[position() <= 3]"
    ),
}

# Edge cases of the axes: a date-like ancestor of the h1 (not preceding), date-like elements
# inside the h1 (not following), a date-like element in the head, a second h1.
TRICKY = """<html><head><title>t</title><meta id="date-meta" content="x"></head>
<body><div class="post-date-wrap"><span class="date">1 Mei 2024 10:00 WIB</span>
<header id="headline-timestamp"><h1>Judul <time>10:00</time><span class="tanggal">x</span></h1>
<p class="author-name">Oleh A</p></header></div>
<h1 class="date">kedua</h1><div class="byline" itemprop="author">B</div><time>11:00</time>
<a rel="author" href="/a">C</a><abbr class="published" title="2024-05-01T10:00:00+07:00">1 Mei</abbr>
<time datetime="2024-05-01T10:00:00+07:00">10:00</time></body></html>"""


def _pages() -> list[tuple[str, str]]:
    pages = [("tricky", TRICKY)]
    pages += [(p.name, decode_html(p.read_bytes())) for p in sorted(FIXTURES.rglob("*.html"))]
    return pages


@pytest.mark.parametrize(("name", "html"), _pages(), ids=[n for n, _ in _pages()])
def test_one_walk_finds_what_the_xpath_queries_found(name: str, html: str) -> None:
    tree = parse_html(html)
    assert tree is not None
    marks = _scan(tree)
    assert marks.body_dates == REFERENCE["body_dates"](tree)
    assert marks.author_elements == REFERENCE["authors"](tree)
    assert marks.itemprop_authors == REFERENCE["itemprop"](tree)
    assert _date_attributes(marks) == [str(v) for v in REFERENCE["date_attributes"](tree)]
    assert marks.dates_after_h1(1000) == REFERENCE["after_h1"](tree)
    assert marks.dates_before_h1(1000) == REFERENCE["before_h1"](tree)
    for h1 in tree.iter("h1"):
        for scope in (h1.getparent(), h1.getparent().getparent()):
            assert marks.dates_within(scope, 1000) == REFERENCE["within"](scope)
