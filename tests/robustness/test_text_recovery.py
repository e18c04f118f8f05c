"""A killed run's text is repaired at the next start: half lines cut, missing articles re-extracted
from the WARC, and what is durably written settled with the keys its story records name."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from cli.runner import project_settings
from pipelines.recovery import recover_text
from replayweb import ReplayWeb
from state.frontier import Frontier, this_host
from tests.conftest import Kliping
from tests.robustness.webgen import serve_articles, write_list
from tests.warcs import read_jsonl


class FileSeenStore:
    """A seen store in a JSON file: the smallest thing that honours the SeenStore protocol."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self.seen: set[str] = set(json.loads(self.path.read_text())) if self.path.exists() else set()

    @classmethod
    def from_uri(cls, uri: str) -> FileSeenStore:
        return cls(uri.removeprefix("jsonfile://"))

    def is_seen(self, url: str) -> bool:
        return url in self.seen

    def mark_seen(self, urls: Iterable[str]) -> None:
        self.seen.update(urls)

    def claim(self, url: str) -> bool:
        new = url not in self.seen
        self.seen.add(url)
        return new

    def close(self) -> None:
        self.path.write_text(json.dumps(sorted(self.seen)))


def test_a_killed_runs_text_is_completed_from_its_warc(kliping: Kliping) -> None:
    with ReplayWeb() as web:
        urls = serve_articles(web, 4, seed=21)
        write_list(kliping.cwd, urls)
        result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "AUTOTHROTTLE_ENABLED=0")
    assert result.code == 0, result.stderr
    data = kliping.cwd / "data"
    [batch] = sorted((data / "text").rglob("*.jsonl"))
    [warc] = sorted((data / "warc").glob("*.warc.gz"))
    # Make it look killed: registered as running, one whole record and half of the next on disk.
    run_id = batch.name.rsplit("-", 1)[0]
    pid = int(re.search(r"-(\d+)\.warc\.gz$", warc.name)[1])  # type: ignore[index]
    lines = batch.read_bytes().splitlines(keepends=True)
    batch.write_bytes(lines[0] + lines[1][: len(lines[1]) // 2])
    frontier = Frontier(data / "state" / "frontier.sqlite")
    frontier.db.execute(
        "INSERT INTO runs (run_id, job, spider, host, pid, started) VALUES (?, 'j', 'urls', ?, ?, '')",
        (run_id, this_host(), pid),
    )
    frontier.close()

    store_file = kliping.cwd / "seen.json"
    cwd = os.getcwd()
    os.chdir(kliping.cwd)
    try:
        settings = project_settings(
            {
                "KLIPING_STATE": f"jsonfile://{store_file}",
                "KLIPING_STATE_STORES": {"jsonfile": f"{__name__}.FileSeenStore"},
                "KLIPING_EXTRACT_WORKERS": 1,
            }
        )
        report = recover_text(settings)
        again = recover_text(settings)  # idempotent: nothing left to do
    finally:
        os.chdir(cwd)

    assert (
        report.runs == [run_id]
        and report.recovered == 3
        and [p.name for p in report.cut_files] == [batch.name]
    )
    assert again.runs == []
    rows = read_jsonl(sorted((data / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in rows) == sorted(urls)
    # The configured store class was opened; a URL list is never marked seen, recovered or not
    # (its story records name no seen key), as in a live run.
    assert json.loads(store_file.read_text()) == []
