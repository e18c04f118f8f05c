"""A crawl's exit code from its stats.

In order of precedence: a run stopped for lack of space (6) or unusable state (5), which the
operator must fix before the next run; broken invariants (3); failures (1: errors, files left in
the upload spool); then the command's own code (bad URL lines: 2).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from cli.common import EXIT_FAILURES, EXIT_INVARIANT, EXIT_NO_SPACE, EXIT_STATE
from monitor.summary import BROKEN

#: Exit codes of early stops by their reason (``kliping/stopped_reason``; lifecycle/stops.py).
STOP_CODES = {"no_space": EXIT_NO_SPACE, "state": EXIT_STATE}
#: Stats key: files left in the local spool when the run ended (archive/stores/extension.py).
SPOOLED = "kliping/store/spooled"


def error_count(stats: Mapping[str, Any]) -> int:
    return sum(v for k, v in stats.items() if k.startswith("kliping/errors/") and isinstance(v, int))


def exit_code(stats: Mapping[str, Any], code: int, *, errors_fail: bool = True) -> int:
    """``code``, raised to EXIT_FAILURES on errors (if ``errors_fail``) and to EXIT_INVARIANT when
    the books do not balance."""
    stopped = stats.get("kliping/stopped")
    if stopped:
        # Why the run stopped early (a full disk...): one line; the next start recovers its files.
        print(f"stopped: {stopped}", file=sys.stderr)
    stop_code = STOP_CODES.get(str(stats.get("kliping/stopped_reason") or ""))
    if stop_code is not None:
        return stop_code
    broken = stats.get(BROKEN) or []
    if broken:
        print(f"kliping: run invariants broken: {', '.join(broken)} (see the summary)", file=sys.stderr)
        return EXIT_INVARIANT
    if stopped:
        return max(code, EXIT_FAILURES)
    if code == 0 and stats.get(SPOOLED):
        # Nothing is lost (the files are on local disk), but the run did not deliver its output.
        return EXIT_FAILURES
    if code == 0 and errors_fail and error_count(stats):
        return EXIT_FAILURES
    return code
