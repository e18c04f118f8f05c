"""Run the extractor over gold-labelled pages and score it.

``python -m extract.evaluate [DIR] [--out FILE]`` scores one of two kinds of directory:

* a corpus with ``MANIFEST.tsv`` (the shared corpus): every article with a ``<slug>.gold.json``
  is found through the manifest, extracted, written to ``--out`` and scored by the shared scorer
  (``tools/eval_extraction.py`` next to the corpus) when it is there. A multi-page story (gold
  ``pages``) is extracted page by page and joined with :func:`extract.core.join_pages`, as the
  crawler does;
* a plain directory of ``<name>.html`` + ``<name>.gold.json`` pairs (the held-out pages in
  ``tests/fixtures/pages/heldout/``): a gold file may carry ``hints`` (the outlet config the
  crawler would pass: ``name``, ``timezone``, ``language``). It is scored by :func:`score`, the
  same measures as the shared scorer, so it runs without the corpus.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from extract.core import extract_article, join_pages
from extract.hints import OutletHints
from extract.options import ExtractOptions

REPO_ROOT = Path(__file__).resolve().parent.parent

# Hints the crawler's outlet configs will supply; here only names (every corpus page states its zone).
OUTLET_HINTS: dict[str, OutletHints] = {
    name: OutletHints(name=name)
    for name in (
        "antara", "antaranews", "blogspot", "cnnindonesia", "detik", "jitunews", "kompas", "liputan6",
        "mediapakuan", "okezone", "republika", "tempo", "tempo-english", "thejakartapost", "tribunnews",
        "viva", "wartaekonomi",
    )
}  # fmt: skip


def default_corpus() -> Path:
    env = os.environ.get("KLIPING_CORPUS")
    return Path(env) if env else (REPO_ROOT / ".." / "shared" / "corpus").resolve()


def read_manifest(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def predict(corpus: Path, options: ExtractOptions | None = None) -> list[dict[str, Any]]:
    """Records for every gold article of ``corpus`` (page 1 of a split story joined with the rest)."""
    rows = read_manifest(corpus)
    by_url = {row["url"]: row for row in rows}
    records: list[dict[str, Any]] = []
    for row in rows:
        path = corpus / row["path"]
        gold_path = path.with_name(path.name.removesuffix(".html") + ".gold.json")
        if not path.name.endswith(".html") or not gold_path.exists():
            continue
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        hints = OUTLET_HINTS.get(row["outlet"], OutletHints(name=row["outlet"]))
        page_urls = gold.get("pages") or [row["url"]]
        pages = []
        for page_url in page_urls:
            page_row = by_url.get(page_url)
            if page_row is None:
                continue
            page = extract_article(
                (corpus / page_row["path"]).read_bytes(), page_url, hints=hints, options=options
            )
            if page is not None:
                pages.append(page)
        if pages:
            record = join_pages(pages)
            record["url"] = row["url"]
            record["pages"] = page_urls
            records.append(record)
    return records


# --------------------------------------------------------------------------- scoring
# Same measures as the shared ``tools/eval_extraction.py`` (kept in step with it), so held-out
# pages can be scored where the corpus and its tools are absent.

_WORD = re.compile(r"\w+", re.UNICODE)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ")
    return " ".join(text.split()).casefold()


def _tokens(text: str) -> Counter[str]:
    return Counter(_WORD.findall(_norm(text)))


def _date(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _same_tags(gold: list[str], got: list[str]) -> bool:
    return sorted(_norm(t) for t in gold) == sorted(_norm(t) for t in got)


def score(gold: dict[str, Any], pred: dict[str, Any] | None) -> dict[str, Any]:
    """Token P/R/F1, missing paragraphs, leaked lines and metadata matches of one article."""
    paragraphs = [p for p in gold["text"] if p.strip()]
    gold_text = "\n".join(paragraphs)
    out_text = (pred or {}).get("text") or ""
    g, o = _tokens(gold_text), _tokens(out_text)
    overlap = sum((g & o).values())
    precision = overlap / sum(o.values()) if o else 0.0
    recall = overlap / sum(g.values()) if g else 0.0
    out_norm, gold_norm = _norm(out_text), _norm(gold_text)
    gd, pd = _date(gold.get("published")), _date((pred or {}).get("published"))
    # the same instant to the minute with the same offset (pages print minutes; as the shared scorer)
    date_ok = (gd is None and pd is None) or (
        gd is not None and pd is not None and gd.tzinfo is not None and pd.tzinfo is not None
        and gd.replace(second=0, microsecond=0) == pd.replace(second=0, microsecond=0)
        and gd.utcoffset() == pd.utcoffset()
    )  # fmt: skip
    return {
        "url": gold["url"],
        "found": pred is not None,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "missing": [p for p in paragraphs if _norm(p) not in out_norm],
        "leaked": [line for line in out_text.splitlines() if line.strip() and _norm(line) not in gold_norm],
        "title_ok": bool(pred) and _norm((pred or {}).get("title") or "") == _norm(gold.get("title") or ""),
        "date_ok": date_ok,
        "authors_ok": sorted(_norm(a) for a in gold.get("authors") or [])
        == sorted(_norm(a) for a in (pred or {}).get("authors") or []),
        "language_ok": bool(pred) and (pred or {}).get("language") == gold.get("language"),
        # only where the gold names the article's tags (None: not scored)
        "tags_ok": None if "tags" not in gold else _same_tags(gold["tags"], (pred or {}).get("tags") or []),
        "tp": overlap,
        "n_out": sum(o.values()),
        "n_gold": sum(g.values()),
    }


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Corpus-level scores: micro-averaged token F1, totals, metadata accuracies."""
    tp = sum(r["tp"] for r in results)
    n_out = sum(r["n_out"] for r in results)
    n_gold = sum(r["n_gold"] for r in results)
    p = tp / n_out if n_out else 0.0
    rc = tp / n_gold if n_gold else 0.0
    n = len(results) or 1
    tagged = [r for r in results if r.get("tags_ok") is not None]
    return {
        "articles": len(results),
        "found": sum(r["found"] for r in results),
        "token_f1": 2 * p * rc / (p + rc) if p + rc else 0.0,
        "missing": sum(len(r["missing"]) for r in results),
        "leaked": sum(len(r["leaked"]) for r in results),
        "title_acc": sum(r["title_ok"] for r in results) / n,
        "date_acc": sum(r["date_ok"] for r in results) / n,
        "authors_acc": sum(r["authors_ok"] for r in results) / n,
        "language_acc": sum(r["language_ok"] for r in results) / n,
        "tags_acc": (sum(bool(r["tags_ok"]) for r in tagged) / len(tagged)) if tagged else None,
    }


def hints_of(gold: dict[str, Any]) -> OutletHints:
    """The outlet hints a gold file names (what the crawler reads from the outlet config)."""
    raw = gold.get("hints") or {}
    kwargs = {k: raw[k] for k in ("name", "timezone", "language") if isinstance(raw.get(k), str)}
    kwargs.setdefault("name", gold.get("outlet"))
    return OutletHints(**kwargs)


def predict_pairs(
    directory: Path, options: ExtractOptions | None = None
) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """(gold, record) for every ``<name>.gold.json`` with a ``<name>.html`` in ``directory``."""
    pairs = []
    for gold_path in sorted(directory.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        page = gold_path.with_name(gold_path.name.removesuffix(".gold.json") + ".html")
        record = extract_article(page.read_bytes(), gold["url"], hints=hints_of(gold), options=options)
        pairs.append((gold, record))
    return pairs


def score_dir(
    directory: Path, options: ExtractOptions | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Summary and per-article results over a directory of html + gold pairs."""
    results = [score(gold, record) for gold, record in predict_pairs(directory, options)]
    return summarise(results), results


def _report(summary: dict[str, Any], results: list[dict[str, Any]], show: int) -> str:
    lines = []
    for r in results:
        flags = " ".join(
            f"{k.removesuffix('_ok')}={'ok' if r[k] else 'NO'}"
            for k in ("title_ok", "date_ok", "authors_ok", "language_ok")
        )
        found = "" if r["found"] else "  NOT FOUND"
        lines.append(
            f"{r['f1']:.3f} missing={len(r['missing'])} leaked={len(r['leaked'])} {flags}  {r['url']}{found}"
        )
        lines += [f"    - missing: {p[:110]}" for p in r["missing"][:show]]
        lines += [f"    + leaked:  {p[:110]}" for p in r["leaked"][:show]]
    lines.append(
        "articles={articles} found={found} token_F1={token_f1:.4f} missing_paragraphs={missing} "
        "leaked_lines={leaked} title_acc={title_acc:.3f} date_acc={date_acc:.3f} "
        "authors_acc={authors_acc:.3f} language_acc={language_acc:.3f}".format(**summary)
        + ("" if summary.get("tags_acc") is None else " tags_acc={:.3f}".format(summary["tags_acc"]))
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m extract.evaluate", description=__doc__)
    ap.add_argument("corpus", nargs="?", type=Path, default=default_corpus())
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "kliping-extract-predictions.jsonl",
        help="predictions JSONL to write (default: in the temp directory)",
    )
    ap.add_argument("--show", type=int, default=3, help="missing/leaked lines per article in the report")
    args = ap.parse_args(argv)
    if not (args.corpus / "MANIFEST.tsv").exists() and any(args.corpus.glob("*.gold.json")):
        summary, results = score_dir(args.corpus)
        print(_report(summary, results, args.show))
        return 0
    if not (args.corpus / "MANIFEST.tsv").exists():
        print(f"corpus not found at {args.corpus} (set KLIPING_CORPUS)", file=sys.stderr)
        return 2
    records = predict(args.corpus)
    with args.out.open("w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} records to {args.out}")
    scorer = args.corpus.parent / "tools" / "eval_extraction.py"
    if not scorer.exists():
        print(f"scorer not found at {scorer}; predictions written only")
        return 0
    done = subprocess.run(
        [sys.executable, str(scorer), str(args.corpus), str(args.out), "--show", str(args.show)],
        capture_output=True,
        text=True,
        check=False,
    )
    print(done.stdout, end="")
    if done.returncode:
        print(done.stderr, end="", file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main())
