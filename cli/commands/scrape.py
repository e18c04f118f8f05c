"""``kliping scrape FILE``: fetch a researcher's list of URLs."""

from __future__ import annotations

import argparse
import sys

from cli.common import EXIT_BAD_INPUT, crawl_options, quiet, settings_for
from cli.outcome import run_exit_code

HELP = "fetch a file of URLs"
DESCRIPTION = (
    "Fetch every URL of FILE (one per line; blank lines and # comments allowed, also after a URL "
    "and a space) into WARC and text records. A URL of a configured outlet gets that outlet's "
    "pagination and extraction hints. Each bad line is reported as FILE:LINE: reason (malformed, "
    "unsupported scheme, too long, duplicate; after 20, the rest in one line) and the good lines "
    "are still fetched; the exit code is then 2."
)
PARENTS = (crawl_options,)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the URL list")


def run(args: argparse.Namespace) -> int:
    from spiders.urllist import read_url_list, report_lines

    settings = settings_for(args)
    # Scrapy drops longer URLs unseen (its UrlLengthMiddleware): here they are bad lines, reported.
    good, bad = read_url_list(args.file, max_length=settings.getint("URLLENGTH_LIMIT"))
    for line in report_lines(bad):
        print(line, file=sys.stderr)
    if not good:
        print(f"{args.file}: no fetchable URL", file=sys.stderr)
        return EXIT_BAD_INPUT
    from archive.stores.check import preflight
    from cli.runner import run_spider
    from lifecycle.startup import claim_workdir, prepare_run
    from state import check_state

    claim_workdir(settings)  # one run per workdir (exit 75), state files whole (exit 5)
    check_state(settings)
    preflight(settings)  # an unusable output store is one line now, not an hour into the crawl
    prepare_run(settings)  # the recovery step: what earlier runs left, before anything is fetched
    stats = run_spider("urls", settings, quiet=quiet(args), file=args.file, report_bad_lines="0")
    return run_exit_code(stats)
