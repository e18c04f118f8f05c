"""Run the extractor over the gold corpus and score it.

``python -m extract.evaluate [CORPUS] [--out FILE]`` finds every article with a
``<slug>.gold.json`` through ``MANIFEST.tsv``, extracts it, writes one JSON record per line to
``--out`` and runs the shared scorer (``tools/eval_extraction.py`` next to the corpus) when it
is there. A multi-page story (gold ``pages``) is extracted page by page and joined with
:func:`extract.core.join_pages`, as the crawler does.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
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
