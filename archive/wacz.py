"""Package a run's WARC files into one WACZ (py-wacz), the format ReplayWeb.page and pywb load.

A run's files are found by the ``run-id`` of their ``warcinfo`` record, so several runs can share
one WARC directory. No Scrapy here.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterable
from pathlib import Path

from archive.reader import read_warcinfo


class WaczError(Exception):
    """A WACZ could not be made or is not valid; the message is one line for the user."""


def run_warcs(directory: Path, run_id: str | None = None, pattern: str = "*.warc.gz") -> list[Path]:
    """Closed WARC files of ``directory`` written by run ``run_id`` (by any run when None).

    ``pattern`` narrows the files whose warcinfo is read (start-up recovery knows the writer's
    host and pid, which are in the file name)."""
    files = sorted(directory.glob(pattern)) if directory.is_dir() else []
    if run_id is None:
        return files
    return [path for path in files if read_warcinfo(path).get("run-id") == run_id]


def latest_run_id(directory: Path) -> str | None:
    """The run id of the newest WARC file in ``directory`` (file names sort by time)."""
    for path in reversed(sorted(directory.glob("*.warc.gz"), key=lambda p: p.stat().st_mtime)):
        run = read_warcinfo(path).get("run-id")
        if run:
            return run
    return None


def _run_wacz(args: list[str]) -> tuple[int, str]:
    # Imported here: py-wacz takes a second to import, and run_warcs serves start-up recovery too.
    # cdxj-indexer imports pyamf, which imports the deprecated pkg_resources; the warning is noise.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
        from wacz.main import main as wacz_main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            code = wacz_main(args)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return int(code or 0), out.getvalue()


def create_wacz(warcs: Iterable[Path], output: Path, *, title: str | None = None) -> Path:
    """Write ``output`` (a .wacz) holding ``warcs``, their index and a pages list; returns its path."""
    files = [str(p) for p in warcs]
    if not files:
        raise WaczError("no WARC file to package")
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".open")
    args = ["create", "-o", str(partial), "--detect-pages"]
    if title:
        args += ["--title", title]
    code, log = _run_wacz([*args, *files])
    if code != 0 or not partial.is_file():
        partial.unlink(missing_ok=True)
        raise WaczError(f"{output}: wacz create failed: {last_line(log)}")
    partial.replace(output)
    return output


def validate_wacz(path: Path) -> None:
    """Raise :class:`WaczError` unless ``wacz validate`` accepts ``path``."""
    code, log = _run_wacz(["validate", "-f", str(path)])
    if code != 0:
        raise WaczError(f"{path}: not a valid WACZ: {last_line(log)}")


def last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no details"
