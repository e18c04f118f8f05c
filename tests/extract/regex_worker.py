"""Runs every regular expression of ``extract/`` over texts sent on stdin (one JSON string a line).

Started once by ``test_extract_regex_linear.py``. Before each pattern it writes ``start <name>``
and after the whole text ``done``, so that a pattern that does not finish within the test's hard
timeout is named. A call that takes longer than ``PER_CALL_SECONDS`` (the engine of Python's
``re`` checks signals, RE2 needs no bound: it is linear by construction) is reported as
``slow <name>``.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from extract.regexes import all_patterns

PER_CALL_SECONDS = 10.0


class _Slow(Exception):
    pass


def _alarm(*_: object) -> None:
    raise _Slow


def main() -> int:
    signal.signal(signal.SIGALRM, _alarm)
    patterns = all_patterns()
    print(f"ready {len(patterns)}", flush=True)
    for line in sys.stdin:
        text = json.loads(line)
        data = text.encode("utf-8")
        for name, pattern in patterns:
            subject = data if isinstance(pattern.pattern, bytes) else text
            print(f"start {name}", flush=True)
            signal.setitimer(signal.ITIMER_REAL, PER_CALL_SECONDS)
            try:
                pattern.search(subject)
                pattern.match(subject)
                for _ in pattern.finditer(subject):
                    pass
            except _Slow:
                print(f"slow {name}", flush=True)
                return 1
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
