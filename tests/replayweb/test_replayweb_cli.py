"""``python -m replayweb``: listening line, serving, clean exit on SIGTERM, config errors."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"^replayweb listening on (http://127\.0\.0\.1:(\d+)) \((\d+) urls\)$")


def run_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    return env


def readline_within(proc: subprocess.Popen[str], seconds: float) -> str:
    """One line of the child's stdout, or fail after ``seconds`` (no sleeping)."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(seconds):
            proc.kill()
            pytest.fail(f"no output within {seconds}s")
    return proc.stdout.readline()


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    (tmp_path / "a.html").write_bytes(b"<html>a</html>")
    (tmp_path / "b.xml").write_bytes(b"<rss/>")
    path = tmp_path / "MANIFEST.tsv"
    path.write_text("path\turl\na.html\thttps://o.id/a\nb.xml\thttp://o.id/rss\n")
    return path


@pytest.fixture
def server(manifest: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    faults = tmp_path / "faults.tsv"
    faults.write_text("url\tstatus\nhttp://o.id/broken\t503\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "replayweb", "--manifest", str(manifest), "--faults", str(faults)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=run_env(),
    )
    try:
        line = readline_within(proc, 30).rstrip("\n")
        match = LISTENING.match(line)
        assert match, line
        assert match.group(3) == "2"
        yield proc, match.group(1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_cli_serves_until_sigterm_and_exits_zero(server: tuple[subprocess.Popen[str], str]) -> None:
    proc, proxy = server
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    with opener.open("http://o.id/rss", timeout=10) as resp:
        assert resp.read() == b"<rss/>"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert proc.stderr is not None
    assert "Traceback" not in proc.stderr.read()


def test_cli_exits_zero_on_sigint(server: tuple[subprocess.Popen[str], str]) -> None:
    proc, _ = server
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0


def test_cli_applies_faults_file(server: tuple[subprocess.Popen[str], str]) -> None:
    _, proxy = server
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    with pytest.raises(urllib.error.HTTPError) as info:
        opener.open("http://o.id/broken", timeout=10)
    assert info.value.code == 503


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "replayweb", *args],
        capture_output=True,
        text=True,
        env=run_env(),
        timeout=60,
    )


def test_cli_malformed_manifest_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_bytes(b"")
    bad = tmp_path / "MANIFEST.tsv"
    bad.write_text("path\turl\na.html\thttps://o.id/a\na.html https://o.id/b\n")
    result = run_cli("--manifest", str(bad))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"replayweb: error: {bad}:3: ")


def test_cli_missing_manifest_is_one_line_exit_2(tmp_path: Path) -> None:
    missing = tmp_path / "nope.tsv"
    result = run_cli("--manifest", str(missing))
    assert result.returncode == 2
    assert result.stderr == f"replayweb: error: {missing}: no such manifest file\n"


def test_cli_malformed_faults_file_is_one_line_exit_2(manifest: Path, tmp_path: Path) -> None:
    faults = tmp_path / "faults.json"
    faults.write_text('[{"url": "https://o.id/a",\n "status": }]')
    result = run_cli("--manifest", str(manifest), "--faults", str(faults))
    assert result.returncode == 2
    assert result.stderr.startswith(f"replayweb: error: {faults}:2: invalid JSON")
    assert len(result.stderr.splitlines()) == 1
