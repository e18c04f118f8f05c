"""Deploying to scrapyd: the egg built from scrapy.cfg's deploy target runs a scheduled crawl."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from replayweb import ReplayWeb
from tests.conftest import REPO
from tests.scale import newsweb
from tests.scale.conftest import free_port, wait_until
from tests.warcs import read_jsonl, warc_files

PACKAGES = [
    "archive", "cli", "extract", "fetch", "lifecycle", "monitor", "pipelines", "replayweb", "settings",
    "spiders", "state",
]  # fmt: skip


def call(url: str, data: dict[str, Any] | None = None, files: dict[str, bytes] | None = None) -> Any:
    """One scrapyd JSON API call (multipart when ``files`` are given)."""
    if files:
        boundary = "kliping-boundary"
        parts = []
        for name, value in (data or {}).items():
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        for name, blob in files.items():
            head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}.egg"\r\n'
            parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + blob + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            url, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
    elif data is not None:
        request = urllib.request.Request(url, urllib.parse.urlencode(data, doseq=True).encode())
    else:
        request = urllib.request.Request(url)
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert answer.get("status") == "ok", answer
    return answer


def build_egg(tmp_path: Path) -> Path:
    """``scrapyd-deploy --build-egg`` in a copy of the project (it writes build files beside setup.py)."""
    project = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in PACKAGES:
        shutil.copytree(REPO / name, project / name, ignore=ignore)
    for name in ["pyproject.toml", "setup.py", "scrapy.cfg", "README.md"]:
        shutil.copy(REPO / name, project / name)
    egg = tmp_path / "kliping.egg"
    deploy = Path(sys.executable).with_name("scrapyd-deploy")
    result = subprocess.run(
        [str(deploy), "--build-egg", str(egg)], cwd=project, capture_output=True, text=True, timeout=240
    )
    assert result.returncode == 0, result.stderr
    return egg


@pytest.fixture
def scrapyd(tmp_path: Path) -> Any:
    port = free_port()
    home = tmp_path / "scrapyd"
    home.mkdir()
    (home / "scrapyd.conf").write_text(
        f"[scrapyd]\nbind_address = 127.0.0.1\nhttp_port = {port}\n"
        "eggs_dir = eggs\nlogs_dir = logs\nitems_dir =\ndbs_dir = dbs\nmax_proc = 1\npoll_interval = 0.5\n"
    )
    binary = Path(sys.executable).with_name("scrapyd")
    # Jobs inherit scrapyd's environment: settings (and credentials) given there reach every job
    # without appearing in a schedule call, scrapyd's log or ps (docs/scheduling.md).
    env = {**os.environ, "KLIPING_EXTRACT_WORKERS": "1", "KLIPING_SCRAPY_AUTOTHROTTLE_ENABLED": "0"}
    log = open(home / "scrapyd.out", "wb")  # noqa: SIM115 (closed below, after scrapyd ends)
    proc = subprocess.Popen([str(binary)], cwd=home, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        assert proc.poll() is None, "scrapyd exited at start"
        try:
            call(f"{base}/daemonstatus.json")
            return True
        except OSError:
            return False

    try:
        wait_until(up, 60, "scrapyd to answer")
        yield base, home
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_a_deployed_egg_runs_a_scheduled_crawl(scrapyd: Any, tmp_path: Path) -> None:
    base, home = scrapyd
    egg = build_egg(tmp_path)
    outlets = newsweb.write_outlet(tmp_path / "outlets").parent
    output = tmp_path / "out"
    call(f"{base}/addversion.json", {"project": "kliping", "version": "1"}, {"egg": egg.read_bytes()})
    with ReplayWeb() as web:
        articles = newsweb.serve(web, 6)
        job = call(
            f"{base}/schedule.json",
            {
                "project": "kliping",
                "spider": "outlet",
                "outlet": newsweb.OUTLET,
                "setting": [
                    f"KLIPING_OUTPUT={output}",
                    f"KLIPING_PROXY={web.proxy_url}",
                    f"KLIPING_OUTLETS_DIRS={outlets}",
                ],
            },
        )["jobid"]

        def finished() -> bool:
            jobs = call(f"{base}/listjobs.json?project=kliping")
            return any(j["id"] == job for j in jobs["finished"])

        wait_until(finished, 180, f"scrapyd job {job} to finish")
    log = next((home / "logs").rglob(f"{job}.log")).read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]
    rows = read_jsonl(sorted((output / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in rows) == sorted(articles)
    assert warc_files(output / "warc")
    assert f"job='{job}'" in (home / "scrapyd.out").read_text(errors="replace")
    assert "Process died" not in (home / "scrapyd.out").read_text(errors="replace")  # exit status 0


def run_job(base: str, home: Path, settings: list[str]) -> tuple[str, str]:
    """Schedule a crawl of an outlet nobody serves, wait until scrapyd lists it finished; returns
    the job's own log and scrapyd's log."""
    job = call(
        f"{base}/schedule.json",
        {"project": "kliping", "spider": "outlet", "outlet": "detik", "setting": settings},
    )["jobid"]

    def finished() -> bool:
        return any(j["id"] == job for j in call(f"{base}/listjobs.json?project=kliping")["finished"])

    wait_until(finished, 180, f"scrapyd job {job} to finish")
    job_log = next((home / "logs").rglob(f"{job}.log")).read_text(errors="replace")
    daemon_log = (home / "scrapyd.out").read_text(errors="replace")
    ended = ("Process died", "Process finished")
    (line,) = [
        line for line in daemon_log.splitlines() if f"job='{job}'" in line and any(e in line for e in ended)
    ]
    return job_log, line


def test_a_job_stopped_by_an_unusable_store_is_not_reported_as_plain_success(
    scrapyd: Any, tmp_path: Path
) -> None:
    base, home = scrapyd
    egg = build_egg(tmp_path)
    call(f"{base}/addversion.json", {"project": "kliping", "version": "1"}, {"egg": egg.read_bytes()})
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens: the store cannot be used
    job_log, daemon_line = run_job(
        base,
        home,
        [
            "KLIPING_OUTPUT=s3://kliping-test/out",
            f"KLIPING_S3_ENDPOINT_URL={endpoint}",
            "KLIPING_S3_MAX_ATTEMPTS=1",
        ],
    )
    # listjobs.json shows every ended job as "finished"; its exit status tells them apart.
    assert "Process died: exitstatus=2" in daemon_line
    assert f"S3 endpoint {endpoint}" in job_log
    assert "Traceback" not in job_log
    secret = "do-not-show-this-secret"
    job_log, daemon_line = run_job(base, home, [f"KLIPING_S3_SECRET_ACCESS_KEY={secret}"])
    assert "Process died: exitstatus=2" in daemon_line
    assert "a secret is not taken from the command line" in job_log
    assert secret not in job_log
