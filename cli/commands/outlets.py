"""``kliping outlets``: list the configured outlets, or check their configs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import EXIT_BAD_INPUT, EXIT_OK, settings_for

HELP = "list configured outlets (--check: validate their configs)"
DESCRIPTION = (
    "List the configured outlets: name, hosts and discovery kinds, from the built-in "
    "settings/outlets/ and every directory in KLIPING_OUTLETS_DIRS. With --check, validate every "
    "outlet file and report each invalid one as FILE: field: problem (exit code 2)."
)
PARENTS = ()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--check", action="store_true", help="validate every outlet file")


def outlet_files(extra_dirs: list[str]) -> tuple[list[Path], list[str]]:
    """Every outlet file in load order, and a problem line for each directory that does not exist."""
    from settings.outlets import BUILTIN_DIR

    files: list[Path] = []
    problems: list[str] = []
    for directory in (BUILTIN_DIR, *map(Path, extra_dirs)):
        if not directory.is_dir():
            problems.append(f"{directory}: outlet directory not found")
            continue
        files += sorted(directory.glob("*.toml"))
    return files, problems


def outlet_problems(extra_dirs: list[str]) -> tuple[int, list[str]]:
    """How many outlet files there are, and one line per file or directory that does not load."""
    from settings.outlets import OutletConfigError, load_outlet

    files, problems = outlet_files(extra_dirs)
    for path in files:
        try:
            load_outlet(path)
        except OutletConfigError as exc:
            problems.append(str(exc))
    return len(files), problems


def run(args: argparse.Namespace) -> int:
    from settings.outlets import load_outlets

    settings = settings_for(args, output_setting=False)
    dirs = settings.getlist("KLIPING_OUTLETS_DIRS")
    if args.check:
        count, problems = outlet_problems(dirs)
        for line in problems:
            print(line, file=sys.stderr)
        print(f"{count} outlet file(s), {len(problems)} problem(s)", file=sys.stderr)
        return EXIT_BAD_INPUT if problems else EXIT_OK
    outlets = load_outlets(dirs)
    rows = [
        (o.name, ", ".join(o.hosts), ", ".join(dict.fromkeys(d.kind for d in o.discovery)) or "-")
        for o in sorted(outlets.values(), key=lambda o: o.name)
    ]
    header = ("OUTLET", "HOSTS", "DISCOVERY")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(2)]
    for row in [header, *rows]:
        print(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}")
    return EXIT_OK
