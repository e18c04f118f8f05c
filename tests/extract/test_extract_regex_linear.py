"""Every regular expression of ``extract/`` finishes on adversarial text within a hard bound.

The bound is not a timed assert: the patterns run in one worker process (``regex_worker.py``) over
64,000-character texts built from the fragments that make backtracking engines blow up (runs of
blank lines, whitespace, slashes, repeated label words, digits and separators). A linear pattern
reads such a text in about a millisecond; a backtracking one needs hours. The worker stops a call
after ``PER_CALL_SECONDS`` (10 s) and the test gives the worker ``BOUND_SECONDS`` per text for
all patterns together: a gap of four orders of magnitude either way, so the outcome does not
depend on the machine's load. Examples are derandomized, so every run tries the same texts.
"""

from __future__ import annotations

import ast
import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from extract.regexes import all_patterns

WORKER = Path(__file__).with_name("regex_worker.py")
EXTRACT = Path(__file__).resolve().parents[2] / "extract"
SIZE = 64_000
BOUND_SECONDS = 120.0

FRAGMENTS = [
    " ", "\n", "\t", "\r\n", " \n ", "\n\n", "\u00a0", "/", " / ", "//", ":", " : ", "|", "-", " - ", "–",
    ".", ",", "(", ")", "[", "]", "@", "#", "'", '"', "“", "a", "A", "Aa ", "x", "1", "12", "2024",
    "12:30", "14.30", "12/02/2024", "WIB", "WITA", "wit", "EDT", "Z", "+07:00", "jurnalis", "Jurnalis",
    "wartawan", "Penulis", "penulis:", "Editor:", "Reporter", "Red:", "oleh ", "Oleh", "By ", "by",
    "dan", "and", " & ", "Baca juga", "Foto:", "REUTERS/", "Halaman", "Senin,", "Januari", "http://",
    "x.com", "Budi Santoso", "ANTARA", "Laporan wartawan", "Kontributor", "e", "é", "ß",
]  # fmt: skip

pieces = st.tuples(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=6), st.integers(min_value=1, max_value=5000)
)


def _build(parts: list[tuple[list[str], int]]) -> str:
    unit = "".join("".join(frags) * times for frags, times in parts) or " "
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


class Worker:
    """The worker process, fed one text at a time; every wait on it is bounded."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.buffer = b""

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        self.buffer = b""
        first = self._line(BOUND_SECONDS)
        assert first is not None and first.startswith("ready"), first

    def _line(self, timeout: float) -> str | None:
        """The worker's next line, or None when none comes within ``timeout`` (or it died)."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.buffer:
            ready, _, _ = select.select([fd], [], [], timeout)
            chunk = os.read(fd, 65536) if ready else b""
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode("utf-8").strip()

    def run(self, text: str) -> str | None:
        """None when every pattern finished; else the pattern that did not."""
        if self.proc is None:
            self._start()
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(text).encode("utf-8") + b"\n")
        self.proc.stdin.flush()
        current = "(before the first pattern)"
        while True:
            line = self._line(BOUND_SECONDS)
            if line is None:
                self.close()
                return f"{current} (no answer within {BOUND_SECONDS:.0f} s)"
            if line == "done":
                return None
            if line.startswith("slow "):
                self.close()
                return line.removeprefix("slow ")
            current = line.removeprefix("start ")

    def close(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


def test_there_are_patterns_to_check() -> None:
    names = [name for name, _ in all_patterns()]
    assert len(names) > 40
    assert "extract.metadata._JOURNALIST" in names


@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(pieces, min_size=1, max_size=4))
# the page that hung the extractor: a listicle with thousands of whitespace-only lines
@example([(["Some heading"], 1), (["\n", " "], 5000), (["x / "], 3)])
@example([(["Budi Santoso"], 1), (["\n", " ", "\n"], 4000), (["/ jurnalis"], 1)])
@example([(["12/02/2024 "], 4000)])
@example([(["By ", "A"], 3000)])
@example([(["Penulis", ":", " "], 2000)])
def test_every_pattern_finishes_on_adversarial_text(
    worker: Worker, parts: list[tuple[list[str], int]]
) -> None:
    stuck = worker.run(_build(parts))
    assert stuck is None, f"pattern {stuck} did not finish on adversarial text (see extract/regexes.py)"


_MATCHERS = ("search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split")


def test_no_pattern_is_compiled_inline() -> None:
    """Patterns are module-level constants, so that the inventory above sees every one of them."""
    offenders = []
    for path in sorted(EXTRACT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and getattr(node.func.value, "id", "") in ("re", "re2")
                and node.func.attr in _MATCHERS
            ):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
