"""``kliping extract``: re-extract article records from WARC files, with no network."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from cli.common import EXIT_DAMAGED_INPUT, EXIT_FAILURES, EXIT_NO_SPACE, EXIT_OK, BadInput, settings_for

HELP = "re-extract articles from WARC files"
DESCRIPTION = (
    "Re-extract article records from WARC files (any standard WARC; kliping's own give the records "
    "the crawl gave) with no network, on every core. WARC may be a path, a glob (quote it) or "
    "s3://bucket/key-or-prefix (read with the KLIPING_S3_* settings). Damaged WARCs are read up "
    "to and past the damage, which is reported one line per file (exit code 4); a file that is "
    "not a WARC is bad input (exit code 2). Each story gets KLIPING_EXTRACT_TIMEOUT seconds of CPU "
    "per page; one over it is left out, named on stderr with its WARC record (exit code 1). "
    "Progress over the WARC bytes is a bar on a terminal, else a line every "
    "KLIPING_PROGRESS_INTERVAL seconds."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("warcs", nargs="+", metavar="WARC", help="WARC files, globs or s3:// URIs")
    parser.add_argument(
        "--output",
        "-o",
        required=True,
        metavar="OUT.jsonl",
        help="JSON lines file to write (or s3://bucket/key.jsonl), written whole once every WARC is read",
    )
    parser.add_argument(
        "--workers", type=int, default=0, metavar="N", help="worker processes (default: one per core)"
    )
    parser.add_argument(
        "--reader",
        choices=("fastwarc", "warcio"),
        default="fastwarc",
        help="WARC reader (default fastwarc, ~3x faster; warcio is the reference); each falls back "
        "record by record to the other and to a lenient framer",
    )
    parser.add_argument(
        "--originals",
        action="append",
        default=[],
        metavar="DIR|GLOB",
        help="more WARCs or CDXJ indexes to find revisits' originals in (repeatable); the CDXJ "
        "indexes beside the input WARCs are always looked at",
    )


def _check_warcs(paths: list[Path]) -> None:
    """One line naming the first input that is not a WARC (bad input), before anything is read."""
    from archive.warcfile import Layout, sniff

    for path in paths:
        try:
            container = sniff(path)
        except OSError as exc:
            raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from exc
        if container.layout is Layout.NOT_WARC:
            raise BadInput(f"{path}: not a WARC file ({container.reason})")


def _interrupt(signum: int, frame: object) -> None:
    # A stop (systemd, `timeout`) unwinds like Ctrl-C: the unfinished output file is removed and
    # the workers go with it (pipelines.pool, pipelines.lifeline).
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from cli.sources import check_local

    if args.workers < 0:
        raise BadInput(f"--workers {args.workers}: must be 0 (one per core) or more")
    _check_warcs(check_local(args.warcs))  # a missing file or not a WARC, before the slow imports
    settings = settings_for(args, output_setting=False)
    remote = str(args.output).startswith("s3://")
    store = None
    if remote:
        from archive.stores import open_store, store_classes

        bucket, _, key = str(args.output)[len("s3://") :].partition("/")
        if not bucket or not key or key.endswith("/"):
            raise BadInput(f"--output {args.output}: give s3://bucket/key.jsonl")
        store = open_store(f"s3://{bucket}", store_classes(settings), settings)
        store.check()
    elif "://" in str(args.output) and not str(args.output).startswith("file://"):
        raise BadInput(f"--output {args.output}: only a local path or s3://bucket/key can be written")
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return _extract(args, settings, store)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _extract(args: argparse.Namespace, settings: Any, store: Any) -> int:
    from archive.damage import DamageReport
    from archive.originals import expand_sources
    from archive.space import is_no_space
    from archive.stores.local import publish, root_path, temp_name
    from cli.sources import resolve_warcs
    from extract import ExtractOptions
    from monitor.progress import ByteProgress, bar_wanted
    from pipelines.pool import Budget, TaskFailed
    from pipelines.reextract import Job, choose_reader, extract_records, iter_jobs
    from settings.outlets import load_outlets

    options = ExtractOptions.from_settings(settings.copy_to_dict())
    outlets = load_outlets(settings.getlist("KLIPING_OUTLETS_DIRS"))
    reader = choose_reader(args.reader)
    originals = expand_sources(args.originals)
    for pattern in args.originals:
        if not expand_sources([pattern]):
            raise BadInput(f"--originals {pattern}: no such file or directory")
    report = DamageReport()
    workers = args.workers or os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="kliping-extract-") as tmp:
        paths = resolve_warcs(args.warcs, Path(tmp), settings)
        _check_warcs([p for p in paths if Path(tmp) in p.parents])  # the ones from S3
        total = sum(p.stat().st_size for p in paths)
        progress = ByteProgress(
            total,
            label="extract ",
            interval=settings.getfloat("KLIPING_PROGRESS_INTERVAL"),
            bar=bar_wanted(str(settings.get("KLIPING_PROGRESS_BAR") or "auto"), sys.stderr),
        )
        if store is not None:
            out = Path(tmp) / "out.jsonl"
        else:
            out = root_path(str(args.output))
            if out.is_dir():
                raise BadInput(f"--output {args.output}: is a directory (give a file name)")
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise BadInput(
                    f"--output {args.output}: cannot create its directory ({exc.strerror})"
                ) from exc
        # The output appears whole, under its name, only once every input has been read; until
        # then it is a hidden file beside it, removed on any failure or stop.
        part = temp_name(out)
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

        budget = Budget.from_settings(settings)
        try:
            try:
                stream = open(part, "w", encoding="utf-8")  # noqa: SIM115 - closed below
            except OSError as exc:
                raise BadInput(f"--output {args.output}: cannot write ({exc.strerror})") from exc
            with stream:
                jobs = iter_jobs(paths, outlets, reader, report, originals)
                for record in extract_records(jobs, options, workers, on_done, on_failed, budget):
                    stream.write(json.dumps(record, ensure_ascii=False) + "\n")
                    written[0] += 1
            publish(part, out)
        except OSError as exc:
            if not is_no_space(exc) or exc.filename not in (None, str(part)):
                raise
            print(f"kliping extract: no space left writing {out}; nothing written", file=sys.stderr)
            return EXIT_NO_SPACE
        finally:
            part.unlink(missing_ok=True)
        count = written[0]
        progress.update(total, count)
        progress.close()
        where = str(out)
        if store is not None:
            key = str(args.output)[len("s3://") :].partition("/")[2]
            where = store.put(out, key)
    for line in report.lines():
        print(f"kliping extract: {line}", file=sys.stderr)
    print(
        f"{count} articles from {len(paths)} WARC file(s), {workers} worker(s), {args.reader} -> {where}"
        + (f"; {len(failed)} not extracted (listed above)" if failed else ""),
        file=sys.stderr,
    )
    # Damaged input first: the files to look at; stories left out are what a rerun may complete.
    if report.damaged:
        return EXIT_DAMAGED_INPUT
    return EXIT_FAILURES if failed else EXIT_OK
