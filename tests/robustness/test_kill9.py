"""kill -9 at random moments, restarting each time: every article once in the end, every WARC valid."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

from replayweb import ReplayWeb
from tests.polling import wait_until
from tests.robustness.webgen import serve_articles, write_list
from tests.warcs import read_jsonl, warc_files, warcio_check

KILLS = int(os.environ.get("KLIPING_KILLS") or 20)
ARTICLES = 50


def start(cwd: Path, web: ReplayWeb, log: Path | None = None, *extra: str) -> subprocess.Popen[str]:
    """``kliping scrape links.txt`` in ``cwd`` through the replay web, one request at a time."""
    args = [
        sys.executable, "-m", "cli", "scrape", "links.txt", "--proxy", web.proxy_url,
        "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1", "-s", "CONCURRENT_REQUESTS=1",
        "-s", "KLIPING_MIN_FREE_SPACE=0",
        *extra,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    # Its own process group, so the extraction workers a kill orphans can be cleaned up after it.
    stderr = open(log or os.devnull, "a")  # noqa: SIM115 - the child holds it
    try:
        return subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
            start_new_session=True,
        )
    finally:
        stderr.close()


def kill_9(proc: subprocess.Popen[str]) -> None:
    """SIGKILL the crawl's main process, as the OOM killer would, then its orphaned helpers."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


def wait_for_output(cwd: Path, proc: subprocess.Popen[str], bound: float = 30.0) -> None:
    """Until the run has an open WARC of its own (or ends); fails after ``bound`` seconds."""
    pattern = f"*-{proc.pid}.warc.gz.open"
    wait_until(
        lambda: proc.poll() is not None or any((cwd / "data").rglob(pattern)),
        bound,
        f"run {proc.pid} to open a WARC",
    )


def test_kill_9_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("KLIPING_KILL_SEED") or random.SystemRandom().randrange(1 << 30))
    print(f"kill -9 test seed: {seed} (rerun with KLIPING_KILL_SEED={seed})")
    rng = random.Random(seed)
    with ReplayWeb() as web:
        urls = serve_articles(web, ARTICLES, seed)
        for url in urls:
            web.fault(url, delay=0.3)  # slow enough that kills land mid-crawl
        write_list(tmp_path, urls)
        kills = 0
        finished = False
        for _ in range(KILLS):
            log = tmp_path / "run.log"
            log.unlink(missing_ok=True)
            proc = start(tmp_path, web, log)
            if rng.random() < 0.25:
                moment = rng.uniform(0.0, 2.5)  # during start-up and recovery
            else:
                wait_for_output(tmp_path, proc)
                moment = rng.uniform(0.0, 1.2)
            try:
                proc.wait(timeout=moment)
                # Finished before the kill: nothing was left to interrupt.
                assert proc.returncode == 0, log.read_text()
                finished = True
                break
            except subprocess.TimeoutExpired:
                kill_9(proc)
                kills += 1
        if not finished:
            log = tmp_path / "final.log"
            final = start(tmp_path, web, log)
            assert final.wait(timeout=240) == 0, log.read_text()
    print(f"{kills} kills")
    assert kills >= KILLS // 2
    data = tmp_path / "data"
    assert not list(data.rglob("*.open"))
    for path in warc_files(data / "warc"):
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr
    rows = read_jsonl(sorted((data / "text").rglob("*.jsonl")))
    got = [row["url"] for row in rows]
    assert len(got) == len(set(got)), "an article appears twice"
    assert set(got) == set(urls)
