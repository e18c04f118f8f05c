"""The health report: one static HTML file, no server, no network. No Scrapy here.

Plots over time (plotly, its JavaScript inline): new articles per outlet per day, failures (HTTP
errors, dead listings), drift and extraction quality (empty and short text, missing title, date
and author, boilerplate-like lines, median text length), with each alarm marked on its run; then
the last run's table and every alarm of the period. Rows come from the health store
(:mod:`state.health`).

Every string that could come from a page or a server (URLs, error messages, alarm lines, run ids)
goes into the HTML escaped, and the chart data goes in as JSON with ``<``, ``>`` and ``&``
written as ``\\u`` escapes, so nothing a site sends can end a script or add markup.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from state.health import OutletRow, RunRow

#: Days and times in the report are in Western Indonesia Time.
ZONE = ZoneInfo("Asia/Jakarta")
ZONE_LABEL = "WIB"


@dataclass(frozen=True)
class Chart:
    """One plot: its element id, title, the metric per outlet per run it draws, how to read it."""

    id: str
    title: str
    metric: str
    #: ``share``: a 0-1 share shown in per cent; ``count``; ``chars``.
    unit: str


#: The per-run plots, in page order (the articles-per-day plot comes first).
CHARTS = (
    Chart("chart-http-errors", "HTTP errors (share of requests)", "http_error_rate", "share"),
    Chart("chart-dead-listings", "Listings that gave no link", "dead_listings", "count"),
    Chart("chart-empty-text", "Empty text (share of article pages)", "empty_text_share", "share"),
    Chart("chart-missing-date", "Date missing (share of articles)", "missing_date_share", "share"),
    Chart("chart-missing-title", "Title missing (share of articles)", "missing_title_share", "share"),
    Chart("chart-missing-author", "Author missing (share of articles)", "missing_author_share", "share"),
    Chart("chart-short-text", "Short text (share of articles)", "short_text_share", "share"),
    Chart(
        "chart-boilerplate", "Boilerplate-like lines (share of text lines)", "boilerplate_line_share", "share"
    ),
    Chart("chart-text-length", "Median text length (characters)", "median_text_chars", "chars"),
)
ARTICLES_CHART = "chart-articles-per-day"

#: Columns of the last run's table: (metric, heading, unit).
TABLE = (
    ("new_articles", "new articles", "count"),
    ("stories", "article pages", "count"),
    ("listings_alive", "listings alive", "listings"),
    ("empty_text_share", "empty text", "share"),
    ("missing_title_share", "no title", "share"),
    ("missing_date_share", "no date", "share"),
    ("missing_author_share", "no author", "share"),
    ("boilerplate_line_share", "boilerplate lines", "share"),
    ("median_text_chars", "median chars", "count"),
    ("http_error_rate", "HTTP errors", "share"),
    ("bytes", "bytes", "count"),
    ("fetch_seconds", "fetch s", "seconds"),
)


def local_time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=ZONE)


def day_of(epoch: float) -> str:
    """The WIB calendar day of a moment, ``YYYY-MM-DD``."""
    return local_time(epoch).strftime("%Y-%m-%d")


def _metric(row: OutletRow, name: str) -> Any:
    if name == "dead_listings":
        listings, alive = row.metrics.get("listings"), row.metrics.get("listings_alive")
        return None if listings is None or alive is None else int(listings) - int(alive)
    return row.metrics.get(name)


def articles_per_day(rows: Iterable[OutletRow]) -> dict[str, dict[str, int]]:
    """Outlet -> WIB day -> new articles written that day (runs ending that day)."""
    days: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        days[row.outlet][day_of(row.finished)] += int(row.metrics.get("new_articles") or 0)
    return {outlet: dict(sorted(per_day.items())) for outlet, per_day in sorted(days.items())}


def series(rows: Iterable[OutletRow], metric: str) -> dict[str, tuple[list[str], list[Any], list[str]]]:
    """Outlet -> (WIB times, values, run ids) of one metric, run by run in time order."""
    out: dict[str, tuple[list[str], list[Any], list[str]]] = {}
    for row in sorted(rows, key=lambda r: (r.finished, r.outlet)):
        times, values, runs = out.setdefault(row.outlet, ([], [], []))
        times.append(local_time(row.finished).strftime("%Y-%m-%d %H:%M:%S"))
        values.append(_metric(row, metric))
        runs.append(row.run_id)
    return dict(sorted(out.items()))


def _alarmed(row: OutletRow, metric: str) -> bool:
    for alarm in row.alarms:
        named = alarm.get("metrics") or []
        if metric in named or (metric == "dead_listings" and "listings_alive" in named):
            return True
    return False


def figures(rows: Sequence[OutletRow]) -> list[dict[str, Any]]:
    """Every chart as a plotly figure (JSON-ready dict with its element id under ``id``)."""
    import plotly.graph_objects as go
    import plotly.io as pio

    out = []
    per_day = articles_per_day(rows)
    days = sorted({day for counts in per_day.values() for day in counts})
    fig = go.Figure(
        [
            go.Bar(name=outlet, x=days, y=[counts.get(day, 0) for day in days])
            for outlet, counts in per_day.items()
        ]
    )
    fig.update_layout(
        title=f"New articles per outlet per day ({ZONE_LABEL})",
        barmode="group",
        template="plotly_white",
        xaxis={"type": "category", "title": f"day ({ZONE_LABEL})"},
        yaxis={"title": "articles", "rangemode": "tozero"},
        height=360,
        margin={"t": 50, "b": 50, "l": 60, "r": 20},
    )
    out.append({"id": ARTICLES_CHART, "figure": json.loads(pio.to_json(fig))})
    for chart in CHARTS:
        traces = []
        marks_x, marks_y, marks_text = [], [], []
        by_outlet = series(rows, chart.metric)
        for outlet, (times, values, _runs) in by_outlet.items():
            traces.append(go.Scatter(name=outlet, x=times, y=values, mode="lines+markers", connectgaps=False))
        for row in rows:
            value = _metric(row, chart.metric)
            if value is not None and _alarmed(row, chart.metric):
                marks_x.append(local_time(row.finished).strftime("%Y-%m-%d %H:%M:%S"))
                marks_y.append(value)
                marks_text.append(row.outlet)
        if marks_x:
            traces.append(
                go.Scatter(
                    name="alarm",
                    x=marks_x,
                    y=marks_y,
                    mode="markers",
                    text=marks_text,
                    marker={"symbol": "x", "size": 14, "color": "#d62728", "line": {"width": 2}},
                    hovertemplate="alarm: %{text}<extra></extra>",
                )
            )
        fig = go.Figure(traces)
        yaxis: dict[str, Any] = {"rangemode": "tozero"}
        if chart.unit == "share":
            yaxis.update(tickformat=".0%", range=[0, 1.05])
        fig.update_layout(
            title=chart.title,
            template="plotly_white",
            xaxis={"title": f"run ended ({ZONE_LABEL})"},
            yaxis=yaxis,
            height=320,
            margin={"t": 50, "b": 50, "l": 60, "r": 20},
        )
        out.append({"id": chart.id, "figure": json.loads(pio.to_json(fig))})
    return out


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    for raw, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(raw, escaped)
    return text


def _cell(value: Any, unit: str, row: Mapping[str, Any] | None = None) -> str:
    if value is None:
        return "-"
    if unit == "share":
        return f"{float(value) * 100:.0f}%"
    if unit == "listings" and row is not None:
        return f"{value} of {row.get('listings', '?')}"
    if unit == "seconds":
        return f"{float(value):.1f}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.0f}"


def _last_run_table(rows: Sequence[OutletRow]) -> tuple[str, str]:
    if not rows:
        return "", "<p>No run in this period.</p>"
    last = max(rows, key=lambda r: r.finished)
    latest = sorted((r for r in rows if r.run_id == last.run_id), key=lambda r: r.outlet)
    head = "".join(f"<th>{html.escape(heading)}</th>" for _, heading, _ in TABLE)
    body = []
    for row in latest:
        alarms = "; ".join(str(a.get("message") or "") for a in row.alarms)
        cells = "".join(
            f"<td>{html.escape(_cell(row.metrics.get(m), unit, row.metrics))}</td>" for m, _, unit in TABLE
        )
        css = ' class="alarm"' if row.alarms else ""
        name = html.escape(row.outlet)
        body.append(f"<tr{css}><th scope=row>{name}</th>{cells}<td>{html.escape(alarms) or 'ok'}</td></tr>")
    when = local_time(last.finished).strftime("%Y-%m-%d %H:%M")
    caption = f"Last run: {html.escape(last.run_id)}, ended {when} {ZONE_LABEL}"
    table = (
        f'<table id="last-run"><caption>{caption}</caption>'
        f"<thead><tr><th>outlet</th>{head}<th>alarms</th></tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>"
    )
    return last.run_id, table


def _alarms_table(runs: Sequence[RunRow]) -> str:
    items = [(run, alarm) for run in sorted(runs, key=lambda r: -r.finished) for alarm in run.alarms]
    if not items:
        return '<p id="no-alarms">No alarm in this period.</p>'
    body = "".join(
        "<tr>"
        f"<td>{local_time(run.finished).strftime('%Y-%m-%d %H:%M')}</td>"
        f"<td>{html.escape(run.run_id)}</td>"
        f"<td>{html.escape(str(alarm.get('outlet') or '-'))}</td>"
        f"<td>{html.escape(str(alarm.get('kind') or ''))}</td>"
        f"<td>{html.escape(', '.join(str(m) for m in alarm.get('metrics') or []))}</td>"
        f"<td>{html.escape(str(alarm.get('message') or ''))}</td>"
        "</tr>"
        for run, alarm in items
    )
    return (
        f'<table id="alarms"><thead><tr><th>ended ({ZONE_LABEL})</th><th>run</th><th>outlet</th><th>kind</th>'
        f"<th>metrics</th><th>what moved</th></tr></thead><tbody>{body}</tbody></table>"
    )


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 1.5rem; color: #222; }
h1 { font-size: 1.5rem; margin-bottom: 0.2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.meta { color: #666; margin-top: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 1rem; }
.chart { border: 1px solid #e4e4e4; border-radius: 4px; min-height: 320px; }
table { border-collapse: collapse; font-size: 0.9rem; margin-top: 0.5rem; }
th, td { border: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: right; vertical-align: top; }
td:last-child, th[scope=row], #alarms td { text-align: left; }
caption { text-align: left; font-weight: 600; padding-bottom: 0.3rem; }
tr.alarm td, tr.alarm th { background: #fff1f0; }
#alarms td:last-child { max-width: 60rem; overflow-wrap: anywhere; }
"""

_BOOT = """
(function () {
  var data = JSON.parse(document.getElementById("kliping-report-data").textContent);
  var config = {displaylogo: false, responsive: true, modeBarButtonsToRemove: ["sendDataToCloud"]};
  data.charts.forEach(function (chart) {
    Plotly.newPlot(chart.id, chart.figure.data, chart.figure.layout, config);
  });
  document.body.setAttribute("data-charts-drawn", String(data.charts.length));
})();
"""


def build_report(
    outlet_rows: Sequence[OutletRow],
    run_rows: Sequence[RunRow],
    *,
    since: float,
    generated: float,
    source: str,
) -> str:
    """The report as one HTML document (plotly.js inline: about 5 MB)."""
    from plotly.offline import get_plotlyjs

    charts = figures(outlet_rows)
    _, last_table = _last_run_table(outlet_rows)
    outlets = sorted({row.outlet for row in outlet_rows})
    alarm_count = sum(len(run.alarms) for run in run_rows)
    stamp = "%Y-%m-%d %H:%M"
    period = f"{local_time(since).strftime(stamp)} to {local_time(generated).strftime(stamp)}"
    divs = "".join(f'<div class="chart" id="{chart["id"]}"></div>' for chart in charts[1:])
    plotly_js = get_plotlyjs().replace("</script", "<\\/script")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kliping health report</title>
<style>{_STYLE}</style>
</head><body>
<h1>kliping health report</h1>
<p class="meta">{html.escape(period)} {ZONE_LABEL} &middot; {len(run_rows)} run(s), {len(outlets)} outlet(s),
<span id="alarm-count">{alarm_count}</span> alarm(s) &middot; from {html.escape(source)}</p>
<h2>Last run</h2>
{last_table}
<h2>Articles</h2>
<div class="chart" id="{ARTICLES_CHART}"></div>
<h2>Failures, drift and extraction quality</h2>
<div class="charts">{divs}</div>
<h2>Alarms</h2>
{_alarms_table(run_rows)}
<script type="application/json" id="kliping-report-data">{script_json({"charts": charts})}</script>
<script>{plotly_js}</script>
<script>{_BOOT}</script>
</body></html>
"""


def parse_since(text: str | None, now: float) -> float:
    """``--since``: ``YYYY-MM-DD`` (from the start of that day, WIB), or a span back from now:
    ``30d``, ``12h``. Default: 30 days. ValueError for anything else."""
    if not text:
        return now - 30 * 86400
    value = text.strip()
    if value[:-1].isdigit() and value[-1:] in ("d", "h"):
        return now - int(value[:-1]) * (86400 if value[-1] == "d" else 3600)
    try:
        day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=ZONE)
    except ValueError:
        raise ValueError(f"--since {text!r}: expected YYYY-MM-DD, or a span such as 30d or 12h") from None
    return day.timestamp()


__all__ = [
    "ARTICLES_CHART",
    "CHARTS",
    "articles_per_day",
    "build_report",
    "day_of",
    "parse_since",
    "script_json",
    "series",
]
