"""Helpers the tests use to look inside WARC files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator


def warc_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.warc.gz"))


def records(path: Path) -> list[Any]:
    """Every record of a WARC, with its content read (so it can be inspected after the file closes)."""
    out = []
    with open(path, "rb") as stream:
        for record in ArchiveIterator(stream):
            record.kliping_content = record.content_stream().read()
            out.append(record)
    return out


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``warcio check`` on a file, as a user would."""
    warcio = Path(sys.executable).with_name("warcio")
    return subprocess.run([str(warcio), "check", "-v", str(path)], capture_output=True, text=True)


def read_jsonl(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        rows += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows
