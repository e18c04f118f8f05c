"""The scenarios: what the soak does to kliping runs over the synthetic web, each in its own folder,
each ending with a run that completes, one more crawl (which must find nothing new), and the checks
of :mod:`chaos.verify`.

Moments are seeded. A moment is a phase of a run: *start-up* and *recovery* (fractions of the time
the last run took to open its spider: imports and settings, then the recovery step that repairs
what the killed run left, before Scrapy builds its components), *early* (just after the spider
opened), *mid-crawl* and *near-end* (once the web has answered a seeded share of the articles,
counted across the scenario's runs, so every run between two kills makes progress), and *closing*
(once Scrapy logs ``Closing spider``).
"""

from __future__ import annotations

import random
import shutil
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chaos.procs import Processes, Run, poll_until
from chaos.verify import Verdict, verify
from chaos.web import ChaosWeb
from cli.common import EXIT_HEALTH
from tests.servers import RedisServer
from tests.stores.moto import MotoServer, s3_environment
from tests.volumes import mount_tmpfs, unmount

#: KLIPING_SHUTDOWN_TIMEOUT for the soak's runs: stops are quicker to wait for, the logic the same.
STOP_TIMEOUT = 10
#: What a graceful stop may take beyond KLIPING_SHUTDOWN_TIMEOUT: closing files, the summary.
CLOSE_MARGIN = 30.0
#: A stop past its bound is waited for this much longer, then killed.
STOP_GRACE = 120.0
#: After a run's main process ended, seconds its other processes get to end on their own.
ORPHAN_GRACE = 10.0
#: A graceful stop exits 0 (docs/operating.md); 130 is "interrupted" (cli/common.py).
STOPPED = frozenset({0, 130})
KILLED = frozenset({-signal.SIGKILL})
#: A run that completes: 0, or 7 when the outlet's health alarms (the crawl after a completed one
#: finds no new article, which health rightly calls stale); 7 says nothing of exactly-once, which
#: the files are checked for.
DONE = frozenset({0, EXIT_HEALTH})
#: A run that lived through a frozen store may count its failures: 0 or 1 (or a store's health
#: alarm, 7), never a hang.
THROUGH_FREEZE = frozenset({0, 1, EXIT_HEALTH})
NO_SPACE = frozenset({6})

Phase = str
PHASES = ("start-up", "recovery", "early", "mid-crawl", "near-end", "closing")


@dataclass
class Config:
    """One seed's settings (from the command line)."""

    seed: int
    articles: int
    root: Path
    kills: int = 20
    main_kills: int = 5
    stops: int = 4
    run_bound: float = 900.0
    extract_workers: int = 2
    freeze: tuple[float, float] = (20.0, 40.0)


@dataclass
class Outcome:
    """What one scenario did and found."""

    scenario: str
    runs: list[Run] = field(default_factory=list)
    verdict: Verdict | None = None
    wall: float = 0.0
    notes: list[str] = field(default_factory=list)
    error: str = ""
    signals: int = 0
    completed: bool = False

    @property
    def orphans(self) -> int:
        return sum(len(run.orphans) for run in self.runs)

    @property
    def unexpected(self) -> list[Run]:
        return [run for run in self.runs if run.code is None or run.unexpected_code()]

    @property
    def over_bound(self) -> list[Run]:
        return [run for run in self.runs if run.over_bound]

    @property
    def clean(self) -> bool:
        return bool(
            self.completed
            and not self.error
            and self.verdict is not None
            and self.verdict.clean
            and not self.orphans
            and not self.unexpected
            and not self.over_bound
            and not self.notes
        )


@dataclass
class Services:
    """The servers scenarios share, started on first use."""

    procs: Processes
    root: Path
    redis: RedisServer | None = None
    moto: MotoServer | None = None

    def redis_server(self) -> RedisServer:
        if self.redis is None:
            folder = self.root / "redis"
            folder.mkdir(parents=True, exist_ok=True)
            self.redis = RedisServer.start(folder, env=self.procs.env(_base_env()))
            self.procs.servers.append(self.redis.stop)
        return self.redis

    def moto_server(self) -> MotoServer:
        if self.moto is None:
            self.moto = MotoServer(env=self.procs.env({})).start()
            self.procs.servers.append(self.moto.stop)
        return self.moto


def _base_env() -> dict[str, str]:
    import os

    from chaos import REPO

    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env["PYTHONPATH"] = str(REPO)
    env["PYTHONWARNINGS"] = "ignore"
    return env


class Case:
    """One scenario being played: its folder, its runs, its moments."""

    def __init__(self, name: str, cfg: Config, web: ChaosWeb, procs: Processes, services: Services) -> None:
        self.name = name
        self.cfg = cfg
        self.web = web
        self.procs = procs
        self.services = services
        self.rng = random.Random(f"{cfg.seed}-{name}")
        self.dir = cfg.root / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.outcome = Outcome(name)
        #: seconds from a run's start to ``Spider opened``, from the last run that got there
        self.t_open = 6.0
        self.env = _base_env()
        web.reset_progress()

    # ------------------------------------------------------------------ runs

    def argv(self, out: Path | str, work: Path, extra: list[str]) -> list[str]:
        import sys

        assert self.web.web is not None
        sets = {
            "KLIPING_OUTLETS_DIRS": str(self.web.outlets_dir),
            "KLIPING_WORKDIR": str(work),
            "AUTOTHROTTLE_ENABLED": "0",
            "DOWNLOAD_DELAY": "0",
            "CONCURRENT_REQUESTS": "16",
            "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
            "KLIPING_EXTRACT_WORKERS": str(self.cfg.extract_workers),
            "KLIPING_SHUTDOWN_TIMEOUT": str(STOP_TIMEOUT),
            "KLIPING_PROGRESS_INTERVAL": "5",
            "KLIPING_PROGRESS_BAR": "off",
        }
        args = [sys.executable, "-m", "cli", "crawl", "synthetic", "--proxy", self.web.web.proxy_url]
        args += ["--output", str(out), "-v"]
        for name, value in sets.items():
            args += ["-s", f"{name}={value}"]
        return args + extra

    def start(
        self,
        kind: str,
        expected: frozenset[int],
        out: Path | str,
        work: Path,
        extra: list[str] | None = None,
        env: dict[str, str] | None = None,
        log: str = "runs.log",
    ) -> Run:
        run = self.procs.start(
            self.name,
            kind,
            self.argv(out, work, extra or []),
            cwd=self.dir,
            env={**self.env, **(env or {})},
            log=self.dir / "logs" / f"{len(self.outcome.runs) + 1:03d}-{log.replace(' ', '-')}",
            expected=expected,
        )
        run.number = len(self.outcome.runs) + 1
        self.outcome.runs.append(run)
        return run

    def opened(self, run: Run, bound: float | None = None) -> bool:
        """Until the run's spider is open (True), or it ended or the bound passed (False)."""
        ok = poll_until(
            lambda: not run.running() or "Spider opened" in run.log_text(), bound or self.cfg.run_bound
        )
        if ok and run.running():
            self.t_open = time.monotonic() - run.started
            return True
        return False

    def wait_moment(self, run: Run, phase: Phase, target: int | None = None) -> bool:
        """Wait for ``phase`` of ``run``; False when the run ended before it."""
        rng = self.rng
        if phase == "start-up":
            return not run.wait(rng.uniform(0.1, 0.5) * self.t_open)
        if phase == "recovery":
            return not run.wait(rng.uniform(0.5, 1.0) * self.t_open)
        if not self.opened(run):
            return False
        if phase == "early":
            return not run.wait(rng.uniform(0.0, 1.5))
        if phase in ("mid-crawl", "near-end"):
            assert target is not None
            if self.web.served() >= target:
                # Earlier runs already got this far: the moment is this run's first steps past it.
                return not run.wait(rng.uniform(0.5, 3.0))
            check = (lambda: self.web.served() >= target) if phase == "mid-crawl" else self._tail(run, target)
            poll_until(lambda: not run.running() or check(), self.cfg.run_bound)
            return run.running()
        if phase == "closing":
            poll_until(lambda: not run.running() or "Closing spider" in run.log_text(), self.cfg.run_bound)
            return run.running() and not run.wait(rng.uniform(0.0, 0.3))
        raise ValueError(f"unknown phase {phase!r}")

    def _tail(self, run: Run, target: int) -> Callable[[], bool]:
        """The near-end moment: ``target`` articles served, or (articles an earlier run lost are
        never asked for again) nothing new served for 3 s after the run's first 5 s of crawling."""
        last = [self.web.served(), time.monotonic()]
        opened = time.monotonic()

        def check() -> bool:
            served, now = self.web.served(), time.monotonic()
            if served >= target:
                return True
            if served != last[0]:
                last[:] = [served, now]
                return False
            return now - opened > 5.0 and now - last[1] > 3.0

        return check

    def end(self, run: Run, bound: float | None = None, grace: float = ORPHAN_GRACE) -> None:
        """Wait for ``run`` to end by itself within ``bound``; kill it past the bound; find orphans."""
        bound = bound or self.cfg.run_bound
        if not run.wait(bound):
            run.over_bound = f"still running after {bound:.0f} s: killed"
            self.procs.kill_run(run)
        self.procs.reap(run, grace)

    def kill9(self, run: Run, target: str) -> None:
        self.outcome.signals += 1
        if target == "group":
            run.signal_group(signal.SIGKILL)
        else:
            run.signal_main(signal.SIGKILL)
        run.wait(15)
        # After a group kill anything left escaped the group; after the main process alone, its
        # helpers get the grace to notice their parent is gone (issue 19 item 4).
        self.procs.reap(run, 2.0 if target == "group" else ORPHAN_GRACE)

    def stop(self, run: Run, how: str) -> None:
        """A graceful stop: SIGTERM or SIGINT to the main process or its group; bounded."""
        self.outcome.signals += 1
        sig = signal.SIGINT if how.startswith("SIGINT") else signal.SIGTERM
        if how.endswith("group"):
            run.signal_group(sig)
        else:
            run.signal_main(sig)
        bound = STOP_TIMEOUT + CLOSE_MARGIN
        if not run.wait(bound):
            run.over_bound = f"stop took more than {bound:.0f} s"
            if not run.wait(STOP_GRACE):
                run.over_bound += f"; killed after {STOP_GRACE:.0f} s more"
                self.procs.kill_run(run)
        self.procs.reap(run, ORPHAN_GRACE)

    def complete(self, out: Path | str, work: Path, extra: list[str] | None = None, **kw: object) -> bool:
        """Restart until a run completes (at most 3 tries), then one more crawl that must add nothing."""
        for _ in range(3):
            run = self.start("complete", DONE, out, work, extra, **kw)  # type: ignore[arg-type]
            self.end(run)
            if run.finished():
                self.outcome.completed = True
                break
            self.outcome.notes.append(f"run {run.number} did not complete (exit {run.code})")
        else:
            return False
        again = self.start("rerun", DONE, out, work, extra, **kw)  # type: ignore[arg-type]
        self.end(again)
        written = _written(again)
        if written:
            self.outcome.notes.append(f"the crawl after the completed one wrote {written} article(s) again")
        return True

    def verify(self, outputs: list[Path], spools: list[Path] | None = None) -> Verdict:
        return verify(outputs, self.web.articles, spools or [], aliases=self.web.redirects)

    # ------------------------------------------------------------------ plans

    def targets(self, count: int, low: float = 0.05, high: float = 0.85) -> list[int]:
        """``count`` rising shares of the web's articles, as article counts."""
        n = len(self.web.articles)
        return [max(1, int(n * f)) for f in sorted(self.rng.uniform(low, high) for _ in range(count))]

    def near_end(self, count: int) -> list[int]:
        n = len(self.web.articles)
        left = self.rng.randint(3, max(3, min(25, n // 10)))
        out = []
        for _ in range(count):
            out.append(n - left)
            left = self.rng.randint(0, left // 2)
        return out


def _written(run: Run) -> int:
    import re

    found = re.findall(r"^articles written\s+([\d,]+)", run.log_text(), re.M)
    return int(found[-1].replace(",", "")) if found else 0


def kill_plan(rng: random.Random, kills: int, main_kills: int) -> list[tuple[Phase, str]]:
    """(phase, target) of each kill -9: start-up, recovery, early and mid-crawl shuffled, with the
    main-process-only kills among them, then the near-end and closing kills last."""
    if kills >= 12:
        end = ["near-end", "near-end", "closing", "closing"]
    elif kills >= 4:
        end = ["near-end", "closing"]
    else:
        end = ["near-end"][: max(0, kills - 1)]
    cycle = ["mid-crawl", "start-up", "recovery", "mid-crawl", "early"]
    body = [(cycle[i % len(cycle)], "group") for i in range(kills - len(end))]
    body += [(rng.choice(["mid-crawl", "early", "recovery"]), "main") for _ in range(main_kills)]
    rng.shuffle(body)
    return body + [(phase, "group") for phase in end]


# ---------------------------------------------------------------------- scenarios


def baseline(case: Case) -> None:
    """The control: nothing is done to the runs; one completes, the next must add nothing."""
    out, work = case.dir / "data", case.dir / "work"
    case.complete(out, work)
    case.outcome.verdict = case.verify([out])


def kill9(case: Case) -> None:
    """kill -9 of the process group (and of the main process alone, as the OOM killer does) at
    seeded moments over every phase, restarting each time, until a run completes."""
    out, work = case.dir / "data", case.dir / "work"
    plan = kill_plan(case.rng, case.cfg.kills, case.cfg.main_kills)
    mids = iter(case.targets(sum(1 for p, _ in plan if p == "mid-crawl")))
    ends = iter(case.near_end(sum(1 for p, _ in plan if p == "near-end")))
    completed = False
    for phase, target in plan:
        goal = next(mids) if phase == "mid-crawl" else next(ends) if phase == "near-end" else None
        if completed and phase in ("mid-crawl", "near-end"):
            continue  # once a run completed, later runs have no crawl to be in the middle of
        run = case.start(f"kill -9 {target} @ {phase}", KILLED, out, work)
        if case.wait_moment(run, phase, goal):
            case.kill9(run, target)
            continue
        # It ended before its moment: a completed crawl's later runs still start, recover and close.
        run.expected = DONE
        run.kind = f"ended before its kill ({phase})"
        case.end(run)
        completed = completed or run.finished()
    case.complete(out, work)
    case.outcome.verdict = case.verify([out])


def _stops(case: Case, how: str) -> None:
    out, work = case.dir / "data", case.dir / "work"
    phases = ["mid-crawl", case.rng.choice(["start-up", "early"]), "near-end", "mid-crawl", "closing"]
    plan = sorted(
        phases[: case.cfg.stops], key=["start-up", "early", "mid-crawl", "near-end", "closing"].index
    )
    mids = iter(case.targets(plan.count("mid-crawl"), 0.1, 0.8))
    ends = iter(case.near_end(plan.count("near-end")))
    for phase in plan:
        goal = next(mids) if phase == "mid-crawl" else next(ends) if phase == "near-end" else None
        run = case.start(f"{how} @ {phase}", STOPPED, out, work)
        if case.wait_moment(run, phase, goal):
            case.stop(run, how)
            continue
        run.expected = DONE
        run.kind = f"ended before its stop ({phase})"
        case.end(run)
        if run.finished():
            break
    case.complete(out, work)
    case.outcome.verdict = case.verify([out])


def sigterm_main(case: Case) -> None:
    """SIGTERM to the main process (``kill PID``, scrapyd's cancel) at seeded moments."""
    _stops(case, "SIGTERM main")


def sigterm_group(case: Case) -> None:
    """SIGTERM to the whole process group: systemd's default stop (KillMode=control-group)."""
    _stops(case, "SIGTERM group")


def sigint(case: Case) -> None:
    """SIGINT to the whole process group, as Ctrl-C at a terminal sends it."""
    _stops(case, "SIGINT group")


FILLER = ".chaos-filler"


def fill(volume: Path) -> int:
    """Write a filler file on ``volume`` until the volume is full (ENOSPC); returns bytes written."""
    written = 0
    block = b"\0" * (1 << 20)
    with (volume / FILLER).open("ab", buffering=0) as fh:
        while len(block) >= 512:
            try:
                written += fh.write(block)
            except OSError:
                block = block[: len(block) // 4]
    return written


def move_to_larger(case: Case, volume: Path, size: str) -> None:
    """The operator's fix: the same tree on a larger disk at the same path (copied, filler left)."""
    staging = case.dir / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(volume, staging, symlinks=True, ignore=shutil.ignore_patterns(FILLER))
    unmount(volume)
    case.procs.mounts.remove(volume)
    mount_tmpfs(volume, size)
    case.procs.mounts.append(volume)
    shutil.copytree(staging, volume, symlinks=True, dirs_exist_ok=True)
    shutil.rmtree(staging)


def enospc(case: Case) -> None:
    """The output and work directory on a tmpfs that the harness fills at a seeded moment; each
    stopped run is moved to a larger tmpfs and resumed (twice: mid-crawl, then near the end)."""
    volume = case.dir / "vol"
    mount_tmpfs(volume, "160m")
    case.procs.mounts.append(volume)
    out, work = volume / "data", volume / "work"
    # The free-space guard off: the writes themselves meet ENOSPC, wherever they are.
    extra = ["-s", "KLIPING_MIN_FREE_SPACE=0"]
    (mid,) = case.targets(1, 0.2, 0.5)
    (late,) = case.near_end(1)
    for phase, goal, size in (
        ("mid-crawl", mid, "320m"),
        (case.rng.choice(["near-end", "closing"]), late, "1g"),
    ):
        run = case.start(f"disk full @ {phase}", NO_SPACE, out, work, extra)
        if case.wait_moment(run, phase, goal):
            filled = fill(volume)
            run.note += f" filled {filled >> 20} MiB;"
            case.outcome.signals += 1
            case.end(run)
            if run.finished() and "No space left" not in run.log_text():
                # The disk filled after the run's last write: nothing failed, 0 is right.
                run.expected, run.kind = DONE, f"disk full after its last write @ {phase}"
        else:
            run.expected, run.kind = DONE, f"ended before the disk filled ({phase})"
            case.end(run)
        (volume / FILLER).unlink(missing_ok=True)
        move_to_larger(case, volume, size)
        if run.finished():
            break
    case.complete(out, work, extra)
    case.outcome.verdict = case.verify([out])


# -- shared frontier


def _worker_args(uri: str) -> list[str]:
    return [
        "--state", uri, "-s", "KLIPING_REDIS_HEARTBEAT=10", "-s", "KLIPING_EXTRACT_WORKERS=1",
        "-s", "CONCURRENT_REQUESTS=8",
    ]  # fmt: skip


class Workers:
    """Two workers, ``a`` and ``b``, each with its own work directory and output, one Redis."""

    def __init__(self, case: Case, uri: str) -> None:
        self.case = case
        self.uri = uri

    def dirs(self, name: str) -> tuple[Path, Path]:
        return self.case.dir / name / "data", self.case.dir / name / "work"

    def start(self, name: str, kind: str, expected: frozenset[int]) -> Run:
        out, work = self.dirs(name)
        return self.case.start(
            f"worker {name}: {kind}", expected, out, work, _worker_args(self.uri), log=f"{name}.log"
        )

    def outputs(self) -> list[Path]:
        return [self.dirs(name)[0] for name in ("a", "b")]

    def finish_rounds(self) -> None:
        """A round of both workers that completes, then one more that must add nothing."""
        case = self.case
        for _ in range(3):
            runs = [self.start(name, "complete", DONE) for name in ("a", "b")]
            for run in runs:
                case.end(run)
            if all(run.finished() for run in runs):
                case.outcome.completed = True
                break
            case.outcome.notes.append("a round of both workers did not complete")
        else:
            return
        again = [self.start(name, "rerun", DONE) for name in ("a", "b")]
        for run in again:
            case.end(run)
        written = sum(_written(run) for run in again)
        if written:
            case.outcome.notes.append(f"the round after the completed one wrote {written} article(s) again")


def _redis_uri(case: Case) -> str:
    server = case.services.redis_server()
    return f"{server.uri(0)}?prefix=chaos-{case.cfg.seed}-{case.name}"


def redis_restart(case: Case) -> None:
    """Two workers on one Redis; mid-round worker a is killed -9 and restarted, later worker b is
    stopped with SIGTERM and restarted; then rounds until one completes."""
    workers = Workers(case, _redis_uri(case))
    a = workers.start("a", "round 1", DONE)
    b = workers.start("b", "round 1", DONE)
    first, second = case.targets(2, 0.15, 0.75)
    if case.wait_moment(a, "mid-crawl", first):
        a.kind, a.expected = "worker a: kill -9 group mid-round", KILLED
        case.kill9(a, "group")
        a = workers.start("a", "restarted mid-round", DONE)
    if case.wait_moment(b, "mid-crawl", second):
        b.kind, b.expected = "worker b: SIGTERM main mid-round", STOPPED
        case.stop(b, "SIGTERM main")
        b = workers.start("b", "restarted mid-round", DONE)
    for run in (a, b):
        case.end(run)
    workers.finish_rounds()
    case.outcome.verdict = case.verify(workers.outputs())


def freeze_redis(case: Case) -> None:
    """Two workers on one Redis; mid-round redis-server is frozen (SIGSTOP); while frozen worker b
    gets SIGTERM (its stop must keep its bound); then Redis thaws (SIGCONT) and the round must end
    within its bound; then rounds until one completes."""
    server = case.services.redis_server()
    workers = Workers(case, _redis_uri(case))
    a = workers.start("a", "round 1, Redis frozen", THROUGH_FREEZE)
    b = workers.start("b", "round 1, Redis frozen", THROUGH_FREEZE)
    freeze = case.rng.uniform(*case.cfg.freeze)
    (goal,) = case.targets(1, 0.2, 0.5)
    if case.wait_moment(a, "mid-crawl", goal):
        server.pause()
        case.outcome.signals += 1
        try:
            time.sleep(freeze / 2)
            if b.running():
                b.kind = "worker b: SIGTERM while Redis is frozen"
                b.expected = THROUGH_FREEZE | STOPPED
                b.signal_main(signal.SIGTERM)
            b.wait(max(0.0, freeze / 2))
        finally:
            server.resume()
        a.note += f" Redis frozen {freeze:.0f} s;"
        if b.signalled is not None:
            _bounded_stop(case, b)
    for run in (a, b):
        case.end(run, case.cfg.run_bound + freeze)
    workers.finish_rounds()
    case.outcome.verdict = case.verify(workers.outputs())


def _bounded_stop(case: Case, run: Run) -> None:
    bound = STOP_TIMEOUT + CLOSE_MARGIN
    assert run.signalled is not None
    left = bound - (time.monotonic() - run.signalled)
    if not run.wait(left):
        run.over_bound = f"stop took more than {bound:.0f} s"
        if not run.wait(STOP_GRACE):
            run.over_bound += f"; killed after {STOP_GRACE:.0f} s more"
            case.procs.kill_run(run)
    case.procs.reap(run, ORPHAN_GRACE)


def freeze_s3(case: Case) -> None:
    """Output to S3 (moto's server). Mid-run moto is frozen (SIGSTOP) and the run gets SIGTERM (its
    stop must keep its bound); the next run has moto frozen for a while, then thawed, and must end
    within its bound; then runs until one completes. Checked on the objects in the bucket."""
    moto = case.services.moto_server()
    bucket = f"chaos-{case.cfg.seed}"
    client = moto.client()
    if bucket not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
        client.create_bucket(Bucket=bucket)
    uri, work = f"s3://{bucket}/{case.name}", case.dir / "work"
    extra = ["-s", f"KLIPING_S3_ENDPOINT_URL={moto.endpoint}", "-s", "KLIPING_S3_ADDRESSING_STYLE=path"]
    env = s3_environment()
    first, second = case.targets(2, 0.15, 0.7)

    run = case.start("SIGTERM main while S3 is frozen", THROUGH_FREEZE | STOPPED, uri, work, extra, env)
    if case.wait_moment(run, "mid-crawl", first):
        moto.pause()
        case.outcome.signals += 1
        try:
            time.sleep(case.rng.uniform(3.0, 10.0))
            if run.running():
                run.signal_main(signal.SIGTERM)
                _bounded_stop(case, run)
        finally:
            moto.resume()
    case.end(run)

    freeze = case.rng.uniform(*case.cfg.freeze)
    run = case.start(f"S3 frozen {freeze:.0f} s mid-run", THROUGH_FREEZE, uri, work, extra, env)
    if case.wait_moment(run, "mid-crawl", second):
        moto.pause()
        case.outcome.signals += 1
        try:
            run.wait(freeze)
        finally:
            moto.resume()
    case.end(run, case.cfg.run_bound + freeze)

    case.complete(uri, work, extra, env=env)
    local = case.dir / "bucket"
    _download(client, bucket, case.name, local)
    case.outcome.verdict = case.verify([local / case.name], spools=[work / "spool"])


def _download(client: object, bucket: str, prefix: str, into: Path) -> None:
    paginator = client.get_paginator("list_objects_v2")  # type: ignore[attr-defined]
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix + "/"):
        for obj in page.get("Contents", []):
            target = into / obj["Key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            client.download_file(bucket, obj["Key"], str(target))  # type: ignore[attr-defined]


SCENARIOS: dict[str, Callable[[Case], None]] = {
    "baseline": baseline,
    "kill9": kill9,
    "sigterm-main": sigterm_main,
    "sigterm-group": sigterm_group,
    "sigint": sigint,
    "enospc": enospc,
    "redis-restart": redis_restart,
    "freeze-redis": freeze_redis,
    "freeze-s3": freeze_s3,
}
