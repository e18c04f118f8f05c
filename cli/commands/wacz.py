"""``kliping wacz``: package a run's WARC files into one WACZ and validate it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_OK, BadInput, settings_for

HELP = "package a run's WARC files into a WACZ"
DESCRIPTION = (
    "Package the WARC files of one run (the latest when --run is not given), or the WARC files "
    "named, with their index and page list into one WACZ file that ReplayWeb.page and pywb open, "
    "then validate it with `wacz validate`."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("warcs", nargs="*", metavar="WARC", help="WARC files or globs (default: a run's)")
    parser.add_argument("--run", metavar="RUN_ID", help="the run whose WARCs to package (default: latest)")
    parser.add_argument("--output", metavar="DIR", help="output root holding warc/ (default: data)")
    parser.add_argument(
        "-o", "--wacz", metavar="OUT.wacz", help="file to write (default: <output>/wacz/<run>.wacz)"
    )


def run(args: argparse.Namespace) -> int:
    from cli.sources import check_local

    named = check_local(args.warcs) if args.warcs else []
    settings = settings_for(args)
    from archive.wacz import WaczError, create_wacz, latest_run_id, run_warcs, validate_wacz
    from settings.runinfo import local_dir

    root = Path(local_dir(settings, "warc"))
    if args.warcs:
        paths, name = named, args.run or "archive"
    else:
        if not root.is_dir():
            raise BadInput(f"{root}: no WARC directory")
        run_id = args.run or latest_run_id(root)
        paths, name = run_warcs(root, run_id), run_id or "archive"
        if not paths:
            raise BadInput(f"{root}: no WARC file of run {run_id!r}" if run_id else f"{root}: no WARC file")
    out = Path(args.wacz) if args.wacz else root.parent / "wacz" / f"{name}.wacz"
    try:
        create_wacz(paths, out, title=f"kliping {name}")
        validate_wacz(out)
    except WaczError as exc:
        raise BadInput(str(exc)) from exc
    print(f"{len(paths)} WARC file(s) -> {out}", file=sys.stderr)
    return EXIT_OK
