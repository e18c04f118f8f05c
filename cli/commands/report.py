"""``kliping report``: the health report of the last days, as one HTML file."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from cli.common import EXIT_OK, BadInput, settings_for

HELP = "write the outlets' health report: one HTML file with plots, no server needed"
DESCRIPTION = (
    "Write a static HTML report of the outlets' health from the health store: new articles per "
    "outlet per day, failures, drift and extraction-quality metrics over time, the last run's "
    "table and every alarm of the period. The file holds its plotting code (plotly) and needs no "
    "network. See docs/operating.md."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        metavar="YYYY-MM-DD|Nd|Nh",
        help="runs ended since this day (WIB) or in the last N days or hours (default: 30d)",
    )
    parser.add_argument(
        "-o",
        "--out",
        metavar="FILE",
        help="the HTML file to write (default: <KLIPING_WORKDIR>/report.html)",
    )
    parser.add_argument(
        "--state",
        metavar="URI",
        help="the crawls' state (KLIPING_STATE): redis://... reads the health the workers share",
    )


def run(args: argparse.Namespace) -> int:
    settings = settings_for(args, output_setting=False)
    from monitor.report import build_report, parse_since
    from settings.runinfo import workdir
    from state.health import health_uri, open_health_store

    now = time.time()
    try:
        since = parse_since(args.since, now)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    uri = health_uri(settings)
    if urlsplit(uri).scheme == "sqlite":
        from state.sqlite import path_from_uri

        if not path_from_uri(uri).is_file():
            raise BadInput(f"{path_from_uri(uri)}: no health recorded yet (run `kliping crawl` first)")
    store = open_health_store(uri)
    try:
        outlet_rows = store.outlet_rows(since)
        run_rows = store.run_rows(since)
        source = store.uri
    finally:
        store.close()
    out = Path(args.out) if args.out else Path(workdir(settings)) / "report.html"
    page = build_report(outlet_rows, run_rows, since=since, generated=now, source=source)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(f".{out.name}.{os.getpid()}.part")
        part.write_text(page, encoding="utf-8")
        part.replace(out)
    except OSError as exc:
        raise BadInput(f"{out}: cannot write the report ({exc.strerror or exc})") from None
    alarms = sum(len(r.alarms) for r in run_rows)
    print(f"{out}: {len(run_rows)} run(s), {alarms} alarm(s)", file=sys.stderr)
    return EXIT_OK
