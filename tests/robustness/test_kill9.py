"""kill -9 at moments spread over a run's phases, restarting each time: every article once in the
end, every WARC valid.

A kill can land in four phases of a run, each with its own risk: *start-up*, while the previous
killed run is recovered (WARCs repaired, text completed); *early*, just after the run opens its WARC
and fetches its first pages; *mid-crawl*, while pages are fetched, archived and extracted; and the
*end* of the crawl, with the last article in flight and the ones before it being extracted and
written. A seeded schedule gives every phase its kills (by default 2 start-up, 2 early, 2 mid-crawl,
then one at the end), shuffled except the end kill, which comes last; each moment within its phase
is random. Seven kills placed like this cover what twenty kills at uniformly random moments covered
(those mostly landed mid-crawl and rarely near the end) in well under half the time. For a soak, set
``KLIPING_KILLS`` (say 50); a failure prints its seed: rerun it with ``KLIPING_KILL_SEED``.

The end kill lands while the replay web holds back the answer to the last article. (A finished
job is forgotten in the same transaction that ends its run, at ``engine_stopped``, so no kill can
leave a run that looks killed with a job that owes nothing; ``tests/robustness/test_frontier.py``.)
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from replayweb import ReplayWeb
from tests.holds import AnswerHold
from tests.polling import wait_until
from tests.robustness.webgen import articles, serve_articles, write_list
from tests.warcs import read_jsonl, warc_files, warcio_check

KILLS = max(2, int(os.environ.get("KLIPING_KILLS") or 7))
ARTICLES = 16
#: Each article answers this late, so a run takes seconds and kills land inside it.
DELAY = 0.25


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
        # Only the WARC directory: a walk over data/ races the run's own queue directory, which
        # comes and goes.
        lambda: proc.poll() is not None or any((cwd / "data" / "warc").glob(pattern)),
        bound,
        f"run {proc.pid} to open a WARC",
    )


def schedule(kills: int, rng: random.Random) -> list[str]:
    """The phase of each kill: start-up, early and mid-crawl in turn (shuffled), the end kill last."""
    body = [("mid-crawl", "start-up", "early")[i % 3] for i in range(kills - 1)]
    rng.shuffle(body)
    return [*body, "end"]


def test_kill_9_at_moments_spread_over_a_run_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("KLIPING_KILL_SEED") or random.SystemRandom().randrange(1 << 30))
    print(f"kill -9 test seed: {seed} (rerun with KLIPING_KILL_SEED={seed})")
    rng = random.Random(seed)
    with ReplayWeb() as web:
        urls = serve_articles(web, ARTICLES, seed)
        # Armed for the end kill's run only: the answer to the last article not yet served is held.
        last_article = AnswerHold(
            web,
            articles(ARTICLES, seed),
            when=lambda url: all(web.hits(other) for other in urls if other != url),
            delay=DELAY,
            armed=False,
        )
        write_list(tmp_path, urls)
        kills = 0
        finished = False
        startup = 2.5  # seconds from the start to an open WARC; measured on each run that gets there
        with last_article:
            for phase in schedule(KILLS, rng):
                log = tmp_path / "run.log"
                log.unlink(missing_ok=True)
                began = time.monotonic()
                last_article.armed = phase == "end"
                proc = start(tmp_path, web, log)
                if phase == "start-up":
                    # The later part of start-up, where the killed run before this one is recovered.
                    moment = rng.uniform(0.5, 1.0) * startup
                else:
                    wait_for_output(tmp_path, proc)
                    startup = time.monotonic() - began
                    if phase == "early":
                        moment = rng.uniform(0.0, 0.3)
                    elif phase == "mid-crawl":
                        moment = rng.uniform(0.3, 1.2)
                    else:
                        last_article.wait_held(f"run {proc.pid} to ask for the last article", proc)
                        moment = rng.uniform(0.0, 0.5)  # the articles before it extracted and written
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
