"""Shared fixtures: the replay web over the repository's own pages and over the shared corpus,
and a runner for the real ``kliping`` command line in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from replayweb import ReplayWeb

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
FIXTURE_SITE = FIXTURES / "site" / "MANIFEST.tsv"
FIXTURE_OUTLETS = FIXTURES / "outlets"


def corpus_path() -> Path:
    """The shared corpus: ``KLIPING_CORPUS``, else ``../shared/corpus`` beside the repository."""
    value = os.environ.get("KLIPING_CORPUS")
    if not value:
        return REPO.parent / "shared" / "corpus"
    # A relative path (the Makefile's ../shared/corpus) is relative to the repository.
    return Path(value) if Path(value).is_absolute() else (REPO / value).resolve()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    path = corpus_path()
    if not (path / "MANIFEST.tsv").is_file():
        pytest.skip(f"shared corpus not found at {path} (set KLIPING_CORPUS to its folder)")
    return path


@pytest.fixture(scope="session")
def site_web() -> Iterator[ReplayWeb]:
    """The repository's own fixture site, served at its real URLs."""
    with ReplayWeb([FIXTURE_SITE]) as web:
        yield web


@pytest.fixture(scope="session")
def corpus_web(corpus_dir: Path) -> Iterator[ReplayWeb]:
    """The shared corpus, served at its real URLs."""
    with ReplayWeb([corpus_dir / "MANIFEST.tsv"]) as web:
        yield web


@dataclass
class Result:
    """What a ``kliping`` run printed and returned."""

    code: int
    stdout: str
    stderr: str


@dataclass
class Kliping:
    """Runs the real ``kliping`` command in a subprocess, in its own working directory."""

    cwd: Path

    def __call__(self, *args: str, timeout: float = 240) -> Result:
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        proc = subprocess.run(
            [sys.executable, "-m", "cli", *args],
            cwd=self.cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture
def kliping(tmp_path: Path) -> Kliping:
    return Kliping(tmp_path)
