"""The markdown table of a bench result (``bench/results/<date>.md``)."""

from __future__ import annotations

from typing import Any


def _cell(spread: dict[str, Any] | None, unit: str = "") -> str:
    if not spread:
        return "-"
    return f"{spread['median']:g}{unit} ({spread['min']:g}-{spread['max']:g}, n={spread['n']})"


def markdown(result: dict[str, Any]) -> str:
    """Machine, configuration, one table per benchmark and the verdicts against the targets."""
    m = result["machine"]
    c = result["config"]
    lines = [
        f"# kliping bench {result['date']}{' (quick smoke run)' if result['quick'] else ''}",
        "",
        f"Machine: {m['cpu_model']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, "
        f"Python {m['python']}; load average at start {m['load_average_at_start']}. {m['note']}.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        "",
        f"Config: {c['pages']} synthetic article pages over 8 hosts, {c['runs']} run(s) per figure, "
        f"served by {c['server']}. Politeness relaxed for the bench: "
        + ", ".join(f"{k}={v}" for k, v in c["crawl_settings"].items())
        + " (robots.txt still obeyed by kliping). Figures: median (min-max, n runs)."
        + (f" Note: {c['note']}" if c.get("note") else ""),
        "",
    ]
    b12 = result.get("B1_B2", {}).get("summary")
    if b12:
        lines += [
            "## B1 crawl and B2 re-extraction",
            "",
            "| measure | pages/s | peak RSS MB (tree) | seconds |",
            "|---|---|---|---|",
        ]
        names = {
            "kliping_crawl": "kliping crawl (fetch + WARC + extraction + JSONL)",
            "bare_fetch": "bare Scrapy fetch (no processing)",
            "bare_extract_2p": "bare trafilatura.extract, metadata JSON, 2 processes",
            "kliping_extract_1p": "kliping extract from WARC, 1 process",
            "kliping_extract_2p": "kliping extract from WARC, 2 processes",
        }
        for key, label in names.items():
            if key in b12:
                s = b12[key]
                lines.append(
                    f"| {label} | {_cell(s.get('pages_per_s'))} | {_cell(s.get('peak_rss_mb'))} | "
                    f"{_cell(s.get('seconds'))} |"
                )
        lines += ["", "| ratio | value |", "|---|---|"]
        for key, label in (
            ("ratio_full_vs_bare", "B1 full / min(bare fetch, bare 2-process extraction)"),
            ("ratio_extract_2p_vs_bare", "B2 kliping extract 2p / bare 2p"),
            ("scaling_1p_to_2p", "B2 kliping extract 2p / 1p"),
        ):
            if key in b12:
                lines.append(f"| {label} | {_cell(b12[key])} |")
        lines.append("")
    b3 = result.get("B3")
    if b3:
        lines += [
            "## B3 memory (peak of the crawl's whole process tree)",
            "",
            "| pages | footprint MB (distinct resident pages) | peak PSS MB (sum) | peak RSS MB (sum) "
            "| processes | pages/s |",
            "|---|---|---|---|---|---|",
        ]
        for pages, data in b3["sizes"].items():
            s = data["summary"]
            lines.append(
                f"| {pages} | {_cell(s.get('peak_unique_mb'))} | {_cell(s.get('peak_pss_mb'))} | "
                f"{_cell(s.get('peak_rss_mb'))} | {_cell(s.get('processes'))} | "
                f"{_cell(s.get('pages_per_s'))} |"
            )
        measure = b3.get("footprint_measure", "peak_rss_mb")
        lines += [
            "",
            f"Footprint measure: {measure}. Growth small -> large (median): {b3['growth']}. The RSS sum "
            "counts a page shared by several processes (forkserver and workers) once per process.",
            "",
        ]
        lines += [
            "Per process role at the sample of peak PSS (last run of each size; summed over the "
            "processes of a role):",
            "",
            "| pages | process | count | peak RSS MB | peak PSS MB |",
            "|---|---|---|---|---|",
        ]
        for pages, data in b3["sizes"].items():
            per = data["runs"][-1].get("per_process") or {}
            for name in ("main", "forkserver", "resource_tracker", "worker"):
                if name in per:
                    p = per[name]
                    lines.append(f"| {pages} | {name} | {p['count']} | {p['rss_mb']} | {p['pss_mb']} |")
        lines.append("")
    b4 = result.get("B4")
    if b4:
        lines += [
            f"## B4 peers ({b4['pages']} pages, same replay web)",
            "",
            "| tool | pages/s | peak RSS MB | corpus token F1 | title acc | date acc |",
            "|---|---|---|---|---|---|",
        ]
        for name in [k for k in b4 if k not in ("pages", "f1")]:
            s = b4[name]["summary"]
            f1 = b4["f1"].get(name, {})
            lines.append(
                f"| {name} | {_cell(s.get('pages_per_s'))} | {_cell(s.get('peak_rss_mb'))} | "
                f"{f1.get('token_F1', '-')} | {f1.get('title_acc', '-')} | {f1.get('date_acc', '-')} |"
            )
        lines.append("")
    if result.get("B7"):
        from bench.bombs import markdown as bombs_markdown

        lines += [*bombs_markdown(result["B7"]).splitlines(), ""]
    b6 = result.get("B6")
    if b6:
        lines += [
            "## B6 extraction cost, 1 worker (CPU time, interleaved page by page)",
            "",
            "| pages | n | kliping CPU s | bare Trafilatura+metadata CPU s | bare / kliping"
            " | slowest page s |",
            "|---|---|---|---|---|---|",
        ]
        for name, r in b6.items():
            lines.append(
                f"| {name} | {r['pages']} x {r['rounds']} | {r['kliping_cpu_s']} | {r['bare_cpu_s']} | "
                f"{r['ratio_bare_vs_kliping']} | {r['slowest_page_s']} |"
            )
        lines.append("")
    if result.get("verdicts"):
        lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
        for key, v in result["verdicts"].items():
            lines.append(f"| {key} {v['target']} | {v['value']} | {'yes' if v['met'] else 'NO'} |")
        lines.append("")
    lines.append(f"Total bench time: {result['elapsed_s']} s.")
    return "\n".join(lines) + "\n"
