"""The ``kliping`` command line: one sub-command per job, exit codes a scheduler can act on."""

from __future__ import annotations

import argparse
import logging
import sys
import textwrap
from collections.abc import Sequence

from cli.commands import COMMANDS, load
from cli.common import (
    EXIT_BAD_INPUT,
    EXIT_CODE_MEANINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_NO_SPACE,
    EXIT_STATE,
    BadInput,
    common_options,
)

# Re-exported for callers of the skeleton's API.
__all__ = ["BadInput", "build_parser", "main"]


#: Width of the help's own paragraphs (argparse wraps only the option lines).
WIDTH = 88

DESCRIPTION = (
    "kliping: crawl Indonesian news outlets, scrape a URL list, re-extract WARC files, and look after "
    "the output. Settings: docs/settings.md (every setting also from the environment); operating "
    "and the exit codes: docs/operating.md."
)


def exit_codes_text() -> str:
    """The exit-code table for ``kliping --help``."""
    lines = ["exit codes (a crawl's is also in its summary.json, under outcome):"]
    lines += [
        textwrap.fill(meaning, WIDTH, initial_indent=f"  {code:>3}  ", subsequent_indent=" " * 7)
        for code, meaning in EXIT_CODE_MEANINGS.items()
    ]
    return "\n".join(lines)


def version_text() -> str:
    """``kliping 0.1.0 (Scrapy 2.19.0, Trafilatura 2.0.0, warcio 1.7.5, Python 3.11.7)``."""
    from importlib.metadata import PackageNotFoundError, version

    def of(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "?"

    parts = ", ".join(
        f"{label} {of(name)}"
        for label, name in (("Scrapy", "scrapy"), ("Trafilatura", "trafilatura"), ("warcio", "warcio"))
    )
    return f"kliping {of('kliping')} ({parts}, Python {sys.version.split()[0]})"


class _Version(argparse.Action):
    """``--version``: the versions are looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show kliping's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kliping",
        description=textwrap.fill(DESCRIPTION, WIDTH),
        epilog=exit_codes_text(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_options()
    for name in COMMANDS:
        module = load(name)
        command = sub.add_parser(
            name,
            parents=[common, *(make() for make in module.PARENTS)],
            help=module.HELP,
            description=textwrap.fill(module.DESCRIPTION, WIDTH),
            epilog=exit_codes_text(),
            formatter_class=argparse.RawDescriptionHelpFormatter,
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


#: Exceptions with an exit code of their own, as (module, class, code): looked up like the above.
CODED_ERRORS = (
    ("state", "StateFileError", EXIT_STATE),
    ("state.lock", "WorkdirLocked", EXIT_LOCKED),
    ("lifecycle.startup", "NoSpace", EXIT_NO_SPACE),
)


def coded_exit(exc: BaseException) -> int | None:
    """The exit code of an exception that has one of its own (unusable state, locked, no space)."""
    for module_name, class_name, code in CODED_ERRORS:
        cls = getattr(sys.modules.get(module_name), class_name, None)
        if isinstance(cls, type) and isinstance(exc, cls):
            return code
    return None


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
        code = coded_exit(exc)
        if code is not None:
            print(f"kliping {args.command}: {exc}", file=sys.stderr)
            return code
        if is_bad_input(exc):
            for line in str(exc).splitlines() or [type(exc).__name__]:
                print(f"kliping {args.command}: {line}", file=sys.stderr)
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
