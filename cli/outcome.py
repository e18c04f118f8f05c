"""A crawl's exit code from its stats: broken invariants trump everything else; work owed to a
later run (``kliping/owed/*``) always fails the run, even a crawl that tolerates web errors."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from cli.common import EXIT_FAILURES, EXIT_INVARIANT
from monitor.summary import BROKEN, owed_work


def error_count(stats: Mapping[str, Any]) -> int:
    return sum(v for k, v in stats.items() if k.startswith("kliping/errors/") and isinstance(v, int))


def exit_code(stats: Mapping[str, Any], code: int, *, errors_fail: bool = True) -> int:
    """``code``, raised to EXIT_FAILURES on errors (if ``errors_fail``) and to EXIT_INVARIANT when
    the books do not balance."""
    stopped = stats.get("kliping/stopped")
    if stopped:
        # Why the run stopped early (a full disk...): one line; the next start recovers its files.
        print(f"stopped: {stopped}", file=sys.stderr)
    broken = stats.get(BROKEN) or []
    if broken:
        print(f"kliping: run invariants broken: {', '.join(broken)} (see the summary)", file=sys.stderr)
        return EXIT_INVARIANT
    if stopped:
        return max(code, EXIT_FAILURES)
    owed = owed_work(stats)
    if owed:
        # Work lost this run (an extraction over its budget, a dead worker) fails the run whatever
        # the command: it is owed to a later run, which an operator should know ran short.
        listed = ", ".join(f"{len(items)} {kind}" for kind, items in owed.items())
        print(f"owed to the next run: {listed} (see the summary)", file=sys.stderr)
        return max(code, EXIT_FAILURES)
    if code == 0 and errors_fail and error_count(stats):
        return EXIT_FAILURES
    return code
