"""``kliping wacz``: package a run's WARC files into one WACZ and validate it."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from cli.common import EXIT_OK, BadInput, settings_for

HELP = "package a run's WARC files into a WACZ"
DESCRIPTION = (
    "Package the WARC files of one run (the latest when --run is not given), or the WARC files "
    "named, with their index and a page list of every article (title and capture time) into one "
    "WACZ file that ReplayWeb.page and pywb open, then validate it. Revisits of an incremental run "
    "refer to earlier files: the original records they need are copied in, so the WACZ replays on "
    "its own (--no-originals leaves them out). --check validates an existing WACZ."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("warcs", nargs="*", metavar="WARC", help="WARC files or globs (default: a run's)")
    parser.add_argument("--run", metavar="RUN_ID", help="the run whose WARCs to package (default: latest)")
    parser.add_argument("--output", metavar="DIR", help="output root holding warc/ (default: data)")
    parser.add_argument(
        "-o", "--wacz", metavar="OUT.wacz", help="file to write (default: <output>/wacz/<run>.wacz)"
    )
    parser.add_argument(
        "--no-originals",
        action="store_true",
        help="do not copy in the earlier records the run's revisits refer to",
    )
    parser.add_argument("--check", metavar="FILE.wacz", help="only validate this WACZ (wacz validate)")


def run(args: argparse.Namespace) -> int:
    from cli.sources import check_local

    if args.check:
        from archive.wacz import WaczError, validate_wacz

        if not Path(args.check).is_file():
            raise BadInput(f"{args.check}: no such file")
        try:
            validate_wacz(Path(args.check))
        except WaczError as exc:
            raise BadInput(str(exc)) from exc
        print(f"{args.check}: a valid WACZ", file=sys.stderr)
        return EXIT_OK
    named = check_local(args.warcs) if args.warcs else []
    settings = settings_for(args)
    from archive.wacz import (
        WaczError,
        create_wacz,
        latest_run_id,
        page_list,
        revisit_originals,
        run_warcs,
        scan_warcs,
        text_titles,
        validate_wacz,
        write_pages,
    )
    from settings.runinfo import local_dir

    root = Path(local_dir(settings, "warc"))
    run_id: str | None = args.run
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
    contents = scan_warcs(paths)
    pages = page_list(contents, text_titles(Path(local_dir(settings, "text")), run_id))
    notes = [f"{len(pages)} page(s)"]
    with tempfile.TemporaryDirectory(prefix="kliping-wacz-") as tmp:
        inputs = list(paths)
        if contents.revisits and not args.no_originals:
            directories = {path.parent for path in paths} | ({root} if root.is_dir() else set())
            candidates = sorted(
                warc for d in directories for warc in d.glob("*.warc.gz") if warc not in set(paths)
            )
            originals = revisit_originals(
                contents.revisits, candidates, Path(tmp) / f"{name}-originals.warc.gz"
            )
            if originals.path is not None:
                inputs.append(originals.path)
                notes.append(
                    f"originals of {originals.copied} revisit(s) from {originals.sources} earlier file(s)"
                )
            if originals.missing:
                notes.append(
                    f"{originals.missing} revisit(s) whose original is not in {root} (they will not replay)"
                )
        elif contents.revisits:
            notes.append(f"{len(contents.revisits)} revisit(s) without their originals (--no-originals)")
        try:
            create_wacz(
                inputs, out, title=f"kliping {name}", pages=write_pages(pages, Path(tmp) / "pages.jsonl")
            )
            validate_wacz(out)
        except WaczError as exc:
            raise BadInput(str(exc)) from exc
    print(f"{len(paths)} WARC file(s), {', '.join(notes)} -> {out}", file=sys.stderr)
    return EXIT_OK
