"""The run summary: built from a crawl's stats, checked for its invariants, shown as a table.

Pure functions over the stats dict, so the crawl, the CLI and the tests read the same numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

#: Stats key under which the monitor counts every response the downloader handed over.
DOWNLOADED = "kliping/monitor/responses_downloaded"
#: Stats key listing the names of broken invariants (empty list: all held).
BROKEN = "kliping/invariants/broken"
#: Stats key with the path of the summary file written.
SUMMARY_PATH = "kliping/monitor/summary_path"
#: Prefix of the stats keys listing work this run failed and owes to a later one (a list of dicts
#: each: ``kliping/owed/extraction`` holds stories whose extraction failed, with their WARC pointers).
OWED_PREFIX = "kliping/owed/"
#: Stats key with the run's ``health`` section (monitor.healthwatch): outlets judged, alarms.
HEALTH = "kliping/health"

#: Skip reasons always listed (zero when none), so runs compare line by line.
SKIP_REASONS = (
    "robots",
    "already_seen",
    "not_article",
    "too_large",
    "not_html",
    "blocked_destination",
    "unsupported_redirect",
)
#: Stats key listing the destination guard's refusals (``{url, address, reason}``; fetch/guard.py).
BLOCKED_DESTINATIONS = "kliping/blocked_destinations"
#: Scrapy's own stats keys shown under kliping's reasons: the one place they are mapped
#: (docs/operating.md). Faults Scrapy gives no stat for, or only an ambiguous one, are counted at the
#: source under ``kliping/errors/*`` and ``kliping/skipped/*`` (fetch/faults.py).
SCRAPY_KEYS: dict[str, tuple[str, str]] = {
    # key (or prefix ending in "/") -> (summary section, reason)
    "robotstxt/forbidden": ("skipped", "robots"),
    "retry/reason_count/": ("retried", "by_reason"),
    "retry/count": ("retried", "requests"),
    "retry/max_reached": ("retried", "gave_up"),
}


def _int(stats: Mapping[str, Any], key: str) -> int:
    value = stats.get(key, 0)
    return value if isinstance(value, int) else 0


def _prefixed(stats: Mapping[str, Any], prefix: str) -> dict[str, int]:
    return {
        key[len(prefix) :]: value
        for key, value in sorted(stats.items())
        if key.startswith(prefix) and isinstance(value, int)
    }


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


#: Stats key of the per-outlet counts the outlet spider keeps (spiders.outlet.OUTLET_HEALTH).
OUTLET_HEALTH = "kliping/outlet_health"


def build_summary(
    stats: Mapping[str, Any],
    *,
    run_id: str = "",
    spider: str = "",
    archiving: bool = True,
    per_outlet: Mapping[str, Mapping[str, int]] | None = None,
) -> dict[str, Any]:
    """The summary of a finished run; ``invariants`` maps each check to True, False or None (not checked).

    ``per_outlet`` (pages and articles, as the monitor counted them) is merged with the outlet
    spider's own counts: listings reached, article links listed, article pages requested, failed
    and gone (404/410).
    """
    outlets: dict[str, dict[str, int]] = {name: dict(counts) for name, counts in (per_outlet or {}).items()}
    health = stats.get(OUTLET_HEALTH)
    if isinstance(health, Mapping):
        for name, counts in health.items():
            outlets.setdefault(name, {"pages": 0, "articles": 0}).update(counts)
    skipped = {reason: 0 for reason in SKIP_REASONS} | _prefixed(stats, "kliping/skipped/")
    retried: dict[str, Any] = {"requests": 0, "gave_up": 0, "by_reason": {}}
    for key, (section, reason) in SCRAPY_KEYS.items():
        if section == "skipped" and key in stats and not skipped.get(reason):
            # Scrapy counts it even when no errback of ours saw the request.
            skipped[reason] = _int(stats, key)
        elif section == "retried" and key.endswith("/"):
            by_reason: dict[str, int] = {}
            for raw, n in _prefixed(stats, key).items():
                name = retry_reason(raw)
                by_reason[name] = by_reason.get(name, 0) + n
            retried[reason] = dict(sorted(by_reason.items()))
        elif section == "retried":
            retried[reason] = _int(stats, key)
    fetched = _int(stats, DOWNLOADED)
    archived = _int(stats, "kliping/warc/responses")
    extracted = _int(stats, "kliping/articles/extracted")
    written = _int(stats, "item_scraped_count")
    # Extracted articles held back on purpose when the disk filled: they stay in the WARC and the
    # next start rebuilds their text records from it (docs/reliability.md), so they are accounted.
    deferred = _int(stats, "kliping/skipped/no_space")
    feed_failures = _int(stats, "feedexport/failed_count")
    invariants: dict[str, bool | None] = {
        # Every response fetched has its response record in a WARC.
        "responses_archived": (fetched == archived) if archiving else None,
        # Every article extracted reached the text output, and no feed failed to store.
        "articles_written": extracted == written + deferred and feed_failures == 0,
    }
    # robots.txt handed to discovery from the robots middleware (fetch/robots.py) passes Scrapy's
    # downloader stats a second time; it was fetched once.
    shared = _prefixed(stats, "kliping/robots/shared/")
    by_status = {
        status: n - shared.get(status, 0)
        for status, n in _prefixed(stats, "downloader/response_status_count/").items()
        if n - shared.get(status, 0)
    }
    start, finish = stats.get("start_time"), stats.get("finish_time")
    # A stop signal ends the run early but cleanly (Scrapy's finish reason "shutdown"); other early
    # stops (a full disk) name themselves under kliping/stopped.
    stopped = stats.get("kliping/stopped") or ("signal" if stats.get("finish_reason") == "shutdown" else None)
    elapsed = (finish - start).total_seconds() if isinstance(start, datetime) and finish else None
    return {
        "run_id": run_id,
        "spider": spider,
        "started": _iso(start),
        "finished": _iso(finish),
        "elapsed_seconds": round(elapsed, 3) if elapsed is not None else None,
        "finish_reason": stats.get("finish_reason"),
        "stopped_early": stopped,
        # Why (lifecycle/stops.py): ``no_space``, ``state``...; the exit code follows from it.
        "stopped_reason": stats.get("kliping/stopped_reason"),
        "requests": _int(stats, "downloader/request_count"),
        "responses": {
            "fetched": fetched,
            "counted_by_scrapy": _int(stats, "downloader/response_count") - sum(shared.values()),
            "by_status": by_status,
            "bytes": _int(stats, "downloader/response_bytes"),
        },
        "warc": {
            "response_records": archived,
            "records": _int(stats, "kliping/warc/records"),
            "files": list(stats.get("kliping/warc/files") or []),
        },
        "articles": {
            "extracted": extracted,
            "written": written,
            "deferred_to_recovery": deferred,
            "gone": _int(stats, "kliping/articles/gone"),
        },
        "skipped": skipped,
        "errors": _prefixed(stats, "kliping/errors/"),
        "retried": retried,
        "blocked_destinations": [dict(entry) for entry in stats.get(BLOCKED_DESTINATIONS) or []],
        "bad_input": {"url_lines": _int(stats, "kliping/bad_input/url_lines")},
        # Remote output (archive/stores/extension.py): files sent, files the run's last pass could
        # not send, and files waiting in the local spool for the next run or `kliping upload`.
        "uploads": {
            "sent": _int(stats, "kliping/store/uploaded"),
            "failed": _int(stats, "kliping/store/failed_at_end"),
            "left_in_spool": _int(stats, "kliping/store/spooled"),
        },
        "unreachable_outlets": list(stats.get("kliping/unreachable_outlets") or []),
        "partly_unreachable_outlets": list(stats.get("kliping/partly_unreachable_outlets") or []),
        "owed": owed_work(stats),
        "per_outlet": {name: outlets[name] for name in sorted(outlets)},
        "store_error": stats.get("kliping/store_error"),
        "invariants": invariants,
        "health": dict(stats.get(HEALTH) or {}),
    }


def owed_work(stats: Mapping[str, Any]) -> dict[str, list[Any]]:
    """What the run failed to do and left for a later run, by kind (``kliping/owed/<kind>`` lists)."""
    return {
        key[len(OWED_PREFIX) :]: list(value)
        for key, value in sorted(stats.items())
        if key.startswith(OWED_PREFIX) and isinstance(value, list) and value
    }


def retry_reason(raw: str) -> str:
    """kliping's name for a ``retry/reason_count/*`` suffix: ``503 Service Unavailable`` -> ``503``,
    ``scrapy.exceptions.DownloadTimeoutError`` -> ``timed_out``."""
    # Imported here: fetch.faults imports Scrapy, and the CLI imports this module for every
    # command, ``--help`` and a bad argument included (~0.5 s).
    from fetch.faults import exception_reason

    head = raw.split(" ", 1)[0]
    return head if head.isdigit() else exception_reason(raw)


def broken_invariants(summary: Mapping[str, Any]) -> list[str]:
    """Names of the invariants that did not hold."""
    return [name for name, held in summary["invariants"].items() if held is False]


def render_table(summary: Mapping[str, Any]) -> str:
    """The summary as an aligned two-column table for a terminal or a log."""
    rows: list[tuple[str, str]] = [("run", f"{summary['run_id']} ({summary['spider']})")]
    if summary["elapsed_seconds"] is not None:
        rows.append(("elapsed", f"{summary['elapsed_seconds']:.1f} s ({summary['finish_reason']})"))
    if summary["stopped_early"]:
        rows.append(("stopped early", str(summary["stopped_early"])))
    responses = summary["responses"]
    rows += [
        ("requests", str(summary["requests"])),
        ("responses", str(responses["fetched"])),
    ]
    rows += [(f"  status {code}", str(n)) for code, n in responses["by_status"].items()]
    rows += [
        ("bytes received", f"{responses['bytes']:,}"),
        ("WARC response records", str(summary["warc"]["response_records"])),
        ("WARC records", str(summary["warc"]["records"])),
        ("articles extracted", str(summary["articles"]["extracted"])),
        ("articles written", str(summary["articles"]["written"])),
    ]
    if summary["articles"].get("gone"):
        # Listed, but taken down (or never there): counted under their HTTP error, not failures.
        rows.append(("articles gone (404/410)", str(summary["articles"]["gone"])))
    rows += [(f"skipped: {reason}", str(n)) for reason, n in summary["skipped"].items() if n]
    rows += [
        ("  blocked", f"{entry['url']} ({entry['address']}: {entry['reason']})")
        for entry in summary.get("blocked_destinations", [])[:5]
    ]
    rows += [(f"error: {kind}", str(n)) for kind, n in summary["errors"].items()]
    retried = summary["retried"]
    if retried["requests"]:
        reasons = ", ".join(f"{name}: {n}" for name, n in retried["by_reason"].items())
        gave_up = f", gave up on {retried['gave_up']}" if retried["gave_up"] else ""
        rows.append(("retried", f"{retried['requests']} ({reasons}){gave_up}"))
    uploads = summary["uploads"]
    if any(uploads.values()):
        left = f", {uploads['left_in_spool']} left in the spool" if uploads["left_in_spool"] else ""
        rows.append(("uploads", f"{uploads['sent']} sent{left}"))
    for kind, items in summary.get("owed", {}).items():
        rows.append((f"owed: {kind}", str(len(items))))
    if summary["bad_input"]["url_lines"]:
        rows.append(("bad URL lines", str(summary["bad_input"]["url_lines"])))
    for name, counts in summary["per_outlet"].items():
        if not (counts.get("pages") or counts.get("articles") or counts.get("failed")):
            continue  # an outlet that could not be reached has its own line in the log
        text = f"{counts.get('pages', 0)} pages, {counts.get('articles', 0)} articles"
        if counts.get("gone"):
            text += f", {counts['gone']} gone"
        if counts.get("failed"):
            text += f", {counts['failed']} failed"
        rows.append((f"outlet {name}", text))
    for name, held in summary["invariants"].items():
        rows.append((f"check {name}", {True: "ok", False: "FAILED", None: "not checked"}[held]))
    rows += health_rows(summary.get("health") or {})
    outcome = summary.get("outcome")
    if outcome:
        rows.append(("exit code", str(outcome["exit_code"])))
        for reason in outcome["reasons"]:
            # Outlets that could not be reached have their own line in the log already, and each
            # health alarm its HEALTH ALARM line above.
            if reason["kind"] not in ("outlet_unreachable", "health_alarm"):
                rows.append(("  because", reason["detail"]))
        unreachable = sum(1 for r in outcome["reasons"] if r["kind"] == "outlet_unreachable")
        if unreachable:
            rows.append(("  because", f"{unreachable} outlet(s) could not be reached (one line each above)"))
    width = max(len(label) for label, _ in rows)
    lines = ["kliping run summary", "-" * (width + 14)]
    lines += [
        f"{label:<{width}}  {value:>10}" if len(value) <= 10 else f"{label:<{width}}  {value}"
        for label, value in rows
    ]
    return "\n".join(lines)


def health_rows(health: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The table's health lines: one per alarm, naming the outlet and what moved."""
    if not health:
        return []
    alarms = health.get("alarms") or []
    if not alarms:
        judged = f"ok, {len(health.get('outlets') or {})} outlet(s) judged" if health.get("judged") else ""
        return [("health", judged or f"not judged: {health.get('why') or '-'}")]
    return [("HEALTH ALARM", str(alarm.get("message"))) for alarm in alarms]


def write_summary(summary: Mapping[str, Any], directory: Path) -> Path:
    """Write ``summary.json`` into ``directory`` (atomically) and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "summary.json"
    tmp = path.with_name(path.name + ".part")
    try:
        tmp.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)  # never leave half a summary behind (a full disk)
        raise
    return path
