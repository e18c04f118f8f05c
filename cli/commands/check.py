"""``kliping check``: validate settings, outlet configs and the output store before a scheduled crawl."""

from __future__ import annotations

import argparse
import sys

from cli.common import EXIT_BAD_INPUT, EXIT_OK, settings_and_problems

HELP = "validate settings, outlet configs and the output store"
DESCRIPTION = (
    "Validate settings and outlet configs and check that the output store (local directory or "
    "s3://bucket/prefix) takes files now: reachable, bucket present, credentials accepted. One line "
    "per problem; exit 2 if any."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", metavar="DIR|URI", help="output root (default: data, or KLIPING_OUTPUT)")


def run(args: argparse.Namespace) -> int:
    from archive.stores.check import store_problem
    from cli.commands.outlets import outlet_problems

    # The same check every command runs (cli.settingcheck), but every problem is listed, not the first.
    settings, problems = settings_and_problems(args)
    outlets, outlet_lines = outlet_problems(settings.getlist("KLIPING_OUTLETS_DIRS"))
    problems += outlet_lines
    store_line = store_problem(settings)
    if store_line:
        problems.append(store_line)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return EXIT_BAD_INPUT
    output = settings.get("KLIPING_OUTPUT")
    print(f"ok: settings valid, {outlets} outlet(s), output {output} writable", file=sys.stderr)
    return EXIT_OK
