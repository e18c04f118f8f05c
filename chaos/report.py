"""The soak's results: one table row per scenario (printed and written as markdown), then the
details that make a finding reproducible: every run, what was done to it, how it ended."""

from __future__ import annotations

from collections import Counter

from chaos.scenarios import Outcome

HEADER = (
    "| scenario | runs | kills/stops | lost J/P | duplicated J/P | corrupt | left over | orphans "
    "| exit codes seen | unexpected exits | over bound | wall |"
)
RULE = "|" + "---|" * 12


def _codes(outcome: Outcome) -> str:
    counts = Counter("hung" if run.code is None else str(run.code) for run in outcome.runs)
    return ", ".join(f"{code}×{n}" for code, n in sorted(counts.items(), key=lambda kv: kv[0]))


def _wall(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s"


def row(outcome: Outcome) -> str:
    v = outcome.verdict
    if v is None:
        lost = dup = corrupt = left = "—"
    else:
        lost = f"{len(v.lost(v.jsonl))}/{len(v.lost(v.parquet))}"
        dup = f"{v.duplicated(v.jsonl)}/{v.duplicated(v.parquet)}"
        corrupt, left = str(len(v.corrupt)), str(len(v.leftovers))
    name = outcome.scenario + ("" if outcome.completed else " (never completed)")
    if outcome.error:
        name += " (harness error)"
    cells = [
        name, str(len(outcome.runs)), str(outcome.signals), lost, dup, corrupt, left, str(outcome.orphans),
        _codes(outcome), str(len(outcome.unexpected)), str(len(outcome.over_bound)), _wall(outcome.wall),
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def table(outcomes: list[Outcome]) -> str:
    return "\n".join([HEADER, RULE, *(row(o) for o in outcomes)])


def _expected(codes: frozenset[int]) -> str:
    return "{" + ", ".join(str(c) for c in sorted(codes)) + "}"


def details(outcome: Outcome, limit: int = 12) -> str:
    """Markdown: the scenario's runs and findings."""
    lines = [f"#### {outcome.scenario}", ""]
    if outcome.error:
        lines += [f"- harness error: {outcome.error}"]
    v = outcome.verdict
    if v is not None:
        lines.append(
            f"- checked {v.warcs} WARC(s), {sum(v.jsonl.values())} JSON lines records, "
            f"{sum(v.parquet.values())} Parquet records, {v.records_checked} provenance pointers"
        )
        for label, urls in (
            ("lost from JSON lines", v.lost(v.jsonl)),
            ("lost from Parquet", v.lost(v.parquet)),
        ):
            if urls:
                lines.append(f"- {label}: {len(urls)}, e.g. " + ", ".join(urls[:3]))
        for label, counts in (("JSON lines", v.jsonl), ("Parquet", v.parquet)):
            twice = sorted(url for url, n in counts.items() if n > 1)
            if twice:
                lines.append(
                    f"- duplicated in {label}: {len(twice)} article(s), e.g. " + ", ".join(twice[:3])
                )
        if len(v.redirect_urls) > 1:
            lines.append(
                f"- redirected articles are recorded under two URLs: {v.redirect_urls['listed']} record(s) "
                f"name the URL listed, {v.redirect_urls['final']} the URL it redirects to"
            )
        if v.unexpected():
            lines.append(
                f"- records of URLs that are not articles of the web: {', '.join(v.unexpected()[:5])}"
            )
        lines += [f"- corrupt: {item}" for item in v.corrupt[:limit]]
        if len(v.corrupt) > limit:
            lines.append(f"- ... {len(v.corrupt) - limit} more corrupt")
        lines += [f"- left over: {item}" for item in v.leftovers[:limit]]
        if len(v.leftovers) > limit:
            lines.append(f"- ... {len(v.leftovers) - limit} more left over")
    lines += [f"- {note}" for note in outcome.notes]
    lines += [
        "",
        "| run | what was done | exit | expected | seconds | stop s | over bound | orphans | in its log "
        "| note |",
    ]
    lines.append("|" + "---|" * 10)
    for run in outcome.runs:
        lines.append(
            "| "
            + " | ".join(
                [
                    str(run.number),
                    run.kind,
                    "hung" if run.code is None else str(run.code),
                    _expected(run.expected),
                    f"{run.seconds:.1f}",
                    "" if run.stop_seconds is None else f"{run.stop_seconds:.1f}",
                    run.over_bound,
                    ", ".join(run.orphans),
                    run.signatures(),
                    run.note.strip(),
                ]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"
