"""``kliping upload``: upload finished local output (WARCs, text, run summaries) to the store."""

from __future__ import annotations

import argparse

from cli.commands.plugin import call
from cli.common import crawl_options

HELP = "upload finished local files to the output store (s3://...)"
DESCRIPTION = (
    "Upload finished WARC files, text records and run summaries from a local directory (default: "
    "the work directory's spool) to the output store given by --output or KLIPING_OUTPUT, e.g. "
    "after a crawl that ran with the network to S3 down."
)
PARENTS = (crawl_options,)
#: Provided by the stores (S3) work: ``function(args, settings) -> exit code``.
TARGET = "stores.upload:run_upload"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", nargs="?", metavar="DIR", help="local directory to upload")


def run(args: argparse.Namespace) -> int:
    return call(TARGET, args)
