"""``kliping check``: check that the output store and the seen-article state can be used."""

from __future__ import annotations

import argparse

from cli.commands.plugin import call
from cli.common import crawl_options

HELP = "check that the output store and state are reachable and writable"
DESCRIPTION = (
    "Check the configured output (local directory or s3://bucket/prefix) and seen-article "
    "state before a scheduled crawl: reachable, writable, credentials present. Exit 0 when all is "
    "well, 1 otherwise, one line per problem."
)
PARENTS = (crawl_options,)
#: Provided by the stores (S3) work: ``function(args, settings) -> exit code``.
TARGET = "stores.check:run_check"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # --output from the shared options is all it takes


def run(args: argparse.Namespace) -> int:
    return call(TARGET, args)
