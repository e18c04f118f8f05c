"""Every evaluation suite, kliping beside Trafilatura, in one table (``make eval``).

    python -m extract.sidebyside [--corpus DIR] [--json FILE]

Three extractors on the same bytes:

* ``kliping``: :func:`extract.core.extract_article` as the crawl calls it (no outlet hints unless the
  suite's gold names them);
* ``traf-same``: ``trafilatura.extract`` with kliping's settings (no comments, the same
  precision/recall/tables options as :class:`extract.options.ExtractOptions`), metadata on;
* ``traf-plain``: ``trafilatura.extract`` with its defaults, metadata on.

Suites:

* Trafilatura's real-world expectations (``external/trafilatura-realworld`` beside the corpus), read
  by the shared ``tools/peer_trafilatura_realworld.py`` (its parser; nothing in the test file is
  executed): text expectations ("in" / "not in" the text) and title/author/description
  expectations (authors joined with "; ", as that tool does);
* the shared corpus (``MANIFEST.tsv`` + ``*.gold.json``; split stories joined as the crawl joins
  them), and the held-out directories ``tests/fixtures/pages/heldout*``: token F1, leaked lines,
  missing paragraphs, title/date/authors accuracy (tags where the gold names them), with the
  measures of :func:`extract.evaluate.score` (those of the shared scorer).

The slowest single page kliping extracted, over all suites, is printed too (the issue's bound is 2 s;
measured here and in ``make bench``, never asserted in a test). A suite whose files are absent is
reported as skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import trafilatura
from trafilatura.metadata import extract_metadata

from extract.core import decode_html, extract_article, join_pages, parse_html
from extract.evaluate import REPO_ROOT, default_corpus, hints_of, read_manifest, score, summarise
from extract.hints import OutletHints
from extract.metadata import read_metadata
from extract.options import DEFAULT_OPTIONS, ExtractOptions

__all__ = ["main", "run_all"]

WHO = ("kliping", "traf-same", "traf-plain")
HELDOUT_DIRS = sorted((REPO_ROOT / "tests" / "fixtures" / "pages").glob("heldout*"))

Extractor = Callable[[bytes, str, OutletHints], dict[str, Any] | None]


class Timer:
    """Wall time of each kliping call, to name the slowest page."""

    def __init__(self) -> None:
        self.slowest: tuple[float, str] = (0.0, "")
        self.pages = 0
        self.total = 0.0

    def note(self, seconds: float, what: str) -> None:
        self.pages += 1
        self.total += seconds
        if seconds > self.slowest[0]:
            self.slowest = (seconds, what)


def _traf_record(raw: bytes | str, url: str, **kwargs: Any) -> dict[str, Any] | None:
    out = trafilatura.extract(raw, url=url, output_format="json", with_metadata=True, **kwargs)
    if not out:
        return None
    doc = json.loads(out)
    authors = [a.strip() for a in (doc.get("author") or "").split(";") if a.strip()]
    tags = [t.strip() for t in (doc.get("tags") or "").split(",") if t.strip()]
    return {
        "url": url,
        "title": doc.get("title"),
        "authors": authors,
        "published": doc.get("date"),
        "tags": tags,
        # plain Trafilatura's text output carries the comments after the story: so here
        "text": "\n".join(part for part in (doc.get("text"), doc.get("comments")) if part),
    }


def extractors(options: ExtractOptions, timer: Timer) -> dict[str, Extractor]:
    same = {
        "include_comments": False,
        "favor_precision": options.favor_precision and not options.favor_recall,
        "favor_recall": options.favor_recall,
        "include_tables": options.include_tables,
        "fast": options.fast,
    }

    def kliping(raw: bytes, url: str, hints: OutletHints) -> dict[str, Any] | None:
        start = time.perf_counter()
        record = extract_article(raw, url, hints=hints, options=options)
        timer.note(time.perf_counter() - start, url)
        return record

    def traf_same(raw: bytes, url: str, hints: OutletHints) -> dict[str, Any] | None:
        return _traf_record(raw, url, **same)

    def traf_plain(raw: bytes, url: str, hints: OutletHints) -> dict[str, Any] | None:
        return _traf_record(raw, url)

    return {"kliping": kliping, "traf-same": traf_same, "traf-plain": traf_plain}


# --------------------------------------------------------------------------- gold suites


def corpus_suite(corpus: Path, run: dict[str, Extractor]) -> dict[str, dict[str, Any]]:
    """Summaries per extractor over the gold articles of a corpus with MANIFEST.tsv."""
    rows = read_manifest(corpus)
    by_url = {row["url"]: row for row in rows}
    golds = []
    for row in rows:
        path = corpus / row["path"]
        gold_path = path.with_name(path.name.removesuffix(".html") + ".gold.json")
        if path.name.endswith(".html") and gold_path.exists():
            golds.append((row, json.loads(gold_path.read_text(encoding="utf-8"))))
    out = {}
    for who, fn in run.items():
        results = []
        for row, gold in golds:
            hints = OutletHints(name=row["outlet"])
            pages = []
            for page_url in gold.get("pages") or [row["url"]]:
                page_row = by_url.get(page_url)
                if page_row is not None:
                    record = fn((corpus / page_row["path"]).read_bytes(), page_url, hints)
                    if record is not None:
                        pages.append(record)
            joined = join_pages(pages) if pages else None
            results.append(score(gold, joined))
        out[who] = summarise(results)
    return out


def heldout_suite(directory: Path, run: dict[str, Extractor]) -> dict[str, dict[str, Any]]:
    """Summaries per extractor over a directory of ``<name>.html`` + ``<name>.gold.json``."""
    pairs = []
    for gold_path in sorted(directory.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        page = gold_path.with_name(gold_path.name.removesuffix(".gold.json") + ".html")
        pairs.append((gold, page.read_bytes()))
    return {
        who: summarise([score(gold, fn(raw, gold["url"], hints_of(gold))) for gold, raw in pairs])
        for who, fn in run.items()
    }


# --------------------------------------------------------------------------- Trafilatura's suite


def _load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("peer_trafilatura_realworld", path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def realworld_suite(
    shared: Path, run: dict[str, Extractor], options: ExtractOptions
) -> dict[str, Any] | None:
    """Text and metadata expectations of Trafilatura's real-world tests, per extractor."""
    tool = shared / "tools" / "peer_trafilatura_realworld.py"
    tests = shared / "external" / "trafilatura-realworld" / "realworld_tests.py"
    if not tool.exists() or not tests.exists():
        return None
    peer = _load_module(tool)
    pages, expects, _ = peer.parse_tests(str(tests))
    cache = tests.parent / "cache"
    text_urls = sorted({e.url for e in expects if e.kind in ("in", "not in")})
    meta_urls = sorted({e.url for e in expects if e.kind.startswith("meta")})
    texts: dict[str, dict[str, str | None]] = {who: {} for who in WHO}
    for url in text_urls:
        raw, decoded = peer.load_page(str(cache / pages[url]))
        for who, fn in run.items():
            # Trafilatura reads the page as the test file decodes it; kliping decodes the bytes itself
            record = fn(raw if who == "kliping" else decoded, url, OutletHints())
            texts[who][url] = record["text"] if record else None
    metas: dict[str, dict[str, dict[str, str | None]]] = {"kliping": {}, "trafilatura": {}}
    for url in meta_urls:
        raw, decoded = peer.load_page(str(cache / pages[url]))
        tree = parse_html(decode_html(raw))
        if tree is not None:
            md, _ = read_metadata(tree, url, timezone_name=options.default_timezone)
            metas["kliping"][url] = {
                "title": md.title,
                "author": "; ".join(md.authors) or None,
                "description": md.description,
                "url": md.canonical_url,
            }
        tm = extract_metadata(decoded)
        metas["trafilatura"][url] = {
            "title": tm.title,
            "author": tm.author,
            "description": tm.description,
            "url": tm.url,
        }

    def text_ok(kind: str, value: str, text: str | None) -> bool:
        if kind == "in":
            return text is not None and value in text
        return text is None or value not in text

    def meta_ok(kind: str, value: str, got: str | None) -> bool:
        if not isinstance(got, str):
            return False
        return {
            "meta==": got == value,
            "meta.contains": value in got,
            "meta.endswith": got.endswith(value),
            "meta.startswith": got.startswith(value),
        }.get(kind, False)

    text_exp = [e for e in expects if e.kind in ("in", "not in")]
    meta_exp = [
        e for e in expects if e.kind.startswith("meta") and e.attr in ("title", "author", "description")
    ]
    result: dict[str, Any] = {"text_n": len(text_exp), "meta_n": len(meta_exp), "misses": []}
    for who in WHO:
        result[f"text_{who}"] = sum(text_ok(e.kind, e.value, texts[who].get(e.url)) for e in text_exp)
        source = "kliping" if who == "kliping" else "trafilatura"
        result[f"meta_{who}"] = sum(
            meta_ok(e.kind, e.value, metas[source].get(e.url, {}).get(e.attr)) for e in meta_exp
        )
    for e in text_exp:
        if not text_ok(e.kind, e.value, texts["kliping"].get(e.url)):
            same = text_ok(e.kind, e.value, texts["traf-same"].get(e.url))
            result["misses"].append(f"text {e.kind!r} {e.value[:60]!r} on {e.page} (traf-same: {same})")
    for e in meta_exp:
        got = metas["kliping"].get(e.url, {}).get(e.attr)
        if not meta_ok(e.kind, e.value, got):
            result["misses"].append(f"{e.attr} {e.kind} {e.value[:50]!r}, got {str(got)[:60]!r} on {e.page}")
    return result


# --------------------------------------------------------------------------- the table


def run_all(corpus: Path, options: ExtractOptions = DEFAULT_OPTIONS) -> dict[str, Any]:
    timer = Timer()
    run = extractors(options, timer)
    report: dict[str, Any] = {"suites": {}}
    real = realworld_suite(corpus.parent, run, options)
    if real is not None:
        report["suites"]["trafilatura-realworld"] = real
    if (corpus / "MANIFEST.tsv").exists():
        report["suites"]["corpus"] = corpus_suite(corpus, run)
    for directory in HELDOUT_DIRS:
        report["suites"][directory.name] = heldout_suite(directory, run)
    report["kliping_pages"] = timer.pages
    report["kliping_seconds"] = round(timer.total, 3)
    report["slowest"] = {"seconds": round(timer.slowest[0], 3), "url": timer.slowest[1]}
    return report


_GOLD_ROWS = (
    ("token F1", "token_f1", "{:.4f}"),
    ("leaked lines", "leaked", "{}"),
    ("missing paragraphs", "missing", "{}"),
    ("title", "title_acc", "{:.3f}"),
    ("date (instant and offset)", "date_acc", "{:.3f}"),
    ("authors", "authors_acc", "{:.3f}"),
    ("tags", "tags_acc", "{:.3f}"),
)


def render(report: dict[str, Any]) -> str:
    width = 44
    lines = [f"{'suite / measure':{width}} {'kliping':>12} {'traf-same':>12} {'traf-plain':>12}"]
    lines.append("-" * len(lines[0]))
    for name, suite in report["suites"].items():
        if name == "trafilatura-realworld":
            n, m = suite["text_n"], suite["meta_n"]
            lines.append(
                f"{'trafilatura-realworld: text expectations':{width}}"
                + "".join(f" {str(suite['text_' + w]) + '/' + str(n):>12}" for w in WHO)
            )
            lines.append(
                f"{'trafilatura-realworld: title/author/descr.':{width}}"
                + "".join(f" {str(suite['meta_' + w]) + '/' + str(m):>12}" for w in WHO)
            )
            continue
        articles = suite["kliping"]["articles"]
        for label, key, fmt in _GOLD_ROWS:
            values = [suite[w].get(key) for w in WHO]
            if values[0] is None:
                continue
            cells = "".join(f" {'-' if v is None else fmt.format(v):>12}" for v in values)
            lines.append(f"{name + f' ({articles}): ' + label:{width}}{cells}")
    slow = report["slowest"]
    lines.append("-" * len(lines[0]))
    lines.append(
        f"kliping: {report['kliping_pages']} pages in {report['kliping_seconds']:.1f} s; "
        f"slowest page {slow['seconds']:.3f} s ({slow['url']})"
    )
    misses = report["suites"].get("trafilatura-realworld", {}).get("misses", [])
    if misses:
        # the suite asserts some strings twice (two test functions): each counted, listed once
        counts: dict[str, int] = {}
        for m in misses:
            counts[m] = counts.get(m, 0) + 1
        lines.append(f"kliping's misses on trafilatura-realworld ({len(misses)}):")
        lines += [f"  {m}" + (f" (x{n})" if n > 1 else "") for m, n in counts.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m extract.sidebyside", description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=default_corpus())
    ap.add_argument("--json", type=Path, help="also write the report as JSON here")
    args = ap.parse_args(argv)
    report = run_all(args.corpus)
    print(render(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
