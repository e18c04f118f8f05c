"""A crawl's exit code from its stats: broken invariants trump everything else."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from cli.common import EXIT_FAILURES, EXIT_HEALTH, EXIT_INVARIANT, EXIT_OK
from monitor.summary import BROKEN, HEALTH


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
    if code == 0 and errors_fail and error_count(stats):
        return EXIT_FAILURES
    alarms = (stats.get(HEALTH) or {}).get("alarms") or []
    if code == EXIT_OK and alarms:
        # The run worked, but an outlet's health alarmed: anything worse keeps its own code.
        print(f"kliping: {len(alarms)} health alarm(s) (see the summary)", file=sys.stderr)
        return EXIT_HEALTH
    return code
