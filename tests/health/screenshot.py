"""Render the report of the simulated fortnight (tests/health/simulated.py) to a PNG, as shown in
docs/operating.md: ``python -m tests.health.screenshot docs/img/health-report.png``.

Synthetic data only, rendered by the project's own report in Debian's headless chromium.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from monitor.report import build_report
from state.health import SqliteHealthStore
from tests.browser import Chromium, chromium_binary
from tests.health import simulated


def render(out: Path, width: int = 1280, height: int = 1900) -> Path:
    binary = chromium_binary()
    if binary is None:
        raise SystemExit("chromium not installed (`make debs`)")
    with tempfile.TemporaryDirectory() as tmp:
        now = time.time()
        store = SqliteHealthStore(Path(tmp) / "health.sqlite")
        try:
            simulated.fill(store, now)
            rows, runs = store.outlet_rows(0), store.run_rows(0)
        finally:
            store.close()
        page = Path(tmp) / "report.html"
        page.write_text(
            build_report(
                rows, runs, since=now - 15 * 86400, generated=now, source="sqlite:///data/state/health.sqlite"
            ),
            encoding="utf-8",
        )
        with Chromium(binary) as browser:
            browser.open(page, width=width, height=height)
            shot = browser.call(
                "Page.captureScreenshot",
                {"format": "png", "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 0.75}},
            )
    import base64

    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(base64.b64decode(shot["data"]))
    return out


if __name__ == "__main__":
    print(render(Path(sys.argv[1] if len(sys.argv) > 1 else "health-report.png")))
