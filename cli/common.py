"""What every ``kliping`` command shares: exit codes, the bad-input error, common options, settings."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import Settings

#: Exit codes (documented in docs/operating.md).
EXIT_OK = 0
EXIT_FAILURES = 1  # the run had failures: an outlet unreachable, URLs not fetched, extraction errors
EXIT_BAD_INPUT = 2  # bad URL lines, a missing file, an unknown outlet, a bad setting or outlet config
EXIT_INVARIANT = 3  # the run's books do not balance: responses or articles lost between stages
EXIT_DAMAGED_INPUT = 4  # input read only in part (a damaged WARC): what came before the damage is kept
EXIT_STATE = 5  # a state file or the workdir is unusable (corrupt, read-only, not a directory)
EXIT_NO_SPACE = 6  # stopped for lack of space; the next run on a larger disk resumes and loses nothing
EXIT_HEALTH = 7  # the run worked, but an outlet's health alarmed (stale, or drifted from its own history)
EXIT_INTERNAL = 70  # a bug: an unexpected exception (run with --debug for the traceback)
EXIT_LOCKED = 75  # another run holds the workdir lock (EX_TEMPFAIL: try again later)
EXIT_INTERRUPTED = 130

#: What each exit code means, for ``kliping --help`` and docs/operating.md (a test keeps them in step).
EXIT_CODE_MEANINGS: dict[int, str] = {
    EXIT_OK: "done; nothing failed (a graceful stop by a signal included)",
    EXIT_FAILURES: "the run had failures: an outlet unreachable, an outlet that wrote no article while its "
    "article requests failed, failed requests above KLIPING_MAX_ERROR_RATE, a URL of a list not fetched, "
    "uploads left in the spool, work owed to the next run (an extraction over its budget), a shared "
    "frontier's Redis that stopped answering; kliping extract: a story left out",
    EXIT_BAD_INPUT: "bad input: a bad URL line (the good ones are still fetched), a missing file, an unknown "
    "outlet, a bad setting or outlet config, an unusable output store",
    EXIT_INVARIANT: "the run's invariants broke: responses fetched but not archived, articles extracted but "
    "not written",
    EXIT_DAMAGED_INPUT: "damaged input, read only in part (a damaged WARC): what came before the damage is "
    "kept",
    EXIT_STATE: "a state file or the work directory is unusable (corrupt, read-only, not a directory)",
    EXIT_NO_SPACE: "stopped for lack of space; the next run on a larger disk resumes and loses nothing",
    EXIT_HEALTH: "the run worked, but an outlet's health alarmed (stale, or drifted from its own history)",
    EXIT_INTERNAL: "internal error, a bug (--debug shows the traceback)",
    EXIT_LOCKED: "another run holds the work directory's lock (EX_TEMPFAIL: try again later)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


class BadInput(Exception):
    """Input the command cannot use; the message is the one line shown to the user."""


def _setting_pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def common_options() -> argparse.ArgumentParser:
    """``-s``, ``--debug`` and ``-v``, taken by every command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        type=_setting_pair,
        default=[],
        metavar="NAME=VALUE",
        help="override any Scrapy or KLIPING_* setting (repeatable); see docs/settings.md",
    )
    common.add_argument("--debug", action="store_true", help="show tracebacks and Scrapy's debug log")
    common.add_argument("-v", "--verbose", action="store_true", help="show Scrapy's INFO log")
    return common


def crawl_options() -> argparse.ArgumentParser:
    """``--output`` and ``--proxy``, taken by the commands that fetch."""
    crawling = argparse.ArgumentParser(add_help=False)
    crawling.add_argument(
        "--output", metavar="DIR|URI", help="output root (default: data, or KLIPING_OUTPUT)"
    )
    crawling.add_argument("--proxy", metavar="URL", help="send every request through this forward proxy")
    crawling.add_argument(
        "--state",
        metavar="URI",
        help="seen-article state (KLIPING_STATE); redis://host:port/db also shares the frontier "
        "between workers",
    )
    return crawling


def overrides(args: argparse.Namespace, *, output_setting: bool = True) -> dict[str, Any]:
    """Settings the command line sets: ``-s`` pairs, ``--output``, ``--proxy`` and the log level."""
    values: dict[str, Any] = dict(args.settings)
    if output_setting and getattr(args, "output", None):
        values["KLIPING_OUTPUT"] = args.output
    if getattr(args, "proxy", None):
        values["KLIPING_PROXY"] = args.proxy
    if getattr(args, "state", None):
        values["KLIPING_STATE"] = args.state
    # Quiet by default: Scrapy's INFO chatter stays off stderr; cli.runner still shows progress.
    level = "DEBUG" if args.debug else "INFO" if args.verbose else "WARNING"
    values.setdefault("LOG_LEVEL", level)
    return values


def settings_for(args: argparse.Namespace, *, output_setting: bool = True) -> Settings:
    """The run's settings (defaults, settings module, environment, command line), checked once.

    Warnings (a ``KLIPING_*`` variable that is no setting) are printed; problems are BadInput,
    every one on its own line.
    """
    settings, problems = settings_and_problems(args, output_setting=output_setting)
    if problems:
        raise BadInput("\n".join(problems))  # one line each
    return settings


def prefix(args: argparse.Namespace) -> str:
    """``kliping COMMAND: ``, the start of every line a command prints about bad input."""
    return f"kliping {args.command}: "


def settings_and_problems(
    args: argparse.Namespace, *, output_setting: bool = True
) -> tuple[Settings, list[str]]:
    """The run's settings, checked and parsed, and one line per problem (none: ready to use).

    Precedence, highest first: the command line (``-s``, ``--output``...), the environment
    (``KLIPING_*``, ``KLIPING_SCRAPY_*``; :mod:`settings.environ`), the settings module, the defaults.
    """
    from cli.runner import project_settings
    from settings.check import apply_checked, apply_environment, check_settings
    from settings.scrapy_addons import CHECKED_MARK

    settings = project_settings(overrides(args, output_setting=output_setting), environment=False)
    found = apply_environment(settings)
    for line in found.warnings:
        print(f"{prefix(args)}warning: {line}", file=sys.stderr)
    checked = check_settings(settings, from_environment=found.values)
    problems = found.problems + checked.problems
    if not problems:
        apply_checked(settings, checked)
        settings.set(CHECKED_MARK, True, priority="cmdline")
    return settings, problems


def quiet(args: argparse.Namespace) -> bool:
    """Whether Scrapy's own INFO lines are hidden (the default; ``-v`` and ``--debug`` show them)."""
    return not (args.verbose or args.debug)
