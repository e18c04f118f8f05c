"""Turn one article page into a record: story text (Trafilatura + boilerplate rules) and metadata.

Cost: the HTML is decoded and parsed once with lxml; metadata is read from that tree; the same
tree (pruned) goes to Trafilatura's ``bare_extraction`` with the shared options object. No
Scrapy import: archives can be re-extracted without crawling.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import lxml.html
from lxml import etree
from trafilatura import bare_extraction
from trafilatura.settings import Extractor

from extract.boilerplate import (
    anchor_texts,
    blocks_from_body,
    blocks_from_dump,
    clean_blocks,
    clean_lines,
    normalise,
    page_dump,
    paragraphize,
    prune_tree,
    restore_subheadings,
    subheading_anchors,
)
from extract.hints import OutletHints
from extract.metadata import read_metadata, split_authors
from extract.options import DEFAULT_OPTIONS, ExtractOptions

__all__ = ["RECORD_KEYS", "decode_html", "extract_article", "join_pages", "parse_html"]

RECORD_KEYS = (
    "url", "canonical_url", "outlet", "title", "authors", "published", "modified", "language",
    "section", "tags", "description", "image", "text",
)  # fmt: skip

_PARSER = lxml.html.HTMLParser(
    remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False
)
# Every element lxml hands to Python gets its class from the parser's lookup; lxml.html's default
# one is a Python method (picking form and input subclasses nobody here uses) and ran a million
# times per thousand pages. The same classes from a lookup in C:
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
# What browsers do: a page labelled latin-1/ascii is read as windows-1252.
_ALIASES = {"iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
            "ascii": "cp1252", "iso8859-1": "cp1252"}  # fmt: skip


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    """Decoding error handler: bytes that are not UTF-8 read as windows-1252 (latin-1 for the five
    bytes it leaves undefined), never as U+FFFD. A page labelled UTF-8 whose bytes are cp1252,
    whole or in part (an old story pasted into a UTF-8 template), is common."""
    if not isinstance(err, UnicodeDecodeError):
        raise err
    chunk = err.object[err.start : err.end]
    return "".join(chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in chunk), err.end


_CP1252_UNDEFINED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})
codecs.register_error("kliping-cp1252", _cp1252_fallback)


def decode_html(body: bytes | str, encoding: str | None = None) -> str:
    """Bytes to text. Bytes that are valid UTF-8 are UTF-8, whatever the page or the HTTP header
    declares (a page labelled iso-8859-1 whose bytes are UTF-8 is common); otherwise the HTTP
    charset, then the ``<meta charset>``, then windows-1252. Where UTF-8 is declared (or nothing
    is) but some bytes are not UTF-8, those bytes are read as windows-1252."""
    if isinstance(body, str):
        return body
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", errors="replace")
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return body.decode("utf-16", errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _codec(encoding)
    if declared is None:
        m = _META_CHARSET.search(body[:8192])
        declared = _codec(m.group(1).decode("ascii", "ignore")) if m else None
    if declared in (None, "utf-8"):
        return body.decode("utf-8", errors="kliping-cp1252")
    return body.decode(declared, errors="replace")


def parse_html(text: str) -> lxml.html.HtmlElement | None:
    """Parse once; None when there is no document."""
    text = _XML_DECL.sub("", text, count=1)
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None


@dataclass(frozen=True)
class _Plan:
    extractor: Extractor
    body_xpath: etree.XPath | None
    drop_xpaths: tuple[etree.XPath, ...]


def _css(selector: str) -> etree.XPath | None:
    try:
        from lxml.cssselect import CSSSelector

        return CSSSelector(selector)
    except Exception:
        return None


@lru_cache(maxsize=256)
def prepare(options: ExtractOptions, hints: OutletHints) -> _Plan:
    """Options and outlet hints compiled once (Trafilatura options, CSS selectors as XPath)."""
    drops = tuple(x for x in (_css(s) for s in hints.drop_selectors) if x is not None)
    body = _css(hints.body_selector) if hints.body_selector else None
    return _Plan(options.extractor, body, drops)


def _remove(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)


def _narrow(tree: lxml.html.HtmlElement, selector: etree.XPath) -> lxml.html.HtmlElement:
    found = selector(tree)
    if not found:
        return tree
    root = lxml.html.document_fromstring("<html><head></head><body></body></html>", parser=_PARSER)
    body = root.find("body")
    for el in found[:1]:
        el.tail = None
        body.append(el)  # moves it out of the old tree, which is not used any more
    return root


#: CLD2 still uses a few withdrawn ISO 639-1 codes; records carry the current ones.
_CLD2_CODES = {"jw": "jv", "iw": "he", "in": "id", "ji": "yi"}
#: Enough text for a confident answer; CLD2 reads it in well under a millisecond.
_LANGUAGE_SAMPLE = 5000
#: Languages so close that a detector tells them apart only on long texts (a two-sentence
#: Indonesian news flash often reads as Malay): within a group, the outlet's or page's word wins.
_CLOSE_LANGUAGES = ({"id", "ms"},)


def detect_language(text: str, fallback: str | None) -> str | None:
    """The language of ``text`` by CLD2, or ``fallback`` (the outlet's or the page's own).

    A guess CLD2 itself calls unreliable (a very short text, mixed languages), or one between
    close languages (:data:`_CLOSE_LANGUAGES`), gives way to the fallback when there is one: what
    the outlet or the page states beats a weak guess.
    """
    try:
        import pycld2
    except ImportError:
        return fallback
    sample = text[:_LANGUAGE_SAMPLE]
    try:
        reliable, _, details = pycld2.detect(sample, isPlainText=True)
    except pycld2.error:
        # CLD2 refuses some code points (C0 controls, unpaired surrogates): read the rest.
        sample = "".join(ch for ch in sample if ch.isprintable() or ch in "\n\t")
        try:
            reliable, _, details = pycld2.detect(sample.encode("utf-8", "ignore"), isPlainText=True)
        except pycld2.error:
            return fallback
    code = str(details[0][1]).split("-")[0].lower()
    code = _CLD2_CODES.get(code, code)
    if code in ("un", "xx") or (fallback and not reliable):
        return fallback
    stated = (fallback or "").split("-")[0].lower()
    if any(code in group and stated in group for group in _CLOSE_LANGUAGES):
        return fallback
    return code


def extract_article(
    body: bytes | str,
    url: str,
    *,
    encoding: str | None = None,
    hints: OutletHints | None = None,
    options: ExtractOptions | None = None,
) -> dict[str, Any] | None:
    """Extract one page. ``encoding`` is the HTTP Content-Type charset, if any.

    Returns a record with the keys of :data:`RECORD_KEYS`, or None when the page holds no story
    (an index page, an empty or broken document).
    """
    hints = hints or OutletHints()
    options = options or DEFAULT_OPTIONS
    plan = prepare(options, hints)
    if isinstance(body, bytes) and len(body) > options.max_file_size:
        return None
    tree = parse_html(decode_html(body, encoding))
    if tree is None:
        return None
    md, _page_text = read_metadata(
        tree, url, timezone_name=hints.timezone or options.default_timezone, outlet=hints.name
    )
    if plan.body_xpath is not None:
        tree = _narrow(tree, plan.body_xpath)
    for xp in plan.drop_xpaths:
        for el in xp(tree):
            _remove(el)
    if options.boilerplate_rules:
        prune_tree(tree)
    paragraphize(tree)
    anchors = subheading_anchors(tree) if options.boilerplate_rules else []
    doc = bare_extraction(tree, url=url, options=plan.extractor)
    if doc is None and not md.article_body:
        return None
    body_xml = getattr(doc, "body", None) if doc is not None else None
    dump = page_dump(body_xml)
    # Trafilatura found no story and dumped the page's text: cut it back into lines, with the
    # link lines marked, so that the line rules can read it as they read an extraction
    blocks = blocks_from_dump(dump, anchor_texts(tree)) if dump is not None else blocks_from_body(body_xml)
    credits: list[str] = []
    if options.boilerplate_rules:
        lines = clean_blocks(blocks, md.title, credits, (url, md.canonical_url))
        if not md.authors:
            # a story signed in capitals at its end ("DINI TEJA"); agencies are not authors
            md.authors = [n for c in credits if 2 <= len(c.split()) <= 3 for n in split_authors(c)][:3]
    else:
        lines = [b.text for b in blocks]
    lines = restore_subheadings([normalise(line) for line in lines if normalise(line)], anchors)
    text = "\n".join(lines)
    if md.article_body and (
        (len(text) < options.min_text_chars and len(md.article_body) > len(text))
        or " ".join(text.split()) == normalise(md.article_body)
    ):
        # a client-rendered page: the story is only in JSON-LD articleBody (which Trafilatura's
        # last resort also takes, as one paragraph): its own line breaks are the paragraphs
        body_lines = [normalise(p) for p in md.article_body.splitlines()]
        fallback = (
            clean_lines([p for p in body_lines if p], md.title) if options.boilerplate_rules else body_lines
        )
        text = "\n".join(p for p in fallback if p)
    floor = (
        min(options.min_text_chars, options.min_article_chars)
        if md.declares_article
        else options.min_text_chars
    )
    if len(text) < floor:
        return None
    if options.detect_language:
        language = detect_language(text, hints.language or md.html_lang)
    else:
        language = hints.language or md.html_lang
    return {
        "url": url,
        "canonical_url": md.canonical_url,
        "outlet": hints.name,
        "title": md.title,
        "authors": md.authors,
        "published": md.published,
        "modified": md.modified,
        "language": language,
        "section": md.section,
        "tags": md.tags,
        "description": md.description,
        "image": md.image,
        "text": text,
    }


def join_pages(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One record for a story split over pages: metadata of the first page, text of all pages
    in order (a paragraph repeated on a later page, such as a repeated lead, is kept once)."""
    present = [r for r in records if r]
    if not present:
        raise ValueError("join_pages needs at least one record")
    joined = dict(present[0])
    seen: set[str] = set()
    lines: list[str] = []
    for record in present:
        for line in (record.get("text") or "").split("\n"):
            if not line or line in seen:
                continue
            seen.add(line)
            lines.append(line)
    joined["text"] = "\n".join(lines)
    return joined
