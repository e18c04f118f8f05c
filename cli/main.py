"""``kliping``: crawl outlets, scrape a URL list, re-extract WARC files.

Exit codes: 0 done; 1 the run had failures (an outlet unreachable, URLs that could not be
fetched); 2 bad input (a bad URL line, a missing file, an unknown outlet, a bad setting).
"""

from __future__ import annotations

import argparse
import glob
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 70


class BadInput(Exception):
    """Input the command cannot use; the message is the one line shown to the user."""


def _setting_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        type=_setting_pair,
        default=[],
        metavar="NAME=VALUE",
        help="override any Scrapy or KLIPING_* setting (repeatable)",
    )
    common.add_argument("--debug", action="store_true", help="show tracebacks and Scrapy's debug log")
    common.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's INFO log")

    crawling = argparse.ArgumentParser(add_help=False)
    crawling.add_argument(
        "--output", metavar="DIR|URI", help="output root (default: data, or KLIPING_OUTPUT)"
    )
    crawling.add_argument("--proxy", metavar="URL", help="send every request through this forward proxy")

    parser = argparse.ArgumentParser(
        prog="kliping", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    crawl = sub.add_parser(
        "crawl",
        parents=[common, crawling],
        help="crawl outlets for new articles",
        description="Crawl the named outlets (all when none is named) for new articles.",
    )
    crawl.add_argument("outlets", nargs="*", metavar="OUTLET")
    crawl.add_argument(
        "--since", metavar="YYYY-MM-DD", help="skip articles listed as published before this date"
    )
    crawl.add_argument("--max-articles", metavar="N", help="fetch at most N articles per outlet")

    scrape = sub.add_parser(
        "scrape",
        parents=[common, crawling],
        help="fetch a file of URLs",
        description="Fetch every URL of FILE (one per line; blank lines and # comments "
        "allowed) into WARC and text records.",
    )
    scrape.add_argument("file", metavar="FILE")

    extract = sub.add_parser(
        "extract",
        parents=[common],
        help="re-extract articles from WARC files",
        description="Re-extract article records from WARC files, with no network.",
    )
    extract.add_argument("warcs", nargs="+", metavar="WARC", help="WARC files or globs")
    extract.add_argument(
        "--output", "-o", required=True, metavar="OUT.jsonl", help="JSON lines file to write"
    )
    extract.add_argument("--workers", type=int, default=0, help="worker processes (default: one per core)")
    return parser


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = dict(args.settings)
    if getattr(args, "output", None) and args.command != "extract":
        overrides["KLIPING_OUTPUT"] = args.output
    if getattr(args, "proxy", None):
        overrides["KLIPING_PROXY"] = args.proxy
    level = "DEBUG" if args.debug else "INFO" if args.verbose else "WARNING"
    overrides.setdefault("LOG_LEVEL", level)
    return overrides


def cmd_crawl(args: argparse.Namespace) -> int:
    from cli.runner import project_settings, run_spider
    from settings.outlets import load_outlets
    from spiders.params import OutletSpiderParams, parse_params

    settings = project_settings(_overrides(args))
    spider_args: dict[str, Any] = {"outlet": ",".join(args.outlets)}
    if args.since:
        spider_args["since"] = args.since
    if args.max_articles:
        spider_args["max_articles"] = args.max_articles
    parse_params(OutletSpiderParams, spider_args)
    known = load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS"))
    for name in args.outlets:
        if name not in known:
            raise BadInput(f"unknown outlet {name!r} (known: {', '.join(sorted(known))})")
    stats = run_spider("outlet", settings, **spider_args)
    _print_summary(stats)
    unreachable = stats.get("kliping/unreachable_outlets") or []
    for line in unreachable:
        print(line, file=sys.stderr)
    return EXIT_FAILURES if unreachable or stats.get("kliping/stopped") else EXIT_OK


def cmd_scrape(args: argparse.Namespace) -> int:
    from cli.runner import project_settings, run_spider
    from spiders.urllist import read_url_list

    good, bad = read_url_list(args.file)
    for line in bad:
        print(line, file=sys.stderr)
    if not good:
        print(f"{args.file}: no fetchable URL", file=sys.stderr)
        return EXIT_BAD_INPUT
    settings = project_settings(_overrides(args))
    stats = run_spider("urls", settings, file=args.file, report_bad_lines="0")
    _print_summary(stats)
    if bad:
        return EXIT_BAD_INPUT
    errors = sum(v for k, v in stats.items() if k.startswith("kliping/errors/") and isinstance(v, int))
    return EXIT_FAILURES if errors else EXIT_OK


def cmd_extract(args: argparse.Namespace) -> int:
    from cli.reextract import extract_records, iter_jobs
    from cli.runner import project_settings
    from extract import ExtractOptions
    from settings.outlets import load_outlets

    paths: list[Path] = []
    for pattern in args.warcs:
        matches = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matches:
            raise BadInput(f"{pattern}: no file matches")
        for match in matches:
            path = Path(match)
            if not path.is_file():
                raise BadInput(f"{match}: no such file")
            paths.append(path)
    settings = project_settings(_overrides(args))
    options = ExtractOptions.from_settings(settings.copy_to_dict())
    outlets = load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS"))
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    tmp = out.with_name(out.name + ".part")
    with open(tmp, "w", encoding="utf-8") as stream:
        for record in extract_records(iter_jobs(paths, outlets), options, args.workers):
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    tmp.replace(out)
    print(f"{count} articles from {len(paths)} WARC file(s) -> {out}", file=sys.stderr)
    return EXIT_OK


def _print_summary(stats: dict[str, Any]) -> None:
    responses = stats.get("downloader/response_count", 0)
    archived = stats.get("kliping/warc/responses", 0)
    articles = stats.get("item_scraped_count", 0)
    print(f"responses {responses}, archived {archived}, articles {articles}", file=sys.stderr)
    if stats.get("kliping/stopped"):
        # Why the run stopped early (a full disk...): one line, the run exits non-zero.
        print(f"stopped: {stats['kliping/stopped']}", file=sys.stderr)


COMMANDS = {"crawl": cmd_crawl, "scrape": cmd_scrape, "extract": cmd_extract}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from settings.outlets import OutletConfigError
    from spiders.params import ParamsError
    from spiders.urllist import UrlListError

    try:
        return COMMANDS[args.command](args)
    except (BadInput, UrlListError, ParamsError, OutletConfigError) as exc:
        if args.debug:
            raise
        print(f"kliping {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        logging.getLogger("kliping").debug("internal error", exc_info=True)
        print(
            f"kliping {args.command}: internal error: {type(exc).__name__}: {exc}"
            " (run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
