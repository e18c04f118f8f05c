"""``kliping extract``: re-extract article records from WARC files, with no network."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path

from cli.common import EXIT_FAILURES, EXIT_OK, BadInput, settings_for

HELP = "re-extract articles from WARC files"
DESCRIPTION = (
    "Re-extract article records from WARC files (any standard WARC; kliping's own give the records "
    "the crawl gave) with no network, on every core. WARC may be a path, a glob (quote it) or "
    "s3://bucket/key-or-prefix (read with the KLIPING_S3_* settings). Progress over the WARC "
    "bytes is a bar on a terminal, else a line every KLIPING_PROGRESS_INTERVAL seconds. Each "
    "story gets KLIPING_EXTRACT_TIMEOUT seconds of CPU per page; one over it is left out, named "
    "on stderr with its WARC record, and the exit code is 1."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("warcs", nargs="+", metavar="WARC", help="WARC files, globs or s3:// URIs")
    parser.add_argument("--output", "-o", required=True, metavar="OUT.jsonl", help="JSON lines file to write")
    parser.add_argument(
        "--workers", type=int, default=0, metavar="N", help="worker processes (default: one per core)"
    )
    parser.add_argument(
        "--reader",
        choices=("fastwarc", "warcio"),
        default="fastwarc",
        help="WARC reader (default fastwarc, ~3x faster; warcio is the reference)",
    )


class Stopped(KeyboardInterrupt):
    """SIGTERM (``timeout``, a scheduler's stop): handled as Ctrl-C is, the workers killed at once."""


def _stop_on_sigterm() -> None:
    def stop(signum: int, frame: object) -> None:
        raise Stopped()

    signal.signal(signal.SIGTERM, stop)


def run(args: argparse.Namespace) -> int:
    from cli.sources import check_local

    if args.workers < 0:
        raise BadInput(f"--workers {args.workers}: must be 0 (one per core) or more")
    check_local(args.warcs)  # a missing file is reported before the slow imports
    settings = settings_for(args, output_setting=False)
    from cli.sources import resolve_warcs
    from extract import ExtractOptions
    from monitor.progress import ByteProgress, bar_wanted
    from pipelines.pool import Budget, TaskFailed
    from pipelines.reextract import Job, choose_reader, extract_records, iter_jobs
    from settings.outlets import load_outlets

    # The output is written to a .part file and renamed at the end: a stopped run leaves no file
    # under the output's name, and its workers go with it (pipelines.pool, pipelines.lifeline).
    _stop_on_sigterm()

    options = ExtractOptions.from_settings(settings.copy_to_dict())
    outlets = load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS"))
    reader = choose_reader(args.reader)
    with tempfile.TemporaryDirectory(prefix="kliping-extract-") as tmp:
        paths = resolve_warcs(args.warcs, Path(tmp), settings)
        total = sum(p.stat().st_size for p in paths)
        progress = ByteProgress(
            total,
            label="extract ",
            interval=settings.getfloat("KLIPING_PROGRESS_INTERVAL"),
            bar=bar_wanted(str(settings.get("KLIPING_PROGRESS_BAR") or "auto"), sys.stderr),
        )
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = out.with_name(out.name + ".part")
        written = [0]

        def on_done(job: Job) -> None:
            progress.update(job.position, written[0])

        failed: list[str] = []

        def on_failed(job: Job, error: TaskFailed) -> None:
            # One line per story left out, naming its WARC record: a later `kliping extract` (with
            # a larger KLIPING_EXTRACT_TIMEOUT, say) owes it.
            page = job.pages[0]
            warc = page.get("warc") or {}
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            line = f"{warc.get('file', '?')}#{warc.get('offset', '?')} {page['url']}: {reason}"
            failed.append(line)
            print(f"kliping extract: not extracted: {line}", file=sys.stderr)

        workers = args.workers or os.cpu_count() or 1
        budget = Budget.from_settings(settings)
        try:
            with open(tmp_out, "w", encoding="utf-8") as stream:
                jobs = iter_jobs(paths, outlets, reader)
                for record in extract_records(jobs, options, workers, on_done, on_failed, budget):
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                    written[0] += 1
        except KeyboardInterrupt:
            tmp_out.unlink(missing_ok=True)
            raise
        tmp_out.replace(out)
        count = written[0]
        progress.update(total, count)
        progress.close()
    print(
        f"{count} articles from {len(paths)} WARC file(s), {workers} worker(s), {args.reader} -> {out}"
        + (f"; {len(failed)} not extracted (listed above)" if failed else ""),
        file=sys.stderr,
    )
    return EXIT_FAILURES if failed else EXIT_OK
