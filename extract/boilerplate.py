"""General rules that remove in-article boilerplate, mostly of Indonesian news pages.

Trafilatura finds the story container well, but Indonesian outlets put many non-story
lines *inside* it. The rules below are written against the kind of line, never against one
page or outlet, and each has a test in ``tests/extract/test_extract_boilerplate.py`` (generality:
``tests/extract/test_extract_generality.py``).

Two stages, both cheap:

1. :func:`prune_tree` (on the lxml tree, before Trafilatura): removes elements whose class or
   id names a widget (related links, share bars, tags, popular lists, comments, captions, ads,
   pagers) when they are small, plus embedded social posts (tweets, Instagram, TikTok), which
   hold someone else's words rather than the story.
2. :func:`clean_blocks` (on Trafilatura's output blocks): line rules. A *block* is one output
   line with its kind (paragraph, heading, list item...) and whether all its text is link text.

Why each line rule exists:

* ``RELATED`` - "Baca juga", "Simak juga", "Lihat juga", "Berita/Artikel Terkait", "Jangan
  Lewatkan", "Pilihan Editor", "Read also": the label of a related-story link, followed by a
  headline that is not part of the story.
* ``SECTION_LABEL`` - a line that is only "Tags", "Topik", "Terpopuler", "Populer",
  "Rekomendasi", "Komentar"...: the heading of a widget; its items are dropped with it.
* ``CREDIT`` - "Penulis:", "Editor:", "Reporter:", "Redaktur:", "Pewarta:", "Sumber:",
  "Foto:", "Laporan wartawan ...": bylines and credits (authors go to metadata).
* ``EDITOR_CODE`` - "(bgs/rul)", "(dmr)": initials of the desk closing the story.
* ``PROMPT`` - share/follow/WhatsApp/Google News calls to action and comment prompts.
* ``AD`` - "ADVERTISEMENT", "Iklan", "Scroll to continue with content".
* ``PAGER`` - "Halaman 1 2 3", "Halaman: 1/2", "Selanjutnya", "Tampilkan semua", bare numbers.
* ``CAPTION`` - a line ending with a photo credit ("... Foto: Grammy", "(ANTARA/Ahmad)").
* ``DATE_LINE`` - a line that is only the publication date.
* link-only lines - a line whose whole text is one link is a related headline wedged between
  paragraphs (with or without a "Baca juga" label).
* the title repeated as a line, and short all-capitals lines closing the story (agency or
  author credit such as "ANTARA" or "DINI TEJA").

In-story subheadings are plain (non-link) headings or short bold paragraphs and are kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from lxml import etree

from extract.dates import MONTHS, WEEKDAYS, parse_indonesian_datetime
from extract.vocabulary import alternation, load

# The words of every rule below are data: settings/vocabulary/boilerplate.toml.
_BP = load("boilerplate")
_LINES = _BP["lines"]
_SPEECH = _BP["speech"]

__all__ = ["Block", "blocks_from_body", "clean_blocks", "is_boilerplate_line", "paragraphize", "prune_tree"]

# --------------------------------------------------------------------------- DOM stage

_WIDGET = re.compile(
    r"(?:^|[\s_-])" + alternation(_BP["widgets"]["classes"], joiner="[-_]?") + r"(?:$|[\s_-])", re.I
)
_EMBED = re.compile(alternation(_BP["widgets"]["embeds"]), re.I)
# An embedded post the story goes on after is quoted by it ("Dalam unggahannya, ia menulis:"): its
# words are part of the story, its attribution line ("- Name (@handle) date") is not. One that
# closes the story container (nothing after it) is an appendix of someone else's words.
_QUOTED_POST = re.compile(r"twitter-tweet(?!-button)", re.I)
_FOLLOWING_TEXT = 60
_VISIBLE_TEXT = etree.XPath(".//text()[not(ancestor::script) and not(ancestor::style)]")
_PRUNE_MAX_CHARS = 1500
#: Non-link text a widget never holds (deks, captions and promos stay well under it).
_PROSE_CHARS = 500
# A "widget" that holds real paragraphs is the story itself under an unlucky class name: three
# long paragraphs, or two paragraphs with hardly any link text (a short news item inside a
# WordPress post container whose classes name its taxonomy, "tag-banjir category-berita").
# Related boxes, tag lists and share bars are links; a dek or a caption is one paragraph.
_LONG_PARAS = etree.XPath("count(.//p[string-length(normalize-space(.)) >= 100])")
_SOME_PARAS = etree.XPath("count(.//p[string-length(normalize-space(.)) >= 60])")
_LINK_TEXT = etree.XPath(".//a//text()")
_HAS_H1 = etree.XPath("boolean(.//h1)")


def _holds_story(el: etree._Element, text_len: int) -> bool:
    if _LONG_PARAS(el) >= 3 or _HAS_H1(el):
        return True
    link_len = sum(len(t.strip()) for t in _LINK_TEXT(el))
    if link_len * 5 >= text_len:
        return False
    # prose a widget never holds: a dek, a caption or a promo is a sentence or two, a related box
    # or a tag list is links. (A test report's conclusion in a section classed "...--Ads", a
    # short event story in a "summary" div.)
    return text_len - link_len >= _PROSE_CHARS or _SOME_PARAS(el) >= 2


def _story_follows(el: etree._Element) -> bool:
    """Whether story text follows ``el`` in its container (its siblings' or its parent's)."""
    node: etree._Element | None = el
    for _ in range(2):
        if node is None:
            return False
        if len((node.tail or "").strip()) >= _FOLLOWING_TEXT:
            return True
        for sib in node.itersiblings():
            if not isinstance(sib.tag, str) or sib.tag in ("script", "style", "noscript"):
                if len((sib.tail or "").strip()) >= _FOLLOWING_TEXT:
                    return True
                continue
            names = (sib.get("class") or "") + " " + (sib.get("id") or "")
            if _EMBED.search(names) or _WIDGET.search(names):
                continue
            shown = sum(len(t.strip()) for t in _VISIBLE_TEXT(sib))
            if shown + len((sib.tail or "").strip()) >= _FOLLOWING_TEXT:
                return True
        node = node.getparent()
        if node is None or node.tag in ("body", "article", "main"):
            return False
    return False


def _strip_attribution(post: etree._Element) -> None:
    """Keep the paragraphs of an embedded post, not what follows them (author, handle, date)."""
    paras = [c for c in post if c.tag == "p"]
    if not paras:
        return
    last = paras[-1]
    for sib in list(last.itersiblings()):
        post.remove(sib)
    last.tail = None


def _drop(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    tail = el.tail
    if tail and tail.strip():
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(el)


_EMBEDDED, _WIDGET_NAME, _OTHER = 1, 2, 0


@lru_cache(maxsize=8192)
def _name_kind(names: str) -> int:
    """Whether class and id names an embedded post, a widget or neither (names repeat a lot on a
    page and across an outlet's pages, so the answer is kept)."""
    if _EMBED.search(names):
        return _EMBEDDED
    return _WIDGET_NAME if _WIDGET.search(names) else _OTHER


def prune_tree(tree: etree._Element) -> int:
    """Remove small widget elements and social embeds from ``tree`` in place; returns how many."""
    doomed: list[etree._Element] = []
    for el in tree.iter("figcaption", "blockquote", "*"):
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("html", "body", "head", "article", "main"):
            continue
        if el.tag == "figcaption":
            doomed.append(el)
            continue
        names = (el.get("class") or "") + " " + (el.get("id") or "")
        if names == " ":
            continue
        kind = _name_kind(names)
        if kind == _EMBEDDED:
            if _QUOTED_POST.search(names) and _story_follows(el):
                _strip_attribution(el)
            else:
                doomed.append(el)
            continue
        if kind != _WIDGET_NAME:
            continue
        text_len = len("".join(el.itertext()).strip())
        if text_len < _PRUNE_MAX_CHARS and not _holds_story(el, text_len):
            doomed.append(el)
    seen: set[int] = set()
    count = 0
    for el in doomed:
        if id(el) in seen:
            continue
        for sub in el.iter():
            seen.add(id(sub))
        if el.getparent() is not None:
            _drop(el)
            count += 1
    return count


_INLINE = frozenset(
    {"a", "b", "strong", "i", "em", "u", "span", "font", "small", "big", "sup", "sub", "abbr", "cite", "q",
     "mark", "s", "del", "ins", "time", "img", "code", "tt", "label", "wbr"}
)  # fmt: skip
_BLOCKS = frozenset({"div", "p", "table", "ul", "ol", "h2", "h3", "h4", "blockquote", "figure", "section"})
_LOOSE_CONTAINERS = ("div", "span", "td", "article", "section", "font", "center", "main")
_DATELINE = re.compile(r"^[A-Z][\w .,()/'&-]{1,60}?\s*[-–—]+$")


def _wrap_runs(el: etree._Element) -> None:
    """Turn br-separated loose text of ``el`` into <p> elements (block children stay)."""
    new: list[etree._Element] = []
    run_text: str | None = el.text
    run_nodes: list[etree._Element] = []

    def flush() -> None:
        text = (run_text or "") + "".join(
            "".join(n.itertext()) + (n.tail or "") for n in run_nodes if isinstance(n.tag, str)
        )
        if text.strip():
            para = etree.Element("p")
            para.text = run_text
            for node in run_nodes:
                para.append(node)
            new.append(para)

    children = list(el)
    skip_next = False
    for i, child in enumerate(children):
        tag = child.tag if isinstance(child.tag, str) else ""
        if skip_next:
            skip_next = False
            el.remove(child)
            run_text, run_nodes = child.tail, []
            continue
        if tag == "br":
            if _is_double_br(children, i):
                flush()
                skip_next = True
                el.remove(child)
            else:
                run_nodes.append(child)
        elif tag in _INLINE or not tag:
            run_nodes.append(child)
        else:
            flush()
            run_text, run_nodes = child.tail, []
            child.tail = None
            new.append(child)
    flush()
    for child in list(el):
        el.remove(child)
    el.text = None
    el.extend(new)


def _is_double_br(children: list[etree._Element], i: int) -> bool:
    br = children[i]
    return i + 1 < len(children) and children[i + 1].tag == "br" and not (br.tail or "").strip()


def _paragraph_like(div: etree._Element) -> bool:
    return all(isinstance(c.tag, str) and (c.tag in _INLINE or c.tag == "br") for c in div) and bool(
        "".join(div.itertext()).strip()
    )


def _leading_run(el: etree._Element) -> int:
    """Characters of loose text before the first block child, when there is a block child."""
    size = len((el.text or "").strip())
    for child in el:
        if isinstance(child.tag, str) and child.tag in _BLOCKS:
            return size
        size += len("".join(child.itertext()).strip()) + len((child.tail or "").strip())
    return 0


def paragraphize(tree: etree._Element) -> None:
    """Give loose, br-separated story text (old detik, Blogger, ``itemprop=articleBody`` spans)
    real paragraphs, so that no run of it is lost, and join a lone dateline ("Jakarta -") that
    stands before the first paragraph to it."""
    for el in list(tree.iter(*_LOOSE_CONTAINERS)):
        children = list(el)
        if not children:
            continue
        direct = len((el.text or "").strip()) + sum(len((c.tail or "").strip()) for c in children)
        if direct < 80:
            continue
        double_br = any(c.tag == "br" and _is_double_br(children, i) for i, c in enumerate(children))
        if double_br or _leading_run(el) >= 80:
            _wrap_runs(el)
            # sibling divs that hold one run of text each are paragraphs of the same story
            parent = el.getparent()
            if parent is not None:
                for sib in parent:
                    if sib is not el and sib.tag == "div" and _paragraph_like(sib):
                        sib.tag = "p"
    for para in list(tree.iter("p")):
        _join_dateline(para)
    for lst in list(tree.iter("ul", "ol")):
        _unlink_announced_list(lst)


def _unlink_announced_list(lst: etree._Element) -> None:
    """A list of links the story announces ("Berikut daerah yang berstatus siaga:") is story:
    its links become plain text, so that no link-density filter (Trafilatura's or ours) takes it
    for a related-links box. The announcing sentence must be a sentence (five words or more), not
    a widget label ("Baca juga:")."""
    prev = lst.getprevious()
    if prev is None or prev.tag not in ("p", "div") or (lst.getparent() is None):
        return
    intro = normalise("".join(prev.itertext()))
    if not intro.endswith(":") or len(intro.split()) < 5 or is_boilerplate_line(intro):
        return
    items = [li for li in lst if li.tag == "li"]
    if not items or len(items) > 30:
        return
    for li in items:
        for a in list(li.iter("a")):
            a.tag = "span"
            for name in list(a.attrib):
                del a.attrib[name]


def _join_dateline(para: etree._Element) -> None:
    parent = para.getparent()
    if parent is None:
        return
    inline: list[etree._Element] = []
    prev = para.getprevious()
    while prev is not None and isinstance(prev.tag, str) and prev.tag in _INLINE:
        inline.append(prev)
        prev = prev.getprevious()
    if not inline:
        return
    head = (prev.tail if prev is not None else parent.text) or ""
    text = " ".join(
        (head + "".join("".join(n.itertext()) + (n.tail or "") for n in reversed(inline))).split()
    )
    if not text or len(text.split()) > 6 or not _DATELINE.match(text):
        return
    para.text = text + " " + (para.text or "").lstrip()
    for node in inline:
        parent.remove(node)
    if prev is not None:
        prev.tail = None
    else:
        parent.text = None


# --------------------------------------------------------------------------- block stage


@dataclass
class Block:
    """One output line of Trafilatura's body: its text, element kind, link share and group."""

    text: str
    kind: str = "p"  # p | head | item | quote | row
    link_only: bool = False
    group: int = 0  # blocks of the same list or table share a group number
    #: link targets of a link-only line (empty when unknown)
    targets: tuple[str, ...] = ()


_WS = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200e\u200f\ufeff\u00ad\u2060"), None)
# translate() with a dict walks the text in Python-level steps: look for the characters first
_HAS_INVISIBLE = re.compile("[\u200b\u200e\u200f\ufeff\u00ad\u2060]")


def normalise(text: str) -> str:
    """Remove invisible format characters and collapse whitespace (what the gold text does)."""
    if text.isascii():
        return " ".join(text.split())
    if _HAS_INVISIBLE.search(text):
        text = text.translate(_INVISIBLE)
    text = " ".join(text.split())
    # one spelling of each letter (a page may write "ü" as u + combining diaeresis)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


_NESTED_BLOCKS = frozenset({"p", "head", "list", "item", "quote", "div", "table", "row"})


def _pieces(el: etree._Element, ref: str | None, out: list[tuple[str, str | None] | None]) -> None:
    """Text pieces in order, each with the target of the link it is in (None: not a link)."""
    here = (el.get("target") or "#") if el.tag == "ref" else ref
    if el.tag == "lb":
        out.append(None)
    elif el.text:
        out.append((el.text, here))
    for child in el:
        if not isinstance(child.tag, str):
            if child.tail:
                out.append((child.tail, here))
            continue
        nested = child.tag in _NESTED_BLOCKS
        if nested:
            out.append(None)
        _pieces(child, here, out)
        if nested:
            out.append(None)
        if child.tail:
            out.append((child.tail, here))


def _lines(el: etree._Element) -> list[tuple[str, bool, tuple[str, ...]]]:
    """(text, link-only, link targets) of each line of ``el``."""
    pieces: list[tuple[str, str | None] | None] = []
    _pieces(el, None, pieces)
    lines: list[tuple[str, bool, tuple[str, ...]]] = []
    text: list[str] = []
    plain: list[str] = []
    targets: list[str] = []
    link_chars = total = 0

    def flush() -> None:
        line = normalise("".join(text))
        if not line:
            return
        link_only = link_chars > 0 and link_chars >= 0.9 * total
        if link_chars and not link_only:
            # "Kamis, 05/11/2015 10:08 WIB <a>headline</a>": a dated headline is a link line too
            rest = normalise("".join(plain))
            link_only = _is_date_line(rest)
        lines.append((line, link_only, tuple(targets) if link_only else ()))

    for piece in pieces:
        if piece is None:
            flush()
            text, plain, targets, link_chars, total = [], [], [], 0, 0
            continue
        chunk, target = piece
        text.append(chunk)
        # letters and digits only: "Blog ·" between footer links is still a link line
        n = len(_NON_WORD.sub("", chunk))
        total += n
        if target is not None:
            link_chars += n
            if n and target not in targets:
                targets.append(target)
        else:
            plain.append(chunk)
    flush()
    return lines


_NON_WORD = re.compile(r"\W+")


def _cell_text(cell: etree._Element) -> str:
    """A table cell's text; its line breaks (``<br>``) become spaces, never glue words."""
    return normalise(" ".join(line for line, _, _ in _lines(cell)))


_CELL_BLOCKS = frozenset({"p", "head", "list", "quote", "table"})


def _layout_table(table: etree._Element) -> bool:
    """A table used for layout (a cell holding paragraphs of text), not one of data. (Trafilatura
    also turns a data cell's ``<br>`` into ``<p>``: so the cell's length decides.)"""
    return any(
        any(child.tag in _CELL_BLOCKS for child in cell) and len("".join(cell.itertext())) >= _LAYOUT_CELL
        for cell in table.iter("cell")
    )


_LAYOUT_CELL = 200


def page_dump(body: etree._Element | None) -> str | None:
    """The text of Trafilatura's last resort, a dump of the whole page (one paragraph of
    newline-separated text nodes), or None when ``body`` is a real extraction."""
    if body is None or len(body) != 1:
        return None
    only = body[0]
    if only.tag != "p" or len(only) or "\n" not in (only.text or ""):
        return None
    return only.text


def blocks_from_dump(text: str, anchors: dict[str, str]) -> list[Block]:
    """One block per line of a page dump; a line that is the whole text of a link of the page
    (``anchors``: normalised link text -> target) is a link line, as in a real extraction."""
    blocks = []
    for line in text.split("\n"):
        line = normalise(line)
        if line:
            target = anchors.get(line)
            blocks.append(Block(line, "p", target is not None, 0, (target,) if target else ()))
    return blocks


def anchor_texts(tree: etree._Element) -> dict[str, str]:
    """Normalised text -> href of the page's links (for :func:`blocks_from_dump`)."""
    out: dict[str, str] = {}
    for a in _XP_ANCHORS(tree):
        text = normalise("".join(a.itertext()))
        if text:
            out.setdefault(text, a.get("href") or "#")
    return out


_XP_ANCHORS = etree.XPath("//a[@href]")


def blocks_from_body(body: etree._Element | None) -> list[Block]:
    """Turn Trafilatura's ``Document.body`` (XML with p/head/list/quote/table) into blocks."""
    blocks: list[Block] = []
    if body is None:
        return blocks
    group = 0
    for el in body:
        if not isinstance(el.tag, str):
            continue
        group += 1
        if el.tag == "list":
            for item in el.iter("item"):
                blocks.extend(Block(t, "item", link, group, to) for t, link, to in _lines(item))
        elif el.tag == "table" and _layout_table(el):
            # a page laid out in a table: each cell's lines are lines of their own
            for cell in el.iter("cell"):
                group += 1
                blocks.extend(Block(t, "p", link, group, to) for t, link, to in _lines(cell))
        elif el.tag == "table":
            for row in el.iter("row"):
                cells = [_cell_text(c) for c in row.iter("cell")]
                line = normalise(" ".join(c for c in cells if c))
                if line:
                    blocks.append(Block(line, "row", False, group))
        elif el.tag == "graphic":
            continue
        else:
            kind = "head" if el.tag == "head" else "quote" if el.tag == "quote" else "p"
            blocks.extend(Block(t, kind, link, group, to) for t, link, to in _lines(el))
    return blocks


_RELATED = re.compile(
    r"^\W*(?:" + alternation(_LINES["related"]) + r"|" + alternation(_LINES["related_colon"]) + r"\s*:)\b",
    re.I,
)
_SECTION_LABEL = re.compile(
    r"^\W*" + alternation(_LINES["section_labels"]) + r"\W*(?:\s*[:|»>].*)?$",
    re.I,
)
_CREDIT = re.compile(
    r"^\W*" + alternation(_LINES["credit_labels"]) + r"\s*[:|/]"
    r"|^\W*" + alternation(_LINES["credit_by"]) + r"\s+(?-i:[A-Z])"
    r"|^\W*" + alternation(_LINES["credit_report"]) + r"\b",
    re.I,
)
# "Oleh Budi Santoso", "By Jane Doe and John Roe": names, not "By Sunday evening, all clear."
_BYLINE_SHORT = re.compile(
    r"^(?i:oleh|by)\s+(?:[A-Z][\w.'-]*|(?i:and|dan|&|bin|binti|van|de|al))(?:,?\s+(?:[A-Z][\w.'-]*|(?i:and|dan|&|bin|binti|van|de|al))){0,5}$"
)
# desk codes: "(bgs/rul)", "(mcr38/jpnn)", "[dan]"; square brackets are the same convention
_EDITOR_CODE_LINE = re.compile(
    r"^(?:\(\s*[a-z]{1,6}\d{0,3}(?:\s*/\s*[a-z]{1,6}\d{0,3})*\s*\)|\[\s*[a-z]{1,6}\d{0,3}(?:\s*/\s*[a-z]{1,6}\d{0,3})*\s*\])\W*$",
    re.I,
)
_EDITOR_CODE_TAIL_SLASH = re.compile(
    r"(?<!\s)\s*[(\[]\s*[A-Za-z]{1,6}\d{0,3}(?:\s*/\s*[A-Za-z]{1,6}\d{0,3})+\s*[)\]]\W*$"
)
_EDITOR_CODE_TAIL_LOWER = re.compile(r"(?<!\s)\s*\(\s*[a-z]{2,5}\s*\)\s*$")
_COPYRIGHT = re.compile(r"^\W*" + alternation(_LINES["copyright"]) + r"|all\s+rights\s+reserved", re.I)
_PLATFORM = re.compile(r"\b" + alternation(_LINES["platforms"]) + r"\b", re.I)
# a call to action opens the line, or is unmistakable wherever it stands
_CALL = re.compile(
    r"^\W*" + alternation(_LINES["calls"]) + r"\b"
    # "silakan" is a call only when it asks the reader to contact or follow ("silakan WhatsApp ke
    # nomor ..."), not in a story's advice ("... dan silakan memeriksa legalitasnya")
    r"|\b"
    + alternation(_LINES["please"])
    + r"\s+(?:\S+\s+){0,2}?"
    + alternation(_LINES["please_objects"])
    + r"\b"
    r"|\b" + alternation(_LINES["calls_anywhere"]) + r"\b",
    re.I,
)
_PROMPT = re.compile(
    r"^\W*(?:" + alternation(_LINES["prompts"]) + r"|" + alternation(_LINES["prompts_colon"]) + r"\s*:)\b",
    re.I,
)
# widget words that are boilerplate only when they are the whole line
_PROMPT_LINE = re.compile(r"^\W*" + alternation(_LINES["prompt_lines"]) + r"\W*$", re.I)
_AD = re.compile(r"^\W*" + alternation(_LINES["ads"]) + r"\W*$", re.I)
_PAGER = re.compile(
    r"^\W*(?:"
    + alternation(_LINES["pager_labels"])
    + r"\s*:?\s*(?:\d+\s*(?:/|dari|of)\s*\d+)?(?:[\s|»«><.-]*\d+)*"
    r"|" + alternation(_LINES["pager_words"]) + r")\W*$",
    re.I,
)
_CAPTION = re.compile(
    r"(?:\b" + alternation(_LINES["caption_labels"]) + r"\s*:\s*"
    r"[^!?]{1,60}|\(" + alternation(_LINES["caption_paren"]) + r"\s*:?[^()]{0,60}\)"
    r"|(?-i:\([A-Z][\w.' -]{2,40}/\s*\w[^()/]{0,40}\))"
    # "... REUTERS/Willy Kurniawan", "... KONTAN/Baihaki", "... - Bisnis/Arief", "[Site.id/Rina]"
    r"|(?-i:(?:^|\s[-–—]\s*|[.\[]\s*|\s)(?:(?:Foto|FOTO|Photo)\s*:?\s*)?[A-Z][\w.&]{1,24}(?:\s[A-Z][\w.&]*){0,2}"
    r"/\s*[A-Z][\w.' -]{1,40}\]?))\s*$"
    # screen-reader labels of images: "Image source, Getty Images", "Image caption, ..."
    r"|^\W*" + alternation(_LINES["image_labels"]) + r"\s*[,:]",
    re.I,
)
# Reported speech or a quotation marks a story sentence: no call-to-action, caption or credit
# rule may remove such a line ("... kata Sabdo", "farmers' groups told members on Facebook").
_PROSE = re.compile(
    r"[\"“”]|\b" + alternation(_SPEECH["verbs"]) + r"\b"
    # "kata" is also the noun "word" ("ketik kata kunci"): reported speech only before a speaker
    r"|\b"
    + alternation(_SPEECH["before_speaker"])
    + r"\s+(?:"
    + alternation(_SPEECH["speakers"])
    + r"|(?-i:[A-Z]))",
    re.I,
)
_NO_LETTERS = re.compile(r"^[\W\d_]*$")
_WEEKDAY = re.compile(r"\b" + alternation(WEEKDAYS) + r"\b", re.I)
_DATE_TOKENS = re.compile(r"\d+|\b" + alternation(_BP["dates"]["line_words"]) + r"\b", re.I)
_TIMEISH = re.compile(r"\d{1,2}[:.]\d{2}")
_READ_MORE_TAIL = re.compile(
    r"(?<!\s)\s*(?:" + alternation(_LINES["read_more_tail"]) + r"|selengkapnya\s+baca\s+di\b.*)\W*$", re.I
)
_WORD = re.compile(r"\w+")
_TERMINAL = re.compile(r"[.!?\"'”’)]$")


def _is_date_line(text: str) -> bool:
    words = _WORD.findall(text)
    if len(words) > 10:
        return False
    if not (_TIMEISH.search(text) or _WEEKDAY.search(text)):
        return False
    if parse_indonesian_datetime(text, "Asia/Jakarta") is None:
        return False
    rest = _WEEKDAY.sub(" ", _DATE_TOKENS.sub(" ", text))
    leftover = [w for w in _WORD.findall(rest) if w.lower() not in MONTHS]
    return len(leftover) <= 2


# a line naming only platforms ("Google News", "Facebook Twitter WhatsApp"): follow/share links
_PLATFORM_ONLY = re.compile(
    r"^\W*"
    + alternation(_LINES["platform_names"])
    + r"(?:\W+"
    + alternation(_LINES["platform_names"])
    + r")*\W*$",
    re.I,
)
# the attribution of an embedded post: "— Kementerian PUPR (@KemenPU) February 12, 2024"
_POST_ATTRIBUTION = re.compile(r"^[—–-]\s*[^()]{1,80}\(@\w{1,30}\)[^()]{0,40}$")


#: The longest line (in words) any line rule below can remove.
_LONGEST_RULE_LINE = 50


def is_boilerplate_line(text: str) -> bool:
    """True when one line (taken alone) is boilerplate by the rules above. Never raises."""
    try:
        line = normalise(text.replace("|", " "))
    except Exception:
        return False
    if not line:
        return True
    n_words = line.count(" ") + 1
    if _NO_LETTERS.match(line):
        return True
    if n_words > _LONGEST_RULE_LINE:
        return False  # every rule below is for lines shorter than this: a story paragraph
    if _RELATED.match(line):
        return n_words <= 40
    if _SECTION_LABEL.match(line) and n_words <= 30:
        return True
    prose = n_words > 8 and bool(_PROSE.search(line))
    if _CREDIT.match(line) and n_words <= 25 and not prose:
        return True
    if _BYLINE_SHORT.match(line):
        return True
    if _EDITOR_CODE_LINE.match(line) or _POST_ATTRIBUTION.match(line) or _PLATFORM_ONLY.match(line):
        return True
    if _COPYRIGHT.search(line) and n_words <= 30:
        return True
    if _AD.match(line) or _PAGER.match(line):
        return True
    if (_PROMPT.match(line) and n_words <= 40 and not prose) or _PROMPT_LINE.match(line):
        return True
    if n_words <= 40 and not prose and _PLATFORM.search(line) and _CALL.search(line):
        return True
    if n_words <= 50 and not prose and _CAPTION.search(line):
        return True
    return _is_date_line(line)


_CREDIT_TAIL = re.compile(
    r"(?<=[.!?\"”’)])\s+" + alternation(_LINES["credit_tail"]) + r"\s*:\s*[^.!?]{2,120}$", re.I
)


def _strip_tail_codes(text: str, *, last: bool) -> str:
    text = _CREDIT_TAIL.sub("", text)
    text = _READ_MORE_TAIL.sub("", text)
    text = _EDITOR_CODE_TAIL_SLASH.sub("", text)
    if last:
        text = _EDITOR_CODE_TAIL_LOWER.sub("", text)
    return text.strip()


def _is_caps_credit(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return (
        bool(letters)
        and len(text.split()) <= 4
        and all(c.isupper() for c in letters)
        and not _TERMINAL.search(text)
    )


_SECOND_LEVEL = frozenset(
    {"co", "or", "ac", "go", "web", "my", "sch", "com", "net", "org", "gov", "edu", "ne"}
)


def site_key(url: str | None) -> str | None:
    """The registered domain of ``url`` (``news.detik.com`` -> ``detik.com``, ``x.co.id`` kept whole)."""
    if not url:
        return None
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return None
    labels = host.removeprefix("www.").split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:]) or None


def _links_within(targets: Sequence[str], sites: set[str]) -> bool:
    """Whether a link-only line points at pages of the same site (a related headline does); a
    line linking elsewhere (a source, an e-mail address, an event page) is story."""
    if not targets or not sites:
        return True
    for target in targets:
        if target.startswith(("mailto:", "tel:")):
            return False
        parts = urlsplit(target) if "://" in target[:12] else None
        if parts is not None and parts.hostname and site_key(target) not in sites:
            return False
    return True


def clean_blocks(
    blocks: Sequence[Block],
    title: str | None = None,
    credits: list[str] | None = None,
    urls: Sequence[str | None] = (),
) -> list[str]:
    """Apply the line rules to Trafilatura's blocks; the story paragraphs that remain.

    ``urls`` (the page's own: fetched, canonical) tell links within the site from links
    elsewhere. Short capitalised credit lines removed from the end of the story are appended to
    ``credits`` when a list is given (some outlets sign stories that way)."""
    sites = {key for key in map(site_key, urls) if key}
    title_key = normalise(title).casefold() if title else None
    if title_key:
        # the headline block was taken along: it and whatever precedes it (kicker, date, breadcrumb)
        # are page header, not story
        for i, block in enumerate(blocks[:6]):
            if normalise(block.text).casefold() == title_key:
                blocks = blocks[i + 1 :]
                break
    kept: list[Block] = []
    dropped_groups: set[int] = set()
    # lists the story announces ("Berikut daerah yang berstatus siaga:"): their items are story
    # even when every one is a link
    announced: set[int] = set()
    # three or more link-only lines in a row are a menu or a link list, wherever they point
    runs = [0] * len(blocks)
    for i in range(len(blocks) - 1, -1, -1):
        if blocks[i].link_only:
            runs[i] = 1 + (runs[i + 1] if i + 1 < len(blocks) else 0)
    in_run = [False] * len(blocks)
    for i, n in enumerate(runs):
        if n >= 3 and (i == 0 or not blocks[i - 1].link_only):
            for j in range(i, i + n):
                in_run[j] = True
    for i, block in enumerate(blocks):
        text = block.text
        if block.group in dropped_groups and block.kind in ("item", "row"):
            continue
        if (
            block.link_only
            and len(text.split()) <= 30
            and not (block.kind == "item" and block.group in announced)
            and (in_run[i] or _links_within(block.targets, sites))
        ):
            continue
        if title_key and normalise(text).casefold() == title_key:
            continue
        if is_boilerplate_line(text):
            # a widget label ("Baca Juga", "Tags") takes the list that follows it along
            if block.kind not in ("item", "row") and i + 1 < len(blocks):
                nxt = blocks[i + 1]
                if nxt.kind in ("item", "row") and nxt.group != block.group:
                    dropped_groups.add(nxt.group)
            continue
        if block.kind not in ("item", "row") and text.endswith(":") and i + 1 < len(blocks):
            nxt = blocks[i + 1]
            if nxt.kind == "item" and nxt.group != block.group:
                announced.add(nxt.group)
        kept.append(block)
    lines = [b.text for b in kept]
    # editor codes and "baca selengkapnya" glued to the end of a paragraph
    lines = [_strip_tail_codes(t, last=(i == len(lines) - 1)) for i, t in enumerate(lines)]
    lines = [t for t in lines if t and not is_boilerplate_line(t)]
    # agency or author credit in capitals closing the story ("ANTARA", "DINI TEJA")
    while len(lines) > 1 and _is_caps_credit(lines[-1]):
        credit = lines.pop()
        if credits is not None:
            credits.append(credit)
    return lines


def clean_lines(lines: Iterable[str], title: str | None = None) -> list[str]:
    """Line rules on plain text lines (no link information)."""
    return clean_blocks([Block(normalise(t)) for t in lines if normalise(t)], title)


# --------------------------------------------------------------------------- subheadings


def subheading_anchors(tree: etree._Element) -> list[tuple[str, str, str]]:
    """In-story subheadings: (heading, paragraph before, paragraph after) for every h2-h4 that
    stands between two paragraphs and is not a link. Trafilatura sometimes drops such headings;
    :func:`restore_subheadings` puts them back between the same two paragraphs."""
    anchors = []
    for head in tree.iter("h2", "h3", "h4"):
        prev, nxt = head.getprevious(), head.getnext()
        if prev is None or nxt is None or prev.tag != "p" or nxt.tag != "p":
            continue
        text = normalise("".join(head.itertext()))
        if not text or len(text.split()) > 20 or any(True for _ in head.iter("a")):
            continue
        anchors.append((text, normalise("".join(prev.itertext())), normalise("".join(nxt.itertext()))))
    return anchors


def restore_subheadings(lines: list[str], anchors: Sequence[tuple[str, str, str]]) -> list[str]:
    """Insert each missing anchored subheading between its two (kept) paragraphs."""
    if not anchors or len(lines) < 2:
        return lines
    present = set(lines)
    out = list(lines)
    for text, before, after in anchors:
        if text in present or is_boilerplate_line(text):
            continue
        for i in range(len(out) - 1):
            if out[i] == before and out[i + 1] == after:
                out.insert(i + 1, text)
                present.add(text)
                break
    return out
