"""``kliping check``: validate settings, outlet configs and the output store before a scheduled crawl."""

from __future__ import annotations

import argparse

from cli.common import overrides

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
    from cli.storecmds import cmd_check

    return cmd_check(args, overrides)
