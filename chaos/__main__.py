"""``python -m chaos [--seed N ...] [--articles N] [--scenarios NAME,...]`` (``make chaos``).

Builds the synthetic web once per seed, plays each scenario against it in its own folder, checks
the output, prints the results table and appends it with the details to
``chaos/results/<date>.md``. Exit status: 0 every scenario clean; 1 findings (lost, duplicated,
corrupt, orphans, unexpected exit codes, bounds exceeded); 2 bad usage; 70 a harness error;
130 interrupted (everything it started is ended and unmounted first).
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType

from chaos import REPO
from chaos.procs import Processes
from chaos.report import details, table
from chaos.scenarios import SCENARIOS, Case, Config, Outcome, Services
from chaos.web import build
from tests.servers import redis_binary

DEFAULT_ARTICLES = 2000
NEEDS_ROOT = {"enospc"}
NEEDS_REDIS = {"redis-restart", "freeze-redis"}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m chaos", description=__doc__.split("\n\n")[1])
    p.add_argument("--seed", type=int, action="append", help="seed (repeatable; default: CHAOS_SEEDS or 1)")
    p.add_argument(
        "--articles", type=int, default=DEFAULT_ARTICLES, help="articles in the web (default 2000)"
    )
    p.add_argument("--hosts", type=int, default=4, help="hosts the articles are spread over (default 4)")
    p.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated, of: {', '.join(SCENARIOS)}"
    )
    p.add_argument("--kills", type=int, default=20, help="kill -9 of the process group in kill9 (default 20)")
    p.add_argument(
        "--main-kills", type=int, default=5, help="kill -9 of the main process alone in kill9 (default 5)"
    )
    p.add_argument("--stops", type=int, default=4, help="signals per stop scenario (default 4)")
    p.add_argument("--run-bound", type=float, default=900, help="seconds a run may take (default 900)")
    p.add_argument(
        "--templates",
        choices=("own", "corpus"),
        default="own",
        help="article pages of our own words (default) or the shared corpus's (slower to extract)",
    )
    p.add_argument("--plain", action="store_true", help="no redirects, shared canonical URLs or slow pages")
    p.add_argument("--workdir", type=Path, help="where runs write (default: a new temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the work folder (outputs and run logs)")
    p.add_argument(
        "--results", type=Path, default=REPO / "chaos" / "results", help="folder of the results files"
    )
    p.add_argument("--tag", default="", help="a word for the results file name (<date>-<tag>.md)")
    return p


def corpus_path() -> Path:
    value = os.environ.get("KLIPING_CORPUS")
    if not value:
        return REPO.parent / "shared" / "corpus"
    return Path(value) if Path(value).is_absolute() else (REPO / value).resolve()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return head + (" with local changes" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    names = [n.strip() for n in args.scenarios.split(",") if n.strip()]
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown or not names:
        print(
            f"chaos: unknown scenario(s) {', '.join(unknown)} (known: {', '.join(SCENARIOS)})",
            file=sys.stderr,
        )
        return 2
    seeds = args.seed or [int(s) for s in os.environ.get("CHAOS_SEEDS", "1").replace(",", " ").split()]
    if args.articles < 10:
        print("chaos: --articles must be at least 10", file=sys.stderr)
        return 2
    corpus: Path | None = None
    if args.templates == "corpus":
        corpus = corpus_path()
        if not (corpus / "MANIFEST.tsv").is_file():
            print(f"chaos: no corpus at {corpus} (set KLIPING_CORPUS)", file=sys.stderr)
            return 2
    skipped: dict[str, str] = {}
    if os.geteuid() != 0:
        skipped.update({n: "needs root to mount a tmpfs" for n in names if n in NEEDS_ROOT})
    if redis_binary() is None:
        skipped.update({n: "redis-server not installed (make debs)" for n in names if n in NEEDS_REDIS})

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    own_root = args.workdir is None
    root = Path(tempfile.mkdtemp(prefix="kliping-chaos-")) if own_root else args.workdir
    root.mkdir(parents=True, exist_ok=True)
    procs = Processes(harness_id=f"{os.getpid()}-{secrets.token_hex(3)}")
    started = datetime.now(UTC)
    results: list[tuple[int, str, list[Outcome]]] = []
    status = 0
    interrupted = False
    try:
        for seed in seeds:
            outcomes: list[Outcome] = []
            cfg = Config(
                seed=seed,
                articles=args.articles,
                root=root / f"seed-{seed}",
                kills=args.kills,
                main_kills=args.main_kills,
                stops=args.stops,
                run_bound=args.run_bound,
            )
            web = build(
                cfg.root / "web",
                seed,
                args.articles,
                hosts=args.hosts,
                corpus=corpus,
                variants=not args.plain,
            )
            web.serve()
            services = Services(procs, cfg.root)
            print(f"chaos: seed {seed}: {web.describe()}", flush=True)
            results.append((seed, web.describe(), outcomes))
            try:
                for name in names:
                    if name in skipped:
                        print(f"chaos: seed {seed}: {name} skipped: {skipped[name]}", flush=True)
                        continue
                    case = Case(name, cfg, web, procs, services)
                    began = time.monotonic()
                    try:
                        SCENARIOS[name](case)
                    except KeyboardInterrupt:
                        raise
                    except Exception as exc:
                        case.outcome.error = f"{type(exc).__name__}: {exc}"
                    finally:
                        for run in case.outcome.runs:
                            if run.running():
                                procs.kill_run(run)
                                run.over_bound = run.over_bound or "still running when the scenario ended"
                    case.outcome.wall = time.monotonic() - began
                    outcomes.append(case.outcome)
                    print(f"chaos: seed {seed}: {name}: {'clean' if case.outcome.clean else 'FINDINGS'} "
                          f"({case.outcome.wall:.0f} s)", flush=True)  # fmt: skip
            finally:
                web.stop()
                for stop in reversed(procs.servers):
                    stop()
                procs.servers.clear()
    except KeyboardInterrupt:
        interrupted = True
        print("chaos: interrupted; ending every process and mount it started", file=sys.stderr)
    finally:
        left = procs.cleanup()
        if left:
            print(f"chaos: ended what was still running: {', '.join(left)}", file=sys.stderr)
        if own_root and not args.keep:
            shutil.rmtree(root, ignore_errors=True)
        elif args.keep:
            print(f"chaos: outputs and logs kept in {root}", file=sys.stderr)
    for _, _, outcomes in results:
        if any(o.error for o in outcomes):
            status = max(status, 70)
        elif any(not o.clean for o in outcomes):
            status = max(status, 1)
    if results:
        write_results(args, results, started, skipped, interrupted)
    return 130 if interrupted else status


def write_results(
    args: argparse.Namespace,
    results: list[tuple[int, str, list[Outcome]]],
    started: datetime,
    skipped: dict[str, str],
    interrupted: bool,
) -> None:
    lines = [
        f"## {started:%Y-%m-%d %H:%M} UTC: seed(s) {', '.join(str(s) for s, _, _ in results)}"
        + (" (interrupted)" if interrupted else ""),
        "",
        f"- commit {_commit()}; `python -m chaos --articles {args.articles} --scenarios {args.scenarios} "
        f"--kills {args.kills} --main-kills {args.main_kills} --stops {args.stops}`",
        f"- machine: {os.cpu_count()} cores, load {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
        f"at the end, Python {platform.python_version()}",
    ]
    lines += [f"- {name} skipped: {why}" for name, why in skipped.items()]
    for seed, web, outcomes in results:
        lines += ["", f"### Seed {seed}", "", f"Web: {web}.", "", table(outcomes), ""]
        print(f"\nseed {seed}\n{table(outcomes)}", flush=True)
        lines += [details(o) for o in outcomes]
    args.results.mkdir(parents=True, exist_ok=True)
    name = f"{started:%Y-%m-%d}" + (f"-{args.tag}" if args.tag else "") + ".md"
    path = args.results / name
    head = (
        ""
        if path.exists()
        else f'# Chaos soak results, {started:%Y-%m-%d}\n\nSee docs/reliability.md, "Chaos soak".\n\n'
    )
    with path.open("a", encoding="utf-8") as fh:
        fh.write(head + "\n".join(lines) + "\n")
    print(f"\nchaos: results appended to {path}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
