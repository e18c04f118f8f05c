"""``kliping upload``: send files left in the local spool to the output store."""

from __future__ import annotations

import argparse

from cli.common import overrides

HELP = "send files left in the local spool to the output store"
DESCRIPTION = (
    "Send every complete file in the local spool (KLIPING_WORKDIR/spool) to the remote output "
    "store, verified, removing each local copy once it is stored. Exit 1 if some files stay."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", metavar="DIR|URI", help="output root (default: data, or KLIPING_OUTPUT)")


def run(args: argparse.Namespace) -> int:
    from cli.storecmds import cmd_upload

    return cmd_upload(args, overrides)
