"""``kliping crawl``: crawl configured outlets for new articles."""

from __future__ import annotations

import argparse
from typing import Any

from cli.common import BadInput, crawl_options, quiet, settings_for
from cli.outcome import run_exit_code

HELP = "crawl outlets for new articles"
DESCRIPTION = (
    "Crawl the named outlets (all configured outlets when none is named) for new articles: "
    "discover them from robots.txt sitemaps, news sitemaps, feeds and index pages, archive every "
    "response in WARC and write one text record per article. List outlets with `kliping outlets`."
)
PARENTS = (crawl_options,)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("outlets", nargs="*", metavar="OUTLET", help="outlet names (default: all)")
    parser.add_argument(
        "--since", metavar="YYYY-MM-DD", help="skip articles listed as published before this date"
    )
    parser.add_argument("--max-articles", metavar="N", help="fetch at most N articles per outlet")


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    from archive.stores.check import preflight
    from cli.runner import run_spider
    from lifecycle.startup import claim_workdir, prepare_run
    from settings.outlets import load_outlets
    from spiders.params import OutletSpiderParams, parse_params
    from state import check_state

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
    claim_workdir(settings)  # one run per workdir (exit 75), state files whole (exit 5)
    check_state(settings)
    preflight(settings)  # an unusable output store is one line now, not an hour into the crawl
    prepare_run(settings)  # the recovery step: what earlier runs left, before anything is fetched
    stats = run_spider("outlet", settings, quiet=quiet(args), **spider_args)
    # Decided by the run's monitor from its summary (cli.outcome), recorded in summary.json.
    return run_exit_code(stats)
