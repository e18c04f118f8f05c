"""``kliping``: crawl outlets, scrape a URL list, re-extract WARC files, and look after the output.

Exit codes: 0 done; 1 the run had failures (an outlet unreachable, URLs that could not be
fetched, pages the extractor failed on); 2 bad input (a bad URL line, a missing file, an unknown
outlet, a bad setting or outlet config); 3 the run's invariants broke (responses fetched but not
archived, articles extracted but not written); 7 the run worked but an outlet's health alarmed
(docs/operating.md, "Health"); 70 an internal error; 130 interrupted.
Settings: docs/settings.md; operating: docs/operating.md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from cli.commands import COMMANDS, load
from cli.common import (
    EXIT_BAD_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    BadInput,
    common_options,
)

# Re-exported for callers of the skeleton's API.
__all__ = ["BadInput", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kliping", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_options()
    for name in COMMANDS:
        module = load(name)
        command = sub.add_parser(
            name,
            parents=[common, *(make() for make in module.PARENTS)],
            help=module.HELP,
            description=module.DESCRIPTION,
        )
        module.add_arguments(command)
    return parser


#: Exceptions that mean bad input, as (module, class): looked up only if the module is loaded,
#: so the error path never imports Scrapy.
BAD_INPUT_ERRORS = (
    ("spiders.urllist", "UrlListError"),
    ("spiders.params", "ParamsError"),
    ("settings.outlets", "OutletConfigError"),
    ("archive.stores", "StoreError"),
    ("state", "StateError"),
)


def is_bad_input(exc: BaseException) -> bool:
    if isinstance(exc, BadInput):
        return True
    for module_name, class_name in BAD_INPUT_ERRORS:
        cls = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return True
    return False


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(load(args.command).run(args))
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug:
            raise
        if is_bad_input(exc):
            print(f"kliping {args.command}: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        logging.getLogger("kliping").debug("internal error", exc_info=True)
        print(
            f"kliping {args.command}: internal error: {type(exc).__name__}: {exc}"
            " (run with --debug for details)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
