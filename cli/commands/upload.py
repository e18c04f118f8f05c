"""``kliping upload``: send files left in the local spool to the output store."""

from __future__ import annotations

import argparse
import sys

from cli.common import EXIT_FAILURES, EXIT_OK, settings_for

HELP = "send files left in the local spool to the output store"
DESCRIPTION = (
    "Send every complete file in the local spool (KLIPING_WORKDIR/spool) to the remote output "
    "store, verified, removing each local copy once it is stored. Parquet text batches a killed "
    "run left staged as rows are written first. Exit 1 if some files stay."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", metavar="DIR|URI", help="output root (default: data, or KLIPING_OUTPUT)")


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args)
    from archive.stores import output_store
    from archive.stores.spool import prune_empty_dirs, spool_root, upload_spool
    from pipelines.staged_parquet import finish_staged
    from settings.runinfo import is_remote

    output = settings.get("KLIPING_OUTPUT")
    root = spool_root(settings)
    if not is_remote(settings):
        print(f"output {output} is local: nothing to upload", file=sys.stderr)
        return EXIT_OK
    store = output_store(settings)
    store.check()  # an unusable store is StoreError: one line, exit 2
    finished = finish_staged(root / "text")  # batches of runs that ended; a live run's are its own
    result = upload_spool(store, root)
    result.failed[:0] = finished.failed + finished.damaged
    prune_empty_dirs(root)
    for line in result.failed:
        print(line, file=sys.stderr)
    print(
        f"sent {len(result.sent)} file(s), {result.bytes_sent} bytes, from {root} to {store.uri}"
        + (f"; {len(result.failed)} kept in the spool" if result.failed else ""),
        file=sys.stderr,
    )
    return EXIT_FAILURES if result.failed else EXIT_OK
