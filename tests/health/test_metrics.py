"""Prometheus metrics of a crawl: a textfile node_exporter reads, and a push to a real Pushgateway
(Debian's prometheus-pushgateway on loopback) holding the same outlet series; a Pushgateway that
does not answer is a warning, never a failed run; a health store that cannot be used is one alarm."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from cli.common import EXIT_HEALTH, EXIT_OK
from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, Kliping, Result
from tests.health.healthweb import OUTLETS, HealthWeb
from tests.polling import listening, wait_until
from tests.stores.moto import free_port


@pytest.fixture
def pushgateway(tmp_path: Path) -> Iterator[str]:
    binary = shutil.which("prometheus-pushgateway")
    if binary is None:
        pytest.skip("prometheus-pushgateway not installed (`make debs` installs the Debian package)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: proc.poll() is not None or listening(port), 30, "the pushgateway to listen")
        assert proc.poll() is None, "prometheus-pushgateway exited at start"
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def samples(text: str, prefix: str = "kliping_") -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """(name, labels) -> value of every kliping sample in an exposition (labels the push adds dropped)."""
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.startswith(prefix):
                labels = tuple(
                    sorted((k, v) for k, v in sample.labels.items() if k not in ("job", "instance"))
                )
                out[(sample.name, labels)] = sample.value
    return out


def crawl(kliping: Kliping, web: HealthWeb, *extra: str) -> Result:
    return kliping(
        "crawl", *OUTLETS, "--proxy", web.proxy_url,
        "-s", f"KLIPING_OUTLETS_DIRS={web.outlets_dir}", "-s", "AUTOTHROTTLE_ENABLED=0",
        "-s", "KLIPING_EXTRACT_WORKERS=1", "-s", "KLIPING_METRICS_TEXTFILE=metrics/kliping.prom", *extra,
    )  # fmt: skip


def test_a_crawl_pushes_the_outlet_series_the_textfile_holds(kliping: Kliping, pushgateway: str) -> None:
    with ReplayWeb() as replay:
        web = HealthWeb(replay, kliping.cwd / "outlets")
        web.publish()
        result = crawl(kliping, web, "-s", f"KLIPING_METRICS_PUSHGATEWAY={pushgateway}")
    assert result.code == EXIT_OK, result.stderr
    textfile = samples((kliping.cwd / "metrics" / "kliping.prom").read_text(encoding="utf-8"))
    with urllib.request.urlopen(f"{pushgateway}/metrics", timeout=10) as answer:
        pushed = samples(answer.read().decode())
    outlet_series = {key: value for key, value in textfile.items() if key[0].startswith("kliping_outlet_")}
    assert outlet_series[("kliping_outlet_new_articles", (("outlet", "kabartiga"),))] == 6
    assert outlet_series[("kliping_outlet_missing_ratio", (("field", "date"), ("outlet", "kabarsatu")))] == 0
    assert {key: pushed.get(key) for key in outlet_series} == outlet_series
    assert pushed[("kliping_health_judged", ())] == 1
    assert pushed[("kliping_run_articles_written", ())] == 18


def test_a_pushgateway_that_does_not_answer_is_a_warning_not_a_failure(kliping: Kliping) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    with ReplayWeb() as replay:
        web = HealthWeb(replay, kliping.cwd / "outlets")
        web.publish()
        result = crawl(
            kliping, web, "-s", f"KLIPING_METRICS_PUSHGATEWAY={closed}", "-s", "KLIPING_METRICS_TIMEOUT=5"
        )
    assert result.code == EXIT_OK, result.stderr
    assert f"metrics: cannot push to {closed}" in result.stderr
    assert (kliping.cwd / "metrics" / "kliping.prom").is_file()


def test_an_unusable_health_store_is_one_store_alarm_and_the_run_is_kept(kliping: Kliping) -> None:
    (kliping.cwd / "blocker").write_text("a file where the store's folder should be\n")
    with ReplayWeb([FIXTURE_SITE]) as web:
        result = kliping(
            "crawl", "kabarcontoh", "--proxy", web.proxy_url,
            "-s", f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}", "-s", "AUTOTHROTTLE_ENABLED=0",
            "-s", "KLIPING_EXTRACT_WORKERS=1", "-s", "KLIPING_HEALTH_STATE=sqlite:///blocker/health.sqlite",
            "-s", "KLIPING_METRICS_TEXTFILE=metrics/kliping.prom",
        )  # fmt: skip
    assert result.code == EXIT_HEALTH, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("HEALTH ALARM")]
    assert len(lines) == 1
    message = lines[0].split(None, 2)[2]
    assert message.startswith("health state blocker/health.sqlite: cannot open the health store (")
    assert message.endswith("; this run's health is not recorded")
    assert "articles written                   3" in result.stderr
    metrics = samples((kliping.cwd / "metrics" / "kliping.prom").read_text(encoding="utf-8"))
    assert metrics[("kliping_health_store_alarm", (("metric", "health_state"),))] == 1
