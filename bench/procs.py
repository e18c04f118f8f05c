"""Processes for the benchmarks: the replay web in its own process, timed commands with the peak
memory of their whole process tree (from /proc), CPU time, and a description of the machine."""

from __future__ import annotations

import array
import os
import platform
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
LISTENING = re.compile(rb"listening on http://127\.0\.0\.1:(\d+) \((\d+) urls\)")
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")
PFN_MASK = (1 << 55) - 1


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (0 if it is gone)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICK if fields else 0.0


def process_tree(root: int) -> list[int]:
    """``root`` and all its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields:
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, ()))
    return tree


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def role(pid: int, root: int) -> str:
    """What a process of the tree is: the command itself, multiprocessing's helpers, or a worker."""
    if pid == root:
        return "main"
    fields = _stat(pid)
    if fields is None or int(fields[1]) != root:
        return "worker"  # workers forked by the forkserver run its command line too
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        return "gone"
    if b"multiprocessing.forkserver" in cmdline:
        return "forkserver"
    if b"multiprocessing.resource_tracker" in cmdline:
        return "resource_tracker"
    return "worker"


def tree_memory(root: int, current: dict[int, tuple[int, int]] | None = None) -> tuple[int, int, int]:
    """(RSS sum, PSS sum, process count) of the tree in bytes; PSS counts shared pages once.

    ``current``, when given, is filled with each process's ``(rss, pss)`` in bytes.
    """
    rss = pss = 0
    pids = process_tree(root)
    for pid in pids:
        fields = _stat(pid)
        if fields:
            one_rss, one_pss = int(fields[21]) * PAGE, _pss_kib(pid) * 1024
            rss += one_rss
            pss += one_pss
            if current is not None:
                current[pid] = (one_rss, one_pss)
    return rss, pss, len(pids)


def _frames(pid: int) -> set[int]:
    """The physical frames of ``pid``'s resident pages (empty unless root: PFNs are hidden)."""
    found: set[int] = set()
    try:
        maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
        with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
            for line in maps:
                if line.endswith("[vsyscall]"):
                    continue
                low, high = (int(x, 16) for x in line.split()[0].split("-"))
                pagemap.seek(low // PAGE * 8)
                entries = array.array("Q", pagemap.read((high - low) // PAGE * 8))
                found.update(e & PFN_MASK for e in entries if e >> 63 and e & PFN_MASK)
    except OSError:
        return set()
    return found


def tree_unique(root: int) -> int:
    """Bytes of distinct physical pages resident in the tree: its real footprint, 0 if not root.

    A page shared by several processes of the tree counts once, and a library page shared with
    processes outside it counts whole (PSS would give the tree only its share of it).
    """
    frames: set[int] = set()
    for pid in process_tree(root):
        frames |= _frames(pid)
    return len(frames) * PAGE


def by_role(current: dict[int, tuple[int, int]], roles: dict[int, str]) -> dict[str, dict[str, float]]:
    """RSS and PSS in MB summed per role (``count`` processes each) from one sample."""
    out: dict[str, dict[str, float]] = {}
    for pid, (rss, pss) in current.items():
        entry = out.setdefault(roles.get(pid, "worker"), {"count": 0, "rss_mb": 0.0, "pss_mb": 0.0})
        entry["count"] += 1
        entry["rss_mb"] = round(entry["rss_mb"] + rss / 2**20, 1)
        entry["pss_mb"] = round(entry["pss_mb"] + pss / 2**20, 1)
    return out


@dataclass
class Timed:
    """A finished command: wall seconds, peak tree memory, CPU seconds of the tree and its output."""

    code: int
    wall: float
    peak_rss: int
    peak_pss: int
    peak_procs: int
    #: distinct resident pages of the tree at its peak (0 when not measurable: needs root)
    peak_unique: int
    stdout: str
    stderr: str
    #: at the sample of peak PSS: role ("main", "forkserver", "resource_tracker", "worker") ->
    #: count, rss_mb and pss_mb summed over the processes of that role
    processes: dict[str, dict[str, float]] = field(default_factory=dict)


class _Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float, footprint: bool) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval, self.footprint = pid, interval, footprint
        self.peak_rss = self.peak_pss = self.peak_procs = self.peak_unique = 0
        self.samples = 0
        self.at_peak: dict[int, tuple[int, int]] = {}
        self.roles: dict[int, str] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            current: dict[int, tuple[int, int]] = {}
            rss, pss, procs = tree_memory(self.pid, current)
            for pid in current.keys() - self.roles.keys():
                self.roles[pid] = role(pid, self.pid)
            if pss > self.peak_pss:
                self.at_peak = current
            if (
                self.footprint and self.samples % 4 == 0 and os.geteuid() == 0
            ):  # a page walk is slow: every 4th sample
                self.peak_unique = max(self.peak_unique, tree_unique(self.pid))
            self.samples += 1
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self.peak_procs = max(self.peak_procs, procs)
            self.stop.wait(self.interval)


def run_timed(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    interval: float = 0.25,
    timeout: float | None = None,
    footprint: bool = False,
) -> Timed:
    """Run ``argv`` to the end, sampling the memory of its process tree every ``interval`` seconds."""
    start = time.monotonic()
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    # The page walk behind the footprint costs the sampler a good part of a core on a tree of 5
    # processes: only memory runs (B3) take it, so speed runs do not pay for their own measurement.
    sampler = _Sampler(proc.pid, interval, footprint)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    wall = time.monotonic() - start
    sampler.stop.set()
    sampler.join()
    processes = by_role(sampler.at_peak, sampler.roles)
    return Timed(
        proc.returncode,
        wall,
        sampler.peak_rss,
        sampler.peak_pss,
        sampler.peak_procs,
        sampler.peak_unique,
        out,
        err,
        processes,
    )


def bench_env(**extra: str) -> dict[str, str]:
    """This environment without proxies (they are set per command) and with the repo importable."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in ("http_proxy", "https_proxy", "no_proxy")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["PYTHONWARNINGS"] = "ignore"
    env.update(extra)
    return env


@dataclass
class Server:
    """A running replay web: its proxy URL and process id (for its CPU time)."""

    url: str
    pid: int
    urls: int


@contextmanager
def replay_web(manifest: Path) -> Iterator[Server]:
    """``python -m replayweb`` in its own process (its own core when one is free), stopped on exit."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "replayweb", "--manifest", str(manifest)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,  # its shutdown noise (cancelled keep-alive tasks) is not ours
        env=bench_env(),
    )
    try:
        assert proc.stdout is not None
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            if not sel.select(120):
                raise RuntimeError("replayweb did not start within 120 s")
        line = proc.stdout.readline()
        match = LISTENING.search(line)
        if match is None:
            raise RuntimeError(f"replayweb: unexpected first line {line!r}")
        yield Server(f"http://127.0.0.1:{int(match.group(1))}", proc.pid, int(match.group(2)))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _first_line(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def machine() -> dict[str, object]:
    """CPU model, cores, memory, OS, Python and the versions that matter here."""
    from importlib.metadata import PackageNotFoundError, version

    versions: dict[str, str | None] = {}
    for name in ("kliping", "scrapy", "trafilatura", "lxml", "warcio", "twisted"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    mem_kib = _first_line("/proc/meminfo", "MemTotal")
    return {
        "cpu_model": _first_line("/proc/cpuinfo", "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem_kib.split()[0]) / 1024**2, 1) if mem_kib else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "versions": versions,
        "note": "a shared machine: other jobs ran on the same cores, so absolute figures are noisy; "
        "ratios measured in the same run are what matters",
    }
