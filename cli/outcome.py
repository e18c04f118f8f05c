"""A run's exit code and its reasons, decided from its summary: what a scheduler acts on.

The rules (docs/operating.md, Exit codes) in order of precedence:

- 6 or 5: the run stopped early for lack of space (6) or because a state file became unusable
  (5): the operator must act before the next run, which resumes and loses nothing. They come
  first because a run cut short that way may also fail the checks below.
- 3: the run's invariants broke (responses fetched but not archived, articles extracted but not
  written).
- 2: bad input the run met: bad lines in a URL list (the good ones were fetched), an output store
  that could not be used.
- 1: the run had failures:
  - an outlet could not be reached at all (no listing answered: DNS, refused, timed out...);
  - an outlet wrote no article although article pages were requested and some failed;
  - failed requests above ``KLIPING_MAX_ERROR_RATE`` of all requests (a crawl; 404 and 410 of
    article pages a listing links to are *gone*, counted but not in the rate);
  - for a URL list, any URL that could not be fetched (each was asked for by name);
  - uploads that failed, or files left in the spool at the end;
  - work owed to a later run (``owed`` in the summary: an extraction over its time or memory
    budget, a dead worker), whatever the command: an operator should know the run ran short;
  - a stop for another reason than a signal.
- 7: the run worked, but an outlet's health alarmed (stale, drifted from its own history, a store
  the health history could not use): ``health.alarms`` in the summary (monitor/healthwatch.py).
  Only when nothing above applies.
- 0: clean. A graceful stop by a signal is 0 when nothing else failed.

Pure functions over the summary dict (:func:`monitor.summary.build_summary`), so the crawl's
monitor records the decision in ``summary.json`` (also under ``scrapy crawl`` and scrapyd) and
``kliping`` exits with the same code.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cli.common import (
    EXIT_BAD_INPUT,
    EXIT_FAILURES,
    EXIT_HEALTH,
    EXIT_INVARIANT,
    EXIT_NO_SPACE,
    EXIT_OK,
    EXIT_STATE,
)

#: Stats key where the monitor puts the outcome (``{"exit_code": ..., "reasons": [...]}``).
OUTCOME_KEY = "kliping/outcome"

#: Exit codes by precedence: the first that any reason calls for wins.
PRECEDENCE = (EXIT_NO_SPACE, EXIT_STATE, EXIT_INVARIANT, EXIT_BAD_INPUT, EXIT_FAILURES, EXIT_HEALTH)

#: The finish reason of a crawl the store check stopped (archive.stores.check.CLOSE_REASON).
STORE_UNUSABLE = "kliping_store_unusable"

#: Exit codes of early stops by their reason (``kliping/stopped_reason``): lifecycle/stops.py's
#: ``EXIT_FOR_STOP``, written out so the CLI loads no Scrapy to read it (a test keeps them equal).
STOP_CODES = {"no_space": EXIT_NO_SPACE, "state": EXIT_STATE}
STOP_KINDS = {EXIT_NO_SPACE: "no_space", EXIT_STATE: "state_unusable"}


@dataclass(frozen=True)
class Reason:
    """One reason for an exit code: its code, a stable kind and one line for a person."""

    code: int
    kind: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "kind": self.kind, "detail": self.detail}


@dataclass
class Outcome:
    """The exit code a run ends with and every reason for it (empty for 0)."""

    reasons: list[Reason] = field(default_factory=list)

    @property
    def code(self) -> int:
        codes = {reason.code for reason in self.reasons}
        return next((code for code in PRECEDENCE if code in codes), EXIT_OK)

    def as_dict(self) -> dict[str, Any]:
        return {"exit_code": self.code, "reasons": [reason.as_dict() for reason in self.reasons]}

    def headline(self) -> str:
        """``1: 2 outlets unreachable; error rate 12.5 %``: the exit code and its reasons, short."""
        if not self.reasons:
            return f"{self.code}: clean"
        kinds: dict[str, int] = {}
        for reason in self.reasons:
            kinds[reason.kind] = kinds.get(reason.kind, 0) + 1
        words = [
            f"{n} {HEADLINES.get(kind, kind)}" if n > 1 else HEADLINES_ONE.get(kind, kind)
            for kind, n in kinds.items()
        ]
        return f"{self.code}: " + "; ".join(words)


HEADLINES_ONE = {
    "invariant_broken": "an invariant broke",
    "no_space": "stopped for lack of space",
    "state_unusable": "state unusable",
    "store_unusable": "output store unusable",
    "bad_url_lines": "bad URL lines",
    "outlet_unreachable": "1 outlet unreachable",
    "outlet_no_article": "1 outlet wrote no article",
    "error_rate": "too many failed requests",
    "fetch_errors": "URLs not fetched",
    "uploads": "uploads left in the spool",
    "stopped_early": "stopped early",
    "owed": "work owed to the next run",
    "health_alarm": "1 health alarm",
}
HEADLINES = {
    "invariant_broken": "invariants broke",
    "outlet_unreachable": "outlets unreachable",
    "outlet_no_article": "outlets wrote no article",
    "health_alarm": "health alarms",
}


def _percent(share: float) -> str:
    return f"{share * 100:.1f} %"


def _top(counts: Mapping[str, int], most: int = 3) -> str:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{name} {n}" for name, n in ranked[:most])
    return text + (f", +{len(ranked) - most} more" if len(ranked) > most else "")


def decide(summary: Mapping[str, Any], *, max_error_rate: float = 0.05) -> Outcome:
    """The outcome of the run ``summary`` describes (see the module docstring)."""
    outcome = Outcome()
    add = outcome.reasons.append
    for name, held in (summary.get("invariants") or {}).items():
        if held is False:
            add(Reason(EXIT_INVARIANT, "invariant_broken", f"invariant {name} broken (see the summary)"))
    stopped = summary.get("stopped_early")
    stop_code = STOP_CODES.get(str(summary.get("stopped_reason") or ""))
    if stopped and stop_code is not None:
        add(Reason(stop_code, STOP_KINDS[stop_code], f"stopped: {stopped}"))
    elif stopped and stopped != "signal":
        add(Reason(EXIT_FAILURES, "stopped_early", f"stopped: {stopped}"))
    if summary.get("finish_reason") == STORE_UNUSABLE:
        line = str(summary.get("store_error") or "output store unusable")
        add(Reason(EXIT_BAD_INPUT, "store_unusable", line))
    bad_lines = (summary.get("bad_input") or {}).get("url_lines", 0)
    if bad_lines:
        add(Reason(EXIT_BAD_INPUT, "bad_url_lines", f"{bad_lines} bad line(s) in the URL list"))
    errors: dict[str, int] = dict(summary.get("errors") or {})
    if summary.get("spider") == "outlet":
        for line in summary.get("unreachable_outlets") or []:
            add(Reason(EXIT_FAILURES, "outlet_unreachable", line))
        unreachable = {line.split(":", 1)[0] for line in summary.get("unreachable_outlets") or []}
        for name, counts in (summary.get("per_outlet") or {}).items():
            failed = counts.get("failed", 0)
            if name not in unreachable and failed and not counts.get("articles", 0):
                add(
                    Reason(
                        EXIT_FAILURES,
                        "outlet_no_article",
                        f"{name}: wrote no article; {failed} of its article requests failed",
                    )
                )
        gone = (summary.get("articles") or {}).get("gone", 0)
        failed_requests = max(0, sum(errors.values()) - gone)
        requests = summary.get("requests") or 0
        if requests and failed_requests / requests > max_error_rate:
            share = failed_requests / requests
            add(
                Reason(
                    EXIT_FAILURES,
                    "error_rate",
                    f"{failed_requests} of {requests} requests failed ({_percent(share)}, above "
                    f"KLIPING_MAX_ERROR_RATE {_percent(max_error_rate)}): {_top(errors)}",
                )
            )
    elif errors:
        add(
            Reason(
                EXIT_FAILURES,
                "fetch_errors",
                f"{sum(errors.values())} request(s) failed: {_top(errors)}",
            )
        )
    owed = summary.get("owed") or {}
    if owed:
        listed = ", ".join(f"{len(items)} {kind}" for kind, items in owed.items())
        add(Reason(EXIT_FAILURES, "owed", f"owed to the next run: {listed} (see the summary)"))
    for alarm in (summary.get("health") or {}).get("alarms") or []:
        add(Reason(EXIT_HEALTH, "health_alarm", str(alarm.get("message") or alarm)))
    uploads = summary.get("uploads") or {}
    if uploads.get("failed") or uploads.get("left_in_spool"):
        add(
            Reason(
                EXIT_FAILURES,
                "uploads",
                f"{uploads.get('failed', 0)} upload(s) failed, {uploads.get('left_in_spool', 0)} "
                "file(s) left in the spool (`kliping upload` sends them)",
            )
        )
    return outcome


def run_exit_code(stats: Mapping[str, Any]) -> int:
    """The exit code the run's monitor decided, or (a crawl without the monitor) decided now.

    A run that stopped early for a reason of its own (a full disk, unusable state) also gets its
    one line, ``stopped: <why>``, last on stderr, where an operator reading a cron mail looks."""
    stopped = stats.get("kliping/stopped")
    if stopped:
        print(f"stopped: {stopped}", file=sys.stderr)
    outcome = stats.get(OUTCOME_KEY)
    if isinstance(outcome, Mapping) and isinstance(outcome.get("exit_code"), int):
        return int(outcome["exit_code"])
    from monitor.summary import build_summary

    return decide(build_summary(stats)).code


__all__ = ["OUTCOME_KEY", "STOP_CODES", "Outcome", "Reason", "decide", "run_exit_code"]
