"""``kliping check`` and ``kliping upload``, and the output-store check every crawl starts with.

Kept apart from :mod:`cli.main` so the command table there only gains two entries.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrapy.settings import Settings

EXIT_OK, EXIT_FAILURES, EXIT_BAD_INPUT = 0, 1, 2


def preflight(settings: Settings) -> None:
    """Raise :class:`archive.stores.StoreError` (one line) unless the output store takes files now."""
    from archive.stores import StoreError
    from archive.stores.check import store_problem

    if settings.getbool("KLIPING_STORE_CHECK") and (problem := store_problem(settings)):
        raise StoreError(problem)


def _kind_problem(name: str, value: Any, default: Any) -> str | None:
    """A setting given on the command line (a string) that cannot stand for its default's type."""
    if not isinstance(value, str) or isinstance(default, str) or default is None:
        return None
    if isinstance(default, bool):
        ok = value.strip().lower() in ("0", "1", "true", "false", "yes", "no", "on", "off")
        return None if ok else f"{name}: expected true or false, got {value!r}"
    if isinstance(default, int | float):
        try:
            float(value) if isinstance(default, float) else int(value)
        except ValueError:
            return f"{name}: expected a number, got {value!r}"
    return None


def settings_problems(settings: Settings) -> list[str]:
    """One line per ``KLIPING_*`` setting whose value cannot be used."""
    import settings.defaults as defaults

    problems = []
    for name in dir(defaults):
        if name.startswith("KLIPING_"):
            problem = _kind_problem(name, settings.get(name), getattr(defaults, name))
            if problem:
                problems.append(problem)
    formats = {f.strip().lower() for f in settings.getlist("KLIPING_TEXT_FORMATS")}
    if formats - {"jsonl", "parquet"}:
        bad = ", ".join(sorted(formats - {"jsonl", "parquet"}))
        problems.append(f"KLIPING_TEXT_FORMATS: unknown format(s) {bad} (known: jsonl, parquet)")
    if str(settings.get("KLIPING_S3_VERIFY")) not in ("etag", "size"):
        problems.append(
            f"KLIPING_S3_VERIFY: expected etag or size, got {settings.get('KLIPING_S3_VERIFY')!r}"
        )
    return problems


def outlet_problems(settings: Settings) -> tuple[int, list[str]]:
    """How many outlet files load, and one line per outlet file or directory that does not."""
    from settings.outlets import BUILTIN_DIR, OutletConfigError, load_outlet

    count, problems = 0, []
    for directory in (BUILTIN_DIR, *map(Path, settings.getlist("KLIPING_OUTLETS_DIRS"))):
        if not directory.is_dir():
            problems.append(f"{directory}: outlet directory not found")
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                load_outlet(path)
            except OutletConfigError as exc:
                problems.append(str(exc))
            else:
                count += 1
    return count, problems


def cmd_check(args: argparse.Namespace, overrides: Callable[[argparse.Namespace], dict[str, Any]]) -> int:
    from archive.stores.check import store_problem
    from cli.runner import project_settings

    settings = project_settings(overrides(args))
    problems = settings_problems(settings)
    outlets, outlet_lines = outlet_problems(settings)
    problems += outlet_lines
    store_line = store_problem(settings)
    if store_line:
        problems.append(store_line)
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        return EXIT_BAD_INPUT
    output = settings.get("KLIPING_OUTPUT")
    print(f"ok: settings valid, {outlets} outlet(s), output {output} writable", file=sys.stderr)
    return EXIT_OK


def cmd_upload(args: argparse.Namespace, overrides: Callable[[argparse.Namespace], dict[str, Any]]) -> int:
    from archive.stores import StoreError, output_store
    from archive.stores.spool import prune_empty_dirs, spool_root, upload_spool
    from cli.runner import project_settings
    from settings.runinfo import is_remote

    settings = project_settings(overrides(args))
    output = settings.get("KLIPING_OUTPUT")
    root = spool_root(settings)
    if not is_remote(settings):
        print(f"output {output} is local: nothing to upload", file=sys.stderr)
        return EXIT_OK
    store = output_store(settings)
    try:
        store.check()
    except StoreError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_BAD_INPUT
    result = upload_spool(store, root)
    prune_empty_dirs(root)
    for line in result.failed:
        print(line, file=sys.stderr)
    print(
        f"sent {len(result.sent)} file(s), {result.bytes_sent} bytes, from {root} to {store.uri}"
        + (f"; {len(result.failed)} kept in the spool" if result.failed else ""),
        file=sys.stderr,
    )
    return EXIT_FAILURES if result.failed else EXIT_OK
