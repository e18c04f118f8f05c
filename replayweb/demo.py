"""``make demo``: crawl a saved corpus offline, through the replay web, and say what its 404s are.

``python -m replayweb.demo --manifest CORPUS/MANIFEST.tsv --output data/demo [--port N] [-- ARGS]``

- The replay web listens on a free loopback port (``--port 0``, the default), or on ``--port N``
  when that port is free: a port another program holds is one line and exit status 2, never a
  crawl through whatever listens there.
- ``kliping crawl`` runs against it (its output and work directory in ``--output``; extra
  arguments after ``--`` are passed on), and its exit status is the demo's.
- The corpus's saved pages link to many pages that were never saved. The replay web answers those
  with 404 and ``X-Replayweb: not-saved``; the demo ends with a note counting them, so the
  ``error: http_404`` and ``articles gone`` lines of the run's summary read as what they are.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from .config import ConfigError
from .server import ReplayWeb


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m replayweb.demo", description=__doc__.split("\n\n")[0])
    p.add_argument("--manifest", required=True, metavar="PATH", help="the corpus's MANIFEST.tsv")
    p.add_argument("--output", default="data/demo", metavar="DIR", help="output and work directory")
    p.add_argument("--port", type=int, default=0, help="port of the replay web (default 0: a free one)")
    p.add_argument("kliping_args", nargs="*", metavar="ARG", help="more arguments for kliping crawl")
    return p


def not_saved(web: ReplayWeb) -> list[str]:
    """URLs the replay web answered 404 because the manifests do not hold them."""
    return [r.url for r in web.requests if r.matched is None and r.status == 404]


def note(missing: list[str], summary: dict[str, object] | None) -> str:
    """What the demo's 404s are, in a few lines."""
    robots = sum(1 for url in missing if urlsplit(url).path == "/robots.txt")
    lines = [
        f"demo: {len(missing)} request(s) asked for pages the corpus never saved; the replay web answered "
        "them 404 (X-Replayweb: not-saved):",
        f"demo: {robots} host robots.txt files (none there: everything allowed, no error),",
    ]
    errors = summary.get("errors") if summary else None
    articles = summary.get("articles") if summary else None
    if isinstance(errors, dict) and isinstance(articles, dict):
        http_404, gone = int(errors.get("http_404", 0)), int(articles.get("gone", 0))
        lines += [
            f"demo: {http_404} links the saved listings and pages point to: the summary's error: http_404;"
            f" {gone} of them",
            "demo:   are article pages, its 'articles gone' (taken down, on the open web), which do not "
            "fail a run,",
            f"demo: {len(missing) - robots - http_404} single-page variants (?page=all) never saved: those "
            "stories were fetched page by page.",
        ]
    return "\n".join(lines)


def latest_summary(output: Path) -> dict[str, object] | None:
    runs = sorted((output / "runs").glob("*/summary.json"), key=lambda p: p.stat().st_mtime)
    if not runs:
        return None
    return dict(json.loads(runs[-1].read_text(encoding="utf-8")))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        web = ReplayWeb([args.manifest], port=args.port)
    except ConfigError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    try:
        web.start()
    except OSError as exc:
        print(
            f"demo: port {args.port} is in use ({exc.strerror or exc}); another program listens there. "
            "Leave DEMO_PORT unset for a free port, or choose another.",
            file=sys.stderr,
        )
        return 2
    output = Path(args.output)
    try:
        print(f"demo: replay web of {len(web)} saved pages on {web.proxy_url}", file=sys.stderr, flush=True)
        command = [
            sys.executable, "-m", "cli", "crawl", "--output", str(output), "--proxy", web.proxy_url,
            "-s", "AUTOTHROTTLE_ENABLED=0", "-s", f"KLIPING_WORKDIR={output}", *args.kliping_args,
        ]  # fmt: skip
        code = subprocess.call(command)
        missing = not_saved(web)
    finally:
        web.stop()
    if missing:
        print(note(missing, latest_summary(output)), file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
