"""``kliping wacz``: package WARC files as a WACZ for replay (ReplayWeb.page, pywb)."""

from __future__ import annotations

import argparse

from cli.commands.plugin import call

HELP = "package WARC files as a WACZ"
DESCRIPTION = (
    "Package WARC files (paths or globs) with their CDXJ index and page list into one WACZ file "
    "that ReplayWeb.page and pywb can open."
)
PARENTS = ()
#: Provided by the archive work: ``function(args, settings) -> exit code``.
TARGET = "archive.wacz:run_wacz"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("warcs", nargs="+", metavar="WARC", help="WARC files or globs")
    parser.add_argument("--output", "-o", required=True, metavar="OUT.wacz", help="WACZ file to write")


def run(args: argparse.Namespace) -> int:
    return call(TARGET, args, output_setting=False)
