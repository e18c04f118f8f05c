"""Package a run's WARC files into one WACZ (py-wacz), the format ReplayWeb.page and pywb load.

A run's files are found by the ``run-id`` of their ``warcinfo`` record, so several runs can share
one WARC directory. No Scrapy here.

- **Pages.** ``pages/pages.jsonl`` lists every article: for kliping's WARCs, one entry per story
  metadata record (its first page's URL and capture time), titled from the run's text records or
  else the page's own ``<title>``; for other writers' WARCs, every HTML page answered 200. Titles
  are plain text (tags removed, entities decoded, control characters dropped): viewers render them.
- **Revisits.** A run that re-fetched unchanged pages holds ``revisit`` records whose payload is in
  an earlier file. The originals they refer to are copied, record by record, from the other WARC
  files of the directory into one extra WARC inside the WACZ, so it replays on its own
  (``originals=False`` leaves them out: such a WACZ replays revisits only beside the earlier ones).
"""

from __future__ import annotations

import contextlib
import gzip
import html
import io
import json
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord

from archive.reader import HTML_TYPES, read_warcinfo
from archive.stories import STORY_URI_PREFIX, Story


class WaczError(Exception):
    """A WACZ could not be made or is not valid; the message is one line for the user."""


def run_warcs(directory: Path, run_id: str | None = None, pattern: str = "*.warc.gz") -> list[Path]:
    """Closed WARC files of ``directory`` written by run ``run_id`` (by any run when None).

    ``pattern`` narrows the files whose warcinfo is read (start-up recovery knows the writer's
    host and pid, which are in the file name)."""
    files = sorted(directory.glob(pattern)) if directory.is_dir() else []
    if run_id is None:
        return files
    return [path for path in files if read_warcinfo(path).get("run-id") == run_id]


def latest_run_id(directory: Path) -> str | None:
    """The run id of the newest WARC file in ``directory`` (file names sort by time)."""
    for path in reversed(sorted(directory.glob("*.warc.gz"), key=lambda p: p.stat().st_mtime)):
        run = read_warcinfo(path).get("run-id")
        if run:
            return run
    return None


# --- pages ---------------------------------------------------------------------------------------

#: The header line of a WACZ page list (WACZ 1.1.1, pages.jsonl).
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "Pages"}
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def plain_title(text: str, limit: int = 300) -> str:
    """A title as plain text: tags removed, entities decoded, control characters and runs of
    whitespace made one space. Page-derived text reaches viewers (ReplayWeb.page) as it is."""
    text = _CONTROL.sub(" ", html.unescape(_TAGS.sub(" ", text)))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def html_title(body: bytes, charset: str | None) -> str:
    """The page's ``<title>``, read from the start of its body."""
    match = _TITLE.search(body[:65536])
    if match is None:
        return ""
    return plain_title(match.group(1).decode(charset or "utf-8", "replace"))


@dataclass
class _Capture:
    url: str
    date: str
    record_id: str
    title: str = ""


@dataclass
class WarcContents:
    """What :func:`scan_warcs` found: captures of HTML pages, stories, revisits."""

    html_pages: dict[str, _Capture] = field(default_factory=dict)  # by record id, 200s only
    stories: list[Story] = field(default_factory=list)
    #: revisit records: (URI they refer to, payload digest)
    revisits: list[tuple[str, str]] = field(default_factory=list)


def _capture(record: ArcWarcRecord, kind: str, uri: str) -> _Capture | None:
    """An HTML page answered 200, as a response or a revisit of an unchanged page; else None."""
    http, headers = record.http_headers, record.rec_headers
    content_type = http.get_header("Content-Type") or ""
    if http.get_statuscode() != "200" or content_type.split(";")[0].strip().lower() not in HTML_TYPES:
        return None
    # A revisit has no body here: its title comes from the text records.
    body = record.content_stream().read(65536) if kind == "response" else b""
    charset = re.search(r"charset=([\w-]+)", content_type, re.I)
    return _Capture(
        uri,
        str(headers.get_header("WARC-Date") or ""),
        str(headers.get_header("WARC-Record-ID") or ""),
        html_title(body, charset.group(1) if charset else None),
    )


def scan_warcs(paths: Iterable[Path]) -> WarcContents:
    """Read the records :func:`page_list` and :func:`revisit_originals` need, in one pass."""
    found = WarcContents()
    for path in paths:
        with open(path, "rb") as stream:
            for record in ArchiveIterator(stream):
                kind = record.rec_type
                headers = record.rec_headers
                uri = str(headers.get_header("WARC-Target-URI") or "")
                if kind == "metadata" and uri.startswith(STORY_URI_PREFIX):
                    story = Story.from_payload(record.content_stream().read())
                    if story is not None:
                        found.stories.append(story)
                    continue
                if kind not in ("response", "revisit") or record.http_headers is None:
                    continue
                if kind == "revisit":
                    target = str(headers.get_header("WARC-Refers-To-Target-URI") or uri)
                    found.revisits.append((target, str(headers.get_header("WARC-Payload-Digest") or "")))
                capture = _capture(record, kind, uri)
                if capture is not None:
                    found.html_pages[capture.record_id] = capture
    return found


def text_titles(text_dir: Path | None, run_id: str | None) -> dict[str, str]:
    """Titles of the run's text records (JSON lines, gzip or not), by article URL and page URL."""
    titles: dict[str, str] = {}
    if text_dir is None or not text_dir.is_dir():
        return titles
    for path in sorted([*text_dir.rglob("*.jsonl"), *text_dir.rglob("*.jsonl.gz")]):
        if run_id and not path.name.startswith(run_id):
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        try:
            with opener(path, "rt", encoding="utf-8") as stream:
                for line in stream:
                    with contextlib.suppress(ValueError):
                        row = json.loads(line)
                        title = plain_title(str(row.get("title") or ""))
                        if title:
                            for url in [row.get("url"), *(row.get("pages") or [])]:
                                if isinstance(url, str):
                                    titles.setdefault(url, title)
        except (OSError, EOFError):
            continue  # an unreadable batch: those pages keep their HTML title
    return titles


def page_list(contents: WarcContents, titles: dict[str, str]) -> list[dict[str, str]]:
    """The entries of ``pages.jsonl``: one per article (see the module docstring)."""
    pages: list[dict[str, str]] = []
    chosen: list[tuple[Story | None, _Capture]]
    if contents.stories:
        # A story of unchanged pages names its original (in an earlier file): its capture in these
        # files is the revisit of the same URL.
        by_url = {capture.url: capture for capture in contents.html_pages.values()}
        captures = [
            contents.html_pages.get(story.pages[0][1]) or by_url.get(story.pages[0][0])
            for story in contents.stories
        ]
        chosen = [(story, c) for story, c in zip(contents.stories, captures, strict=True) if c is not None]
    else:
        chosen = [(None, c) for c in contents.html_pages.values()]
    seen: set[str] = set()
    for story, capture in chosen:
        if capture.record_id in seen:
            continue
        seen.add(capture.record_id)
        title = (titles.get(story.url or "") if story else "") or titles.get(capture.url) or capture.title
        pages.append(
            {
                "id": capture.record_id.strip("<>").removeprefix("urn:uuid:"),
                "url": capture.url,
                "ts": capture.date,
                "title": title or capture.url,
            }
        )
    return pages


def write_pages(pages: list[dict[str, str]], path: Path) -> Path:
    lines = [json.dumps(PAGES_HEADER), *(json.dumps(page, ensure_ascii=False) for page in pages)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- originals of revisits -----------------------------------------------------------------------


def _cdxj_entries(warc: Path) -> Iterator[tuple[str, str, int, int]]:
    """(url, digest, offset, length) of the responses of ``warc``, from its CDXJ index when it has
    one (kliping writes it beside the file), else by reading the file."""
    index = warc.with_name(warc.name + ".cdxj")
    if index.is_file():
        with open(index, encoding="utf-8") as stream:
            for line in stream:
                _, _, data = line.rstrip("\n").partition(" {")
                with contextlib.suppress(ValueError, KeyError):
                    entry = json.loads("{" + data)
                    if entry.get("mime") != "warc/revisit" and "offset" in entry:
                        yield (
                            entry["url"],
                            entry.get("digest", ""),
                            int(entry["offset"]),
                            int(entry["length"]),
                        )
        return
    with open(warc, "rb") as stream:
        records = ArchiveIterator(stream)
        for record in records:
            if record.rec_type != "response":
                continue
            url = str(record.rec_headers.get_header("WARC-Target-URI") or "")
            digest = str(record.rec_headers.get_header("WARC-Payload-Digest") or "")
            record.content_stream().read()
            yield url, digest, records.get_record_offset(), records.get_record_length()


def _digest_key(digest: str) -> str:
    return digest.split(":", 1)[-1].upper()


@dataclass
class Originals:
    """The original responses a WACZ's revisits need, copied into one WARC file."""

    path: Path | None
    copied: int
    missing: int
    sources: int


def revisit_originals(revisits: list[tuple[str, str]], candidates: Iterable[Path], output: Path) -> Originals:
    """Copy into ``output`` (a .warc.gz) the response records of ``candidates`` that ``revisits``
    refer to (same URI and payload digest); each record is copied as stored, byte for byte."""
    wanted = {(url, _digest_key(digest)) for url, digest in revisits}
    if not wanted:
        return Originals(None, 0, 0, 0)
    found: dict[tuple[str, str], tuple[Path, int, int]] = {}
    for warc in candidates:
        for url, digest, offset, length in _cdxj_entries(warc):
            key = (url, _digest_key(digest))
            if key in wanted and key not in found:
                found[key] = (warc, offset, length)
        if len(found) == len(wanted):
            break
    if not found:
        return Originals(None, 0, len(wanted), 0)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as out:
        for warc, offset, length in sorted(found.values(), key=lambda v: (str(v[0]), v[1])):
            with open(warc, "rb") as source:
                source.seek(offset)
                out.write(source.read(length))
    return Originals(output, len(found), len(wanted) - len(found), len({v[0] for v in found.values()}))


# --- py-wacz --------------------------------------------------------------------------------------


def _run_wacz(args: list[str]) -> tuple[int, str]:
    # Imported here: py-wacz takes a second to import, and run_warcs serves start-up recovery too.
    # cdxj-indexer imports pyamf, which imports the deprecated pkg_resources; the warning is noise.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        from wacz.main import main as wacz_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = wacz_main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return int(code or 0), out.getvalue()


def create_wacz(
    warcs: Iterable[Path], output: Path, *, title: str | None = None, pages: Path | None = None
) -> Path:
    """Write ``output`` (a .wacz) holding ``warcs``, their index and the page list ``pages`` (a
    pages.jsonl file, copied as it is); returns its path."""
    files = [str(p) for p in warcs]
    if not files:
        raise WaczError("no WARC file to package")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".open")
    args = ["create", "-o", str(partial)]
    if pages is not None:
        args += ["--pages", str(pages), "--copy-pages"]
    if title:
        args += ["--title", title]
    code, log = _run_wacz([*args, *files])
    if code != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise WaczError(f"{output}: wacz create failed: {last_line(log)}")
    partial.replace(output)
    return output


def validate_wacz(path: Path) -> None:
    """Raise :class:`WaczError` unless ``wacz validate`` accepts ``path``."""
    code, log = _run_wacz(["validate", "-f", str(path)])
    if code != 0:
        raise WaczError(f"{path}: not a valid WACZ: {last_line(log)}")


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no details"
