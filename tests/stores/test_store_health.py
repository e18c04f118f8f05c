"""A failing output store is one clear health alarm: in the run's summary, in the metrics and in the
report. S3 (moto over HTTP) goes away while the crawl waits for an article, so every upload fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from cli.common import EXIT_FAILURES, EXIT_OK
from replayweb import ReplayWeb
from tests.conftest import REPO, Kliping, site_page
from tests.holds import AnswerHold
from tests.stores.moto import MotoServer
from tests.stores.test_s3_crawl import ARTICLE_1, crawl_args


@pytest.fixture(autouse=True)
def importable_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(REPO))


def test_a_store_gone_mid_run_is_one_alarm_in_summary_metrics_and_report(
    kliping: Kliping, site_web: ReplayWeb, moto: MotoServer, bucket: str
) -> None:
    output = f"s3://{bucket}/news"
    args = crawl_args(site_web, moto, output, "-s", "KLIPING_METRICS_TEXTFILE=metrics/kliping.prom")
    proc: subprocess.Popen[str] | None = None
    try:
        with AnswerHold(site_web, {ARTICLE_1: site_page(ARTICLE_1)}) as article:
            proc = subprocess.Popen(
                [sys.executable, "-m", "cli", *args],
                cwd=kliping.cwd,
                env={**os.environ, "PYTHONWARNINGS": "ignore"},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            article.wait_held("the crawl to ask for an article", proc)
            moto.stop()
        _out, err = proc.communicate(timeout=240)
    finally:
        site_web.clear_faults(ARTICLE_1)
        if proc is not None and proc.poll() is None:
            proc.kill()
        if moto.proc is None:
            moto.start()
    # Files left in the spool are a failure of the run (1), which wins over the store's alarm (7).
    assert proc.returncode == EXIT_FAILURES, err

    lines = [line.split(None, 2)[2] for line in err.splitlines() if line.startswith("HEALTH ALARM")]
    assert len(lines) == 1
    assert lines[0].startswith(f"store {output}: ")
    assert (
        "upload(s) failed" in lines[0]
        and "file(s) left in the spool (`kliping upload` sends them)" in lines[0]
    )

    (summary_path,) = (kliping.cwd / "data" / "spool" / "runs").glob("*/summary.json")
    health = json.loads(summary_path.read_text(encoding="utf-8"))["health"]
    assert [(a["kind"], a["metrics"], a["message"]) for a in health["alarms"]] == [
        ("store", ["store_uploads"], lines[0])
    ]

    metrics = (kliping.cwd / "metrics" / "kliping.prom").read_text(encoding="utf-8")
    assert 'kliping_health_store_alarm{metric="store_uploads"} 1.0' in metrics
    assert "kliping_health_alarms 1.0" in metrics
    assert "kliping_store_upload_failures 0.0" not in metrics

    report = kliping("report", "-o", "report.html")
    assert report.code == EXIT_OK, report.stderr
    page = (kliping.cwd / "report.html").read_text(encoding="utf-8")
    assert page.count("<td>store</td>") == 1
    assert f"store {output}: " in page
