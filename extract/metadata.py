"""Article metadata read from the parsed page: meta tags, JSON-LD, visible bylines and dates.

Everything works on the one lxml tree built by :mod:`extract.core` (before any pruning) with a
handful of XPath queries and regular expressions, so it costs little next to Trafilatura. The
elements picked by their class or id (dates, bylines) are found in one walk over the document
(:func:`_scan`): XPath ``contains(@class, ...)`` tests over every element cost several times more.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from extract.dates import WEEKDAYS, parse_indonesian_datetime, zone_for, zone_of
from extract.regexes import MAX_LINE, linear
from extract.vocabulary import alternation, load

__all__ = ["Metadata", "read_metadata", "split_authors", "strip_site_name"]

_XP_META = etree.XPath("//meta[@content]")
_XP_LDJSON = etree.XPath("//script[contains(translate(@type,'LDJSON','ldjson'),'ld+json')]")
_XP_TITLE = etree.XPath("//head/title|//title")
_XP_H1 = etree.XPath(
    "//body//h1|//body//*[self::h2 or self::h3][contains(@class,'title') or contains(@class,'headline')]"
)
_XP_LINK = etree.XPath("//link[@rel][@href]")
#: A ``<time>`` or an element whose class or id contains one of these words may hold the date.
_DATE_CLASSES = ("date", "time", "tanggal", "waktu", "publish", "posted", "timestamp", "byline")
_DATE_WORD = re.compile("|".join(_DATE_CLASSES))
#: An element in the body whose class contains one of these words (or whose id contains
#: "author" or "byline") may hold the byline.
_AUTHOR_CLASS_WORD = re.compile("author|byline|reporter|penulis|writer|jurnalis")
_AUTHOR_ID_WORD = re.compile("author|byline")
_XP_TEXT = etree.XPath("//body//text()[not(ancestor::script) and not(ancestor::style)]")

_SEPARATORS = re.compile(r"(?<!\s)\s+(?:[|•·»:]|::|-{1,2}|–|—)\s+")
_SITEISH = re.compile(r"\.(?:com|co|id|net|org|tv|news)\b|\bnews\b|\bonline\b|\bportal\b", re.I)

_PUBLISHED_KEYS = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "dtk:publishdate", "content_publisheddate", "dc.date.issued",
    "sailthru.date", "parsely-pub-date", "date", "article_date_original", "originalpublicationdate",
)  # fmt: skip
_MODIFIED_KEYS = (
    "article:modified_time", "og:article:modified_time", "og:updated_time", "datemodified", "lastmod",
    "last-modified", "dc.date.modified", "updated_time",
)  # fmt: skip

# The words of the byline rules are data: settings/vocabulary/bylines.toml.
_BY = load("bylines")
_LABELS = _BY["labels"]


def _words(key: str, section: str = "labels", joiner: str = r"\s+") -> str:
    return alternation(_BY[section][key], joiner=joiner)


# Over the whole page text: RE2 (linear time), see extract/regexes.py. The page text has one
# text node per line with its whitespace collapsed, so " " and "\n" are the only blanks.
_LABELLED_AUTHOR = linear(
    r"(?:^|\n) ?\(? ?(?:" + _words("writer", joiner=" ") + r"\b ?[:|/]?"
    r"|" + _words("writer_colon", joiner=" ") + r" ?:|" + _words("by", joiner=" ") + r" )"
    r" ?\n? ?[:|]? ?([^\n]{2,100})",
    ignorecase=True,
)
_BARE_BY = re.compile(_words("by") + r"\s+(?![:|])", re.I)
_LAPORAN = linear(_words("report", joiner=" ") + r" [^,\n]{1,40}, ?([^\n]{2,80})", ignorecase=True)
_LABELLED_EDITOR = linear(
    r"(?:^|\n|/) ?[|•·-]? ?(?:"
    + _words("editor", joiner=" ")
    + r"\b ?[:|]?|"
    + _words("editor_colon", joiner=" ")
    + r" ?:)"
    r" ?\n? ?[:|]? ?([^\n/]{2,80})",
    ignorecase=True,
)
_JOURNALIST = linear(
    r"^([^\n/]{3,60}?) ?\n?/? ?(?:" + _words("after_name", joiner=" ") + r")$",
    ignorecase=True,
    multiline=True,
)
_POSTED_BY = re.compile(r"^" + _words("posted") + r"\s*:?\s*", re.I)
_NOT_NAMES = frozenset(w.lower() for w in _BY["names"]["not_names"])
_HEADINGS = frozenset(w.lower() for w in _BY["names"]["headings"])
_ACCOUNTS = frozenset(w.lower() for w in _BY["names"]["accounts"])
_ROLE_TAIL = re.compile(r"(?<!\s)\s+" + _words("role") + r"\s*$", re.I)
AGENCIES = frozenset(w.lower() for w in _BY["names"]["agencies"])
_NAME_CUT = re.compile(
    r"(?<!\s)\s*(?:[|/•·*]|\s-\s|–|—|\bpublished\b|\bdiperbarui\b|\bupdated?\b|\b"
    + _words("editor")
    + r"\b|\bred\s*:|\b"
    + alternation(WEEKDAYS)
    + r"\b,?\s+\d).*$",
    re.I,
)
_NAME_PREFIX = re.compile(r"^(?:" + _words("by") + r"|" + _words("writer") + r")\s*:?\s+", re.I)
_CONTRIBUTOR = re.compile(r"^" + _words("contributor") + r"\b[^,]*,\s*", re.I)
_PHOTO_CREDIT = re.compile(r"^\W*" + _words("photo") + r"\b", re.I)
_SPLIT_NAMES = re.compile(r"(?<!\s)\s*(?:,|;|&|\band\b|\bdan\b|\bund\b|\bet\b)\s*", re.I)
_DIGIT = re.compile(r"\d")
_PARENS = re.compile(r"(?<!\s)\s*\([^()]{0,40}\)")
# Words of a personal name start with a capital; lower-case particles occur inside names.
# "Oleh karena itu, ..." and "By Friday evening, ..." open story sentences, not bylines.
_NAME_PARTICLES = frozenset(w.lower() for w in _BY["names"]["particles"])


def _looks_like_name(part: str) -> bool:
    words = part.split()
    if not words or not (words[0][:1].isupper() or words[0][:1].isdigit()):
        return False
    return all(w[:1].isupper() or w.lower() in _NAME_PARTICLES or not w[:1].isalpha() for w in words)


@dataclass
class Metadata:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    modified: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    image: str | None = None
    canonical_url: str | None = None
    site_name: str | None = None
    html_lang: str | None = None
    #: JSON-LD ``articleBody``: the story of pages that render it client-side
    article_body: str | None = None
    #: the page says it is an article (og:type article, JSON-LD NewsArticle/Article/...)
    declares_article: bool = False


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200e\u200f\ufeff\u00ad\u2060"), None)
_HAS_INVISIBLE = re.compile("[\u200b\u200e\u200f\ufeff\u00ad\u2060]")


def _clean(text: Any) -> str:
    """Whitespace collapsed, invisible characters (zero-width space, soft hyphen...) removed."""
    if not isinstance(text, str):
        return ""
    if not text.isascii() and _HAS_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
    return " ".join(text.split())


def _meta_map(tree: etree._Element) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for el in _XP_META(tree):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        value = _clean(el.get("content"))
        if key and value:
            out.setdefault(key.strip().lower(), []).append(value)
    return out


def _walk_ld(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, list):
        for item in node:
            yield from _walk_ld(item)
    elif isinstance(node, dict):
        yield node
        if "@graph" in node:
            yield from _walk_ld(node["@graph"])
        main = node.get("mainEntity")
        if isinstance(main, (dict, list)):
            yield from _walk_ld(main)


_ARTICLE_TYPES = {
    "newsarticle", "article", "reportagenewsarticle", "blogposting", "analysisnewsarticle",
    "opinionnewsarticle", "backgroundnewsarticle", "webpage", "liveblogposting", "report",
}  # fmt: skip


def _json_ld(tree: etree._Element) -> dict[str, Any]:
    best: dict[str, Any] = {}
    best_rank = 99
    for script in _XP_LDJSON(tree):
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw, strict=False)
        except ValueError:
            try:
                data = json.loads(_CONTROL.sub(" ", raw), strict=False)
            except ValueError:
                continue
        for node in _walk_ld(data):
            types = node.get("@type")
            names = [t.lower() for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]
            for t in names:
                if t in _ARTICLE_TYPES:
                    rank = 1 if t == "webpage" else 0
                    if rank < best_rank:
                        best, best_rank = node, rank
    return best


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        values = meta.get(key)
        if values:
            return values[0]
    return None


def _ld_names(value: Any) -> list[str]:
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict):
            kind = item.get("@type")
            if isinstance(kind, str) and kind.lower() == "organization":
                continue
            if isinstance(item.get("name"), str):
                names.append(item["name"])
    return names


def _ld_str(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id") or value.get("name")
    return _clean(value) or None


def strip_site_name(title: str, site_tokens: Iterable[str]) -> str:
    """Drop leading/trailing segments of a ``<title>`` that name the site ("... - Kompas.com")."""
    tokens = {t.lower() for t in site_tokens if t and len(t) > 2}
    parts = _SEPARATORS.split(title)
    if len(parts) == 1:
        return title.strip()

    def siteish(seg: str) -> bool:
        low = seg.lower()
        squashed = _SQUASH.sub("", low)
        return bool(_SITEISH.search(seg)) or any(t in squashed or t in low for t in tokens)

    while len(parts) > 1 and siteish(parts[-1]):
        parts.pop()
    while len(parts) > 1 and siteish(parts[0]) and len(parts[0].split()) <= 3:
        parts.pop(0)
    if len(parts) == 1:
        return parts[0].strip()
    # keep the original separators of what is left
    joined = title
    first, last = parts[0], parts[-1]
    start = joined.find(first)
    end = joined.rfind(last) + len(last)
    return joined[start:end].strip() if start >= 0 and end > start else " ".join(parts)


def _site_tokens(url: str, site_name: str | None, outlet: str | None) -> list[str]:
    host = (urlsplit(url).hostname or "").lower()
    labels = [
        p for p in host.split(".") if p not in {"www", "com", "co", "id", "net", "org", "or", "go", "ac"}
    ]
    tokens = labels[-1:] if labels else []
    for extra in (site_name, outlet):
        if extra:
            tokens.append(_SQUASH.sub("", extra.lower()))
    return tokens


_TITLE_WORDS = re.compile(r"\w+")


def _word_key(text: str) -> str:
    return " ".join(_TITLE_WORDS.findall(text.casefold()))


def _pick_title(
    tree: etree._Element,
    meta: dict[str, list[str]],
    ld: dict[str, Any],
    url: str,
    site_name: str | None,
    outlet: str | None,
) -> tuple[str | None, etree._Element | None]:
    """The headline (without the site name) and the h1 element that shows it, if any."""
    tokens = _site_tokens(url, site_name, outlet)
    candidates = [
        _first(meta, "og:title", "twitter:title"),
        _ld_str(ld.get("headline")) if ld else None,
    ]
    titles = _XP_TITLE(tree)
    doc_title = _clean(titles[0].text_content()) if titles else ""
    candidates.append(doc_title)
    stripped = [strip_site_name(_clean(c), tokens) for c in candidates if c]
    keys = {s.casefold() for s in stripped}
    full = " ".join(_clean(c) for c in candidates if c).casefold()
    h1s = _XP_H1(tree)
    shown = [(strip_site_name(_clean(h1.text_content()), tokens), h1) for h1 in h1s[:5]]
    shown = [(text, h1) for text, h1 in shown if len(text.split()) >= 2]
    # an exact match first: a blog's name in its h1 is also a substring of "<Blog>: <Post>"
    for text, h1 in shown:
        if text.casefold() in keys:
            return text, h1
    # the same words with other punctuation: the headline as the page shows it wins
    word_keys = {_word_key(k) for k in keys}
    for text, h1 in shown:
        if _word_key(text) in word_keys:
            return text, h1
    full_words = f" {_word_key(full)} "
    for text, h1 in shown:
        if text.casefold() in full or (len(text.split()) >= 3 and f" {_word_key(text)} " in full_words):
            return text, h1
    for s in stripped:
        if s:
            return s, (h1s[0] if h1s else None)
    return (_clean(h1s[0].text_content()) if h1s else None), (h1s[0] if h1s else None)


def _clean_name(raw: str, bad: set[str], *, strict: bool = False) -> list[str]:
    """Names in one byline string; ``strict`` (a bare "by"/"oleh" in running text) also wants the
    shape of a personal name, since such a line may be a story sentence."""
    raw = _clean(raw[:MAX_LINE]).strip(" :|-")
    raw = _POSTED_BY.sub("", raw)
    raw = _CONTRIBUTOR.sub("", raw)
    raw = _NAME_PREFIX.sub("", raw)
    raw = _CONTRIBUTOR.sub("", raw)
    raw = _NAME_CUT.sub("", raw).strip(" :,-|")
    raw = _ROLE_TAIL.sub("", raw)
    raw = _PARENS.sub("", raw)  # "Julia Hitz (eg)": a desk code after the name
    names: list[str] = []
    seen = False
    for part in _SPLIT_NAMES.split(raw):
        part = part.strip(" .:,-|()")
        if not part or _DIGIT.search(part) or "@" in part or ":" in part or "http" in part.lower():
            continue
        if seen and part.isupper() and not any(n.isupper() for n in names):
            break  # "Agence France-Presse, CHARLESTON, ...": a dateline follows the byline
        seen = True
        if all(w.lower() in _NOT_NAMES for w in part.split()) or part.lower() in _HEADINGS:
            continue
        words = part.split()
        # a lower-case single word can be a user name ("admin"); several words must look like a name
        if len(words) > 5 or len(part) < 2 or ((strict or len(words) > 1) and not _looks_like_name(part)):
            continue
        low = _SQUASH.sub("", part.lower())
        if part.lower() in AGENCIES or any(b and (b in low) for b in bad):
            continue
        names.append(part)
    return names


def split_authors(raw: str, bad: Iterable[str] = ()) -> list[str]:
    """Names in one byline string ("Budi dan Agus S", "Kontributor Aceh, Masriadi")."""
    return _clean_name(raw, {b.lower() for b in bad})


@dataclass
class _Marks:
    """The elements the date and byline readers look at, in document order.

    Found by :func:`_scan` in one walk; each method answers what an XPath query over the whole
    document answered before (named in its docstring), element for element.
    """

    #: Date-like elements (``<time>``, class or id with a date word) in the whole document.
    dates: list[etree._Element] = field(default_factory=list)
    #: How many of ``dates`` are before the body, and how many before the body's end.
    body_start: int = 0
    body_end: int = 0
    #: The first ``h1`` in the body, and how many of ``dates`` come before it in document order.
    h1: etree._Element | None = None
    h1_at: int = 0
    #: Byline-like elements in the body (class or id with a byline word).
    author_elements: list[etree._Element] = field(default_factory=list)
    #: ``[@itemprop='author']`` and ``[@rel='author']`` in the whole document.
    itemprop_authors: list[etree._Element] = field(default_factory=list)
    #: Positions (pre-order index, the document's root left out) of both kinds of byline elements.
    byline_positions: list[tuple[int, etree._Element]] = field(default_factory=list)

    def bylines(self) -> list[tuple[int, etree._Element]]:
        """Byline-like and author-markup elements with their positions, in document order."""
        return self.byline_positions

    @property
    def body_dates(self) -> list[etree._Element]:
        """``//body//*[date-like]|//body//time``."""
        return self.dates[self.body_start : self.body_end]

    def dates_within(self, scope: etree._Element, limit: int) -> list[etree._Element]:
        """``scope//*[date-like]``, the first ``limit``."""
        found = []
        for el in self.dates:
            if any(a is scope for a in el.iterancestors()):
                found.append(el)
                if len(found) == limit:
                    break
        return found

    def dates_after_h1(self, limit: int) -> list[etree._Element]:
        """``(//body//h1)[1]/following::*[date-like]``, the first ``limit``."""
        if self.h1 is None:
            return []
        found = []
        for el in self.dates[self.h1_at :]:
            # following:: leaves out the h1 itself and what is inside it
            if el is self.h1 or any(a is self.h1 for a in el.iterancestors()):
                continue
            found.append(el)
            if len(found) == limit:
                break
        return found

    def dates_before_h1(self, limit: int) -> list[etree._Element]:
        """``(//body//h1)[1]/preceding::*[date-like]``, the last ``limit``."""
        if self.h1 is None:
            return []
        # preceding:: leaves out the h1's ancestors. The list keeps their proxies alive, so an id
        # in the set cannot be reused by another element's proxy while it is compared.
        ancestors = list(self.h1.iterancestors())
        ids = set(map(id, ancestors))
        before = [el for el in self.dates[: self.h1_at] if id(el) not in ids]
        return before[-limit:]


def _date_like(el: etree._Element) -> bool:
    if el.tag == "time":
        return True
    cls = el.get("class")
    if cls and _DATE_WORD.search(cls):
        return True
    ident = el.get("id")
    return bool(ident and _DATE_WORD.search(ident))


def _date_attributes(marks: _Marks) -> list[str]:
    """Machine-readable dates in the body, the first 3: ``<time datetime>`` and hAtom's
    ``<abbr class="published" title>``. Both are date-like, so they are among the walk's dates."""
    found = []
    for el in marks.body_dates:
        for name, value in el.attrib.items():
            if (name == "datetime" and el.tag == "time") or (
                name == "title" and "published" in (el.get("class") or "")
            ):
                found.append(str(value))
        if len(found) >= 3:
            break
    return found[:3]


def _author_like(el: etree._Element) -> bool:
    cls = el.get("class")
    if cls and _AUTHOR_CLASS_WORD.search(cls):
        return True
    ident = el.get("id")
    return bool(ident and _AUTHOR_ID_WORD.search(ident))


def _scan(tree: etree._Element) -> _Marks:
    """One walk over the document collecting the date-like and byline-like elements."""
    marks = _Marks()
    root = tree.getroottree().getroot()
    body = root.find("body")
    pos = -1
    for part in root.iterchildren(etree.Element):
        in_body = part is body
        if in_body:
            marks.body_start = len(marks.dates)
        for el in part.iter(etree.Element):
            pos += 1
            if el is body:
                continue
            if in_body and marks.h1 is None and el.tag == "h1":
                marks.h1, marks.h1_at = el, len(marks.dates)
            if _date_like(el):
                marks.dates.append(el)
            byline = False
            if in_body and _author_like(el):
                marks.author_elements.append(el)
                byline = True
            if el.get("itemprop") == "author" or el.get("rel") == "author":
                marks.itemprop_authors.append(el)
                byline = True
            if byline and in_body:
                marks.byline_positions.append((pos, el))
        if in_body:
            marks.body_end = len(marks.dates)
    return marks


_BLANK_RUN = re.compile(r"[^\S\n]+")


def _page_lines(tree: etree._Element) -> str:
    """Visible text nodes, one a line; other blanks collapsed to single spaces."""
    parts = []
    for t in _XP_TEXT(tree):
        s = t.strip()
        if s:
            parts.append(s)
    return _BLANK_RUN.sub(" ", "\n".join(parts))


# "By <a>A</a> and <a>B</a>" comes out as lines "By A" / "and" / "B": a line that is only a
# connector joins the names around it back into one byline
_CONNECTOR_LINE = linear(r"\n(and|dan|&|,)\n", ignorecase=True)


def _dedupe(items: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.casefold()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _is_account(name: str, bad: set[str]) -> bool:
    """A shared site account rather than a person: "admin", "redaksi", the outlet's own name."""
    low = name.lower()
    squashed = _SQUASH.sub("", low)
    return (
        low in _ACCOUNTS
        or (" " not in name and name.islower())
        or any(b and len(b) > 2 and b in squashed for b in bad)
    )


_BLOCK_TAGS = frozenset(
    {"div", "p", "li", "dt", "dd", "br", "h2", "h3", "h4", "h5", "h6", "section", "tr", "td"}
)


def _block_text(el: etree._Element) -> str:
    """An element's text with " | " where blocks meet ("By Tom Ashdown | BBC News, Norfolk"),
    so that a role or a date in a block of its own is cut off like one after a bar."""
    parts: list[str] = []

    def walk(node: etree._Element) -> None:
        block = node.tag in _BLOCK_TAGS
        if block:
            parts.append(" | ")
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in ("script", "style"):
                walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append(" | ")

    walk(el)
    return _clean("".join(parts)).strip(" |")


def _element_names(el: etree._Element, bad: set[str]) -> list[str]:
    """Names in one byline element: its links' texts when they are names (a byline's role and
    date stand outside the link: "<a>Richard Adams</a> Education editor"), else its text."""
    if el.tag == "meta":
        return _clean_name(el.get("content") or "", bad)
    text = _block_text(el)
    if not text or len(text) > 200 or _PHOTO_CREDIT.match(text):
        return []  # a container far bigger than a byline, or a photo credit
    named = _clean_name(text, bad)
    linked = [n for a in el.iter("a") for n in _clean_name(_clean(a.text_content()), bad)]
    # the links are the names when the byline opens with one ("By <a>A</a> and <a>B</a>"), not
    # when they follow it ("Elizabeth Gibney | Search for this author in: <a>PubMed</a>")
    if linked and (not named or named[0].casefold().startswith(linked[0].casefold())):
        return linked
    return named


_XP_POSITION = etree.XPath("count(preceding::*) + count(ancestor::*) - 1")
#: How many elements after the headline its byline may stand (kicker, date, share bar between).
_BYLINE_WINDOW = 150
#: ...and before it (a byline above the headline).
_BYLINE_BEFORE = 25
_NOT_BYLINE_PLACES = frozenset({"form", "figure", "figcaption", "nav", "footer", "label", "button"})


def _in_place(el: etree._Element, places: frozenset[str]) -> bool:
    return any(a.tag in places for a in el.iterancestors())


def _first_byline(group: Iterable[etree._Element], bad: set[str]) -> list[str]:
    """Names of the first byline element that has any, with co-author elements beside it."""
    first: etree._Element | None = None
    names: list[str] = []
    for el in group:
        if el.tag in _NOT_BYLINE_PLACES or _in_place(el, _NOT_BYLINE_PLACES):
            continue
        got = _element_names(el, bad)
        if not got:
            continue
        if first is None:
            first, names = el, got
        elif any(a is first for a in el.iterancestors()):
            continue  # inside the first: its names are already read
        elif el.getparent() is first.getparent():
            names += got  # a co-author's element beside the first
        else:
            break
    return _dedupe(names)


def _header_bylines(marks: _Marks, headline: etree._Element | None, bad: set[str]) -> list[str]:
    """The byline printed with the headline: byline elements just after it (or just before it),
    never those of related stories further down the page."""
    anchor = headline if headline is not None else marks.h1
    if anchor is None:
        return []
    at = int(_XP_POSITION(anchor))
    inside = {id(el) for el in anchor.iter()}
    after, before = [], []
    for pos, el in marks.bylines():
        if id(el) in inside:
            continue
        if at < pos <= at + _BYLINE_WINDOW:
            after.append(el)
        elif at - _BYLINE_BEFORE <= pos < at and not any(a is el for a in anchor.iterancestors()):
            before.append(el)
    return _first_byline(after, bad) or _first_byline(reversed(before), bad)


def _pick_authors(
    marks: _Marks,
    meta: dict[str, list[str]],
    ld: dict[str, Any],
    page_text: str,
    bad: set[str],
    headline: etree._Element | None = None,
) -> list[str]:
    """Byline people: the byline printed with the headline, then labelled bylines in the text
    ("Penulis: X", "Laporan wartawan ..., X", "By X"), JSON-LD persons, author markup, the meta
    author, any byline element. Editors, agencies, the outlet and site accounts are not people;
    only when no person is named anywhere does the visible byline's account or organisation
    stand ("By Wikimedia Foundation")."""
    editors: set[str] = set()
    for m in _LABELLED_EDITOR.finditer(page_text):
        for name in _clean_name(m.group(1), bad):
            editors.add(name.casefold())

    def people(names: Iterable[str]) -> list[str]:
        return [n for n in _dedupe(names) if n.casefold() not in editors and not _is_account(n, bad)]

    # names are read without the site's own words (``bad``); people() then leaves out the outlet
    none: set[str] = set()
    labelled: list[str] = []
    bare: list[str] = []
    for m in _LAPORAN.finditer(page_text[:20000]):
        labelled.extend(_clean_name(m.group(1), none))
    for m in _LABELLED_AUTHOR.finditer(_CONNECTOR_LINE.sub(r" \1 ", page_text)):
        if _BARE_BY.match(m.group(0).lstrip()) is not None:
            if not bare:  # the first "By X" in running text, not every related story's
                bare = _clean_name(m.group(1), none, strict=True)
        else:
            labelled.extend(_clean_name(m.group(1), none))
    journalist: list[str] = []
    m = _JOURNALIST.search(page_text)
    if m:
        journalist = _clean_name(m.group(1), none)
    from_ld = [n for v in (ld.get("author"),) if v for raw in _ld_names(v) for n in _clean_name(raw, none)]
    from_meta = [
        n for raw in meta.get("author", []) + meta.get("article:author", []) for n in _clean_name(raw, none)
    ]
    from_prop = _first_byline(marks.itemprop_authors[:12], none)
    anywhere = _first_byline(marks.author_elements[:40], none)
    header = _header_bylines(marks, headline, none)
    for names in (header, labelled, bare, journalist, from_ld, from_prop, from_meta, anywhere):
        found = people(names)
        if found:
            return found[:6]
    # no person named: the account or organisation the page itself shows as its byline
    for names in (header, labelled, from_prop, anywhere):
        shown = [n for n in _dedupe(names) if n.casefold() not in editors]
        if shown:
            return shown[:2]
    return []


def _zone_for_page(tree: etree._Element, page_text: str, default: tzinfo) -> tzinfo:
    m = _PAGE_ZONE.search(page_text)
    if m:
        zone = zone_of(m.group(0))
        if zone is not None:
            return zone
    return default


def _normalise_zone(dt: datetime, page_zone: tzinfo) -> datetime:
    """Machine dates in UTC are shown in the page's own zone; other explicit offsets are kept."""
    if dt.utcoffset() == timedelta(0) and page_zone.utcoffset(dt.replace(tzinfo=None)) != timedelta(0):
        return dt.astimezone(page_zone)
    return dt


_PAGE_ZONE = linear(r"\d{1,2}[:.]\d{2} ?(?:WITA|WIB|WIT)\b")
_CLOCK = re.compile(r"\d{1,2}[:.]\d{2}")
_EXPLICIT_OFFSET = re.compile(r"[+-]\d{2}:?\d{2}$|Z$")
_SQUASH = re.compile(r"[\s.]")
_CONTROL = re.compile(r"[\x00-\x1f]")


def _has_time(value: str) -> bool:
    return bool(_CLOCK.search(value))


def _pick_date(values: Iterable[str | None], zone_name: str, page_zone: tzinfo) -> str | None:
    fallback: datetime | None = None
    for value in values:
        if not value:
            continue
        dt = parse_indonesian_datetime(value, zone_name)
        if dt is None:
            continue
        if zone_of(value) is None and not _EXPLICIT_OFFSET.search(value.strip()):
            dt = dt.replace(tzinfo=page_zone)
        dt = _normalise_zone(dt, page_zone)
        if _has_time(value):
            return dt.isoformat()
        fallback = fallback or dt
    return fallback.isoformat() if fallback else None


_XP_SHOWN_TEXT = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")


def _near_headline(headline: etree._Element) -> list[str]:
    """Text lines of the elements right after the headline (and of its own block's next ones):
    where a dateline stands even when no class names it ("Oleh: X  Kamis, 5 November 2015 11:52",
    "Dipublikasikan: 26 September 2023 pukul 15.20 WITA")."""
    lines: list[str] = []
    node: etree._Element | None = headline
    for _ in range(2):
        if node is None or node.tag == "body":
            break
        for sib in list(node.itersiblings())[:3]:
            if not isinstance(sib.tag, str) or sib.tag in ("script", "style"):
                continue
            for t in _XP_SHOWN_TEXT(sib)[:40]:
                text = _clean(t)
                if text:
                    lines.append(text)
        if lines:
            break
        node = node.getparent()
    return lines


def _visible_date(
    marks: _Marks, zone_name: str, headline: etree._Element | None
) -> tuple[datetime | None, tzinfo | None]:
    """The date printed with the headline, and the zone it names, if any.

    Looked for first in date-like elements of the headline's own block (its parent), then in the
    text right after the headline whatever its markup, then in date-like elements of the
    grandparent, after the first h1, just before it, then anywhere. A value naming its zone wins
    over one that does not; only values with a clock time count."""
    groups: list[list[etree._Element] | list[str]] = []
    if headline is not None:
        scope = headline.getparent()
        for level in range(2):
            if scope is None or scope.tag == "body":
                break
            groups.append(marks.dates_within(scope, 6))
            if level == 0:
                groups.append(_near_headline(headline))
            scope = scope.getparent()
        groups.append(marks.dates_after_h1(8))
        groups.append(list(reversed(marks.dates_before_h1(4))))
    groups.append(marks.body_dates[:40])
    for group in groups:
        fallback: tuple[datetime | None, tzinfo | None] = (None, None)
        for el in group:
            text = el if isinstance(el, str) else _clean(el.text_content())
            if not 6 <= len(text) <= 200 or not _has_time(text):
                continue
            dt = parse_indonesian_datetime(text, zone_name)
            if dt is None:
                continue
            zone = zone_of(text)
            if zone is not None:
                return dt, zone
            if fallback[0] is None:
                fallback = (dt, None)
        if fallback[0] is not None:
            return fallback
    return None, None


_VISIBLE_DATE = linear(
    r"[^\n]{0,40}\d{1,4}[/ .\n-][^\n]{1,20}\d{2,4}[^\n]{0,6}\d{1,2}[:.]\d{2}[^\n]{0,12}(?:WIB|WITA|WIT)\b"
)


def _with_seconds(visible: datetime, machine: str | None) -> datetime:
    """The printed date with the machine date's seconds, when both name the same minute (pages
    print minutes; the CMS keeps seconds)."""
    if machine is None or visible.second:
        return visible
    exact = datetime.fromisoformat(machine)
    if exact.tzinfo is None:
        return visible
    shown = exact.astimezone(visible.tzinfo)
    if shown.replace(second=0, microsecond=0) == visible.replace(microsecond=0):
        return visible.replace(second=shown.second)
    return visible


_TAGS = load("tags")
_SITEWIDE = frozenset(p.casefold() for p in _TAGS["sitewide"]["phrases"])
_TAG_LABEL = re.compile(r"^\s*" + alternation(_TAGS["sitewide"]["labels"]) + r"\s*:", re.I)
_TAG_PATTERNS = re.compile(
    "|".join(
        "^" + r"\s+".join(".{1,40}" if w == "*" else re.escape(w) for w in p.split()) + "$"
        for p in _TAGS["sitewide"]["patterns"]
    ),
    re.I,
)


def _own_tags(raw: Iterable[str], site_tokens: Iterable[str]) -> list[str]:
    """The article's own tags: not the keywords a site puts on every page ("berita terkini",
    its own name), nor labels that slipped into the keywords ("Editor: Admin")."""
    site = {t for t in site_tokens if len(t) > 2}
    out = []
    for tag in raw:
        tag = _clean(tag)[:200]
        if not tag or _TAG_LABEL.match(tag):
            continue
        key = tag.casefold()
        if key in _SITEWIDE or _TAG_PATTERNS.match(key) or _SQUASH.sub("", key) in site:
            continue
        out.append(tag)
    return _dedupe(out)


def _abs_url(value: str | None, base: str) -> str | None:
    if not value:
        return None
    try:
        full = urljoin(base, value.strip())
    except ValueError:
        return None
    return full if full.startswith(("http://", "https://")) else None


def read_metadata(
    tree: etree._Element, url: str, *, timezone_name: str = "Asia/Jakarta", outlet: str | None = None
) -> tuple[Metadata, str]:
    """Metadata of the page and the visible page text (text nodes joined by newlines)."""
    meta = _meta_map(tree)
    ld = _json_ld(tree)
    page_text = _page_lines(tree)
    marks = _scan(tree)
    site_name = _first(meta, "og:site_name", "application-name", "twitter:site")
    md = Metadata(site_name=site_name)
    md.title, headline = _pick_title(tree, meta, ld, url, site_name, outlet)
    bad = set(_site_tokens(url, site_name, outlet)) | {"redaksi", "tim redaksi"}
    md.authors = _pick_authors(marks, meta, ld, page_text, {b for b in bad if len(b) > 2}, headline)

    default_zone = zone_for(timezone_name)
    page_zone = _zone_for_page(tree, page_text, default_zone)
    visible, visible_zone = _visible_date(marks, timezone_name, headline)
    if visible_zone is not None:
        page_zone = visible_zone
    if visible is None:
        m = _VISIBLE_DATE.search(page_text)
        visible = parse_indonesian_datetime(m.group(0), timezone_name) if m else None
    if visible is not None and zone_of(visible.tzname() or "") is None and visible_zone is None:
        visible = visible.replace(tzinfo=page_zone)
    ld_published = _ld_str(ld.get("datePublished")) if ld else None
    og_published = _first(meta, "article:published_time", "og:article:published_time")
    machine = _pick_date(
        [
            ld_published,
            og_published,
            *(_first(meta, k) for k in _PUBLISHED_KEYS),
            *_date_attributes(marks),
        ],
        timezone_name,
        page_zone,
    )
    agreed = (
        ld_published
        and og_published
        and _pick_date([ld_published], timezone_name, page_zone)
        == _pick_date([og_published], timezone_name, page_zone)
    )
    # Why the printed date usually wins: meta tags are often filled by the CMS with a different
    # clock (UTC labelled as local, the time of the last edit); the reader sees the printed one.
    # Two independent machine sources that agree exactly (JSON-LD and article:published_time) are
    # trusted, as they also carry seconds the display drops. A printed date more than a day away
    # from the machine one was most likely read from another element (a sidebar, a comment).
    if machine and (agreed or visible is None):
        md.published = machine
    elif visible is not None and (
        machine is None or abs(datetime.fromisoformat(machine) - visible) < timedelta(days=1)
    ):
        md.published = _with_seconds(visible, machine).isoformat()
    else:
        md.published = machine
    modified = [_ld_str(ld.get("dateModified")) if ld else None]
    modified += [_first(meta, key) for key in _MODIFIED_KEYS]
    md.modified = _pick_date(modified, timezone_name, page_zone)

    section = _first(meta, "article:section", "og:article:section")
    if not section and ld:
        section = _ld_str(ld.get("articleSection"))
    md.section = section or None

    tags = list(meta.get("article:tag", []))
    if not tags and ld and ld.get("keywords"):
        kw = ld["keywords"]
        tags = [k for k in kw if isinstance(k, str)] if isinstance(kw, list) else str(kw).split(",")
    if not tags:
        raw = _first(meta, "news_keywords", "keywords")
        tags = raw.split(",") if raw else []
    md.tags = _own_tags(tags, _site_tokens(url, site_name, outlet))

    md.description = _first(meta, "og:description", "description", "twitter:description") or (
        _ld_str(ld.get("description")) if ld else None
    )
    md.image = _abs_url(
        _first(meta, "og:image", "og:image:url", "twitter:image", "twitter:image:src")
        or (_ld_str(ld.get("image")) if ld else None),
        url,
    )
    canonical = None
    for link in _XP_LINK(tree):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = link.get("href")
            break
    md.canonical_url = _abs_url(canonical or _first(meta, "og:url"), url)
    body = ld.get("articleBody") if ld else None
    md.article_body = body if isinstance(body, str) and body.strip() else None
    ld_types = ld.get("@type") if ld else None
    ld_names = {
        t.lower() for t in (ld_types if isinstance(ld_types, list) else [ld_types]) if isinstance(t, str)
    }
    md.declares_article = bool(ld_names - {"webpage"}) or (_first(meta, "og:type") or "").lower() == "article"
    root = tree.getroottree().getroot()
    md.html_lang = (root.get("lang") or root.get("xml:lang") or "").split("-")[0].lower() or None
    return md, page_text
