"""``kliping check``: validate settings, outlet configs and the output store before a scheduled crawl."""

from __future__ import annotations

import argparse
import sys

from cli.common import EXIT_BAD_INPUT, EXIT_OK, crawl_options, settings_and_problems

HELP = "validate settings, outlet configs, the state and the output store"
DESCRIPTION = (
    "Validate every setting (command line, environment, settings module) and outlet config, check "
    "that the seen-article state can be opened (a Redis state answers) and that the output store "
    "(local directory or s3://bucket/prefix) takes files now: reachable, bucket present, "
    "credentials accepted. It takes the options a crawl takes, so a scheduled job's command line "
    "can be checked as it is. One line per problem; exit 2 if any."
)
PARENTS = (crawl_options,)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """No options of its own beyond the crawl's."""


def run(args: argparse.Namespace) -> int:
    from archive.stores.check import store_problem
    from cli.commands.outlets import outlet_problems
    from state import StateError, check_state

    # The same check every command runs (settings.check); here every problem is listed.
    settings, problems = settings_and_problems(args)
    outlets, outlet_lines = outlet_problems(settings.getlist("KLIPING_OUTLETS_DIRS"))
    problems += outlet_lines
    try:
        check_state(settings)
    except StateError as exc:
        problems.append(str(exc))
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
