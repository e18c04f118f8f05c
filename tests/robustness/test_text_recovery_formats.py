"""A killed run's text is completed in every configured format (JSON lines, gzipped JSON lines,
Parquet), each format on its own, into the normal layout, and with remote output into the spool,
where the seen store tells which batches were already uploaded."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from archive.reader import read_warcinfo
from cli.runner import project_settings
from pipelines.exporters import ARTICLE_SCHEMA
from pipelines.recovery import TextRecovery, recover_text
from pipelines.staged_parquet import final_path, finish_staged, is_staged
from replayweb import ReplayWeb
from settings.runinfo import local_dir
from state.frontier import Frontier, this_host
from tests.conftest import FIXTURE_OUTLETS, Kliping
from tests.robustness.test_text_recovery import FileSeenStore
from tests.robustness.webgen import HOST, serve_articles, write_list

DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def crawl(kliping: Kliping, *settings: str) -> list[str]:
    """A finished scrape of four generated articles with the given ``-s`` settings; their URLs."""
    with ReplayWeb() as web:
        urls = serve_articles(web, 4, seed=33)
        write_list(kliping.cwd, urls)
        args = ["-s", "AUTOTHROTTLE_ENABLED=0"]
        for setting in settings:
            args += ["-s", setting]
        result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, *args)
    assert result.code == 0, result.stderr
    return urls


def crawl_outlet(kliping: Kliping, *settings: str) -> list[str]:
    """A finished crawl of the fixture outlet, its feed listing four generated articles: stories
    with a seen key (a URL list has none); their URLs."""
    with ReplayWeb() as web:
        urls = serve_articles(web, 4, seed=33)
        items = "".join(f"<item><title>t</title><link>{url}</link></item>" for url in urls)
        feed = f'<?xml version="1.0"?><rss version="2.0"><channel><title>K</title>{items}</channel></rss>'
        web.add(f"{HOST}/rss", feed.encode(), content_type="application/rss+xml")
        args = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}"]
        for setting in settings:
            args += ["-s", setting]
        result = kliping("crawl", "kabarcontoh", "--proxy", web.proxy_url, *args)
    assert result.code == 0, result.stderr
    return urls


def register_killed(warc_dir: Path, frontier_file: Path) -> str:
    """List the crawl's run as still running (its process is gone): a killed run. Returns its id."""
    [warc] = sorted(warc_dir.glob("*.warc.gz"))
    pid = int(re.search(r"-(\d+)\.warc\.gz$", warc.name)[1])  # type: ignore[index]
    run_id = read_warcinfo(warc)["run-id"]
    frontier = Frontier(frontier_file)
    frontier.db.execute(
        "INSERT INTO runs (run_id, job, spider, host, pid, started) VALUES (?, 'j', 'urls', ?, ?, '')",
        (run_id, this_host(), pid),
    )
    frontier.close()
    return run_id


def recover(cwd: Path, *, finish: bool = True, **settings: Any) -> TextRecovery:
    """Text recovery at a run's start; with ``finish``, also the run's end, where the Parquet rows
    recovery staged are converted (``recovered_files`` then names the Parquet files)."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        run_settings = project_settings({"KLIPING_EXTRACT_WORKERS": 1, **settings})
        report = recover_text(run_settings)
        if finish:
            assert not finish_staged(Path(local_dir(run_settings, "text"))).failed
            report.recovered_files = [final_path(p) if is_staged(p) else p for p in report.recovered_files]
    finally:
        os.chdir(here)
    # Paths as seen from the test, not from the working directory recovery ran in.
    report.recovered_files = [cwd / p for p in report.recovered_files]
    report.cut_files = [cwd / p for p in report.cut_files]
    return report


def jsonl_rows(paths: list[Path]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in paths:
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
        rows += [json.loads(line) for line in data.splitlines() if line.strip()]
    return rows


def parquet_urls(paths: list[Path]) -> list[str]:
    return [url for path in paths for url in pq.read_table(path, columns=["url"]).column("url").to_pylist()]


def test_gzipped_json_lines_are_completed_as_gzipped_json_lines(kliping: Kliping) -> None:
    urls = crawl(kliping, "KLIPING_TEXT_GZIP=1", "KLIPING_TEXT_FORMATS=jsonl")
    data = kliping.cwd / "data"
    [batch] = sorted((data / "text").rglob("*.jsonl.gz"))
    # Killed: the batch holds one whole record and half of the next (a damaged gzip tail too).
    lines = gzip.decompress(batch.read_bytes()).splitlines(keepends=True)
    batch.write_bytes(gzip.compress(lines[0] + lines[1][:40])[:-5])
    register_killed(data / "warc", data / "state" / "frontier.sqlite")

    report = recover(kliping.cwd, KLIPING_TEXT_GZIP=True, KLIPING_TEXT_FORMATS=["jsonl"])

    [recovered] = report.recovered_files
    assert recovered.name.endswith("-recovered-1.jsonl.gz") and recovered.parent == batch.parent
    assert report.recovered == 3 and report.cut_files == [batch]
    assert not list((data / "text").rglob("*.jsonl")) and not list((data / "text").rglob("*.parquet"))
    got = [row["url"] for row in jsonl_rows(sorted((data / "text").rglob("*.jsonl.gz")))]
    assert sorted(got) == sorted(urls)


def test_parquet_only_output_is_completed_in_parquet(kliping: Kliping) -> None:
    urls = crawl(kliping, "KLIPING_TEXT_FORMATS=parquet")
    data = kliping.cwd / "data"
    [batch] = sorted((data / "text").rglob("*.parquet"))
    pq.write_table(pq.read_table(batch).slice(0, 1), batch)  # the other three were still buffered
    register_killed(data / "warc", data / "state" / "frontier.sqlite")

    report = recover(kliping.cwd, KLIPING_TEXT_FORMATS=["parquet"])

    [recovered] = report.recovered_files
    assert recovered.name.endswith("-recovered-1.parquet") and recovered.parent == batch.parent
    assert pq.read_schema(recovered).equals(ARTICLE_SCHEMA)
    assert not list((data / "text").rglob("*.jsonl*"))
    assert sorted(parquet_urls(sorted((data / "text").rglob("*.parquet")))) == sorted(urls)


def test_each_format_is_completed_on_its_own_when_one_was_stored_and_another_not(
    kliping: Kliping,
) -> None:
    """Decided: formats are parallel copies; each gets exactly the articles it lacks."""
    urls = crawl(kliping)
    data = kliping.cwd / "data"
    [jsonl] = sorted((data / "text").rglob("*.jsonl"))
    [parquet] = sorted((data / "text").rglob("*.parquet"))
    lines = jsonl.read_bytes().splitlines(keepends=True)
    jsonl.write_bytes(b"".join(lines[:2]))  # stored with two records ...
    parquet.unlink()  # ... while the Parquet batch was never stored
    register_killed(data / "warc", data / "state" / "frontier.sqlite")

    report = recover(kliping.cwd)

    names = sorted(p.name for p in report.recovered_files)
    assert [n.rsplit("-recovered-", 1)[1] for n in names] == ["1.jsonl", "1.parquet"]
    assert all(p.parent == jsonl.parent for p in report.recovered_files)
    text = data / "text"
    json_urls = [row["url"] for row in jsonl_rows(sorted(text.rglob("*.jsonl")))]
    assert sorted(json_urls) == sorted(urls)
    assert sorted(parquet_urls(sorted(text.rglob("*.parquet")))) == sorted(urls)


def test_remote_output_recovers_into_the_spool_trusting_the_seen_store_for_uploaded_batches(
    kliping: Kliping,
) -> None:
    urls = crawl_outlet(kliping, "KLIPING_TEXT_BATCH_ITEMS=2")
    # Rebuild what an s3:// run leaves in its work directory: the WARC still in the spool; batch 1
    # (both formats) uploaded, so gone from the spool, its articles marked seen; batch 2 stored
    # as JSON lines in the spool, its Parquet copy never written.
    data, work = kliping.cwd / "data", kliping.cwd / "work"
    spool = work / "spool"
    shutil.move(data / "warc", spool / "warc")
    shutil.move(data / "text", spool / "text")
    batches = sorted((spool / "text").rglob("*-0000[12].*"))
    first = [p for p in batches if "-00001." in p.name]
    second_jsonl = next(p for p in batches if p.name.endswith("-00002.jsonl"))
    uploaded = [row["url"] for row in jsonl_rows([p for p in first if p.name.endswith(".jsonl")])]
    second = [row["url"] for row in jsonl_rows([second_jsonl])]
    for path in first:
        path.unlink()
    next(p for p in batches if p.name.endswith("-00002.parquet")).unlink()
    seen_file = kliping.cwd / "seen.json"
    seen_file.write_text(json.dumps(uploaded))
    register_killed(spool / "warc", work / "state" / "frontier.sqlite")

    report = recover(
        kliping.cwd,
        KLIPING_OUTPUT="s3://news-bucket/kliping",
        KLIPING_WORKDIR=str(work),
        KLIPING_STATE=f"jsonfile://{seen_file}",
        KLIPING_STATE_STORES={"jsonfile": f"{FileSeenStore.__module__}.FileSeenStore"},
        KLIPING_OUTLETS_DIRS=[str(FIXTURE_OUTLETS)],
    )

    [recovered] = report.recovered_files
    assert recovered.is_relative_to(spool / "text") and recovered.name.endswith("-recovered-1.parquet")
    assert recovered.parent.parent.name == "kabarcontoh" and DAY.fullmatch(recovered.parent.name)
    assert sorted(parquet_urls([recovered])) == sorted(second)
    assert set(urls) <= set(json.loads(seen_file.read_text()))


def test_recovery_stages_parquet_rows_for_the_runs_end(kliping: Kliping) -> None:
    crawl(kliping, "KLIPING_TEXT_FORMATS=parquet")
    data = kliping.cwd / "data"
    [batch] = sorted((data / "text").rglob("*.parquet"))
    pq.write_table(pq.read_table(batch).slice(0, 1), batch)
    register_killed(data / "warc", data / "state" / "frontier.sqlite")

    report = recover(kliping.cwd, finish=False, KLIPING_TEXT_FORMATS=["parquet"])

    [recovered] = report.recovered_files
    assert is_staged(recovered) and recovered.name.endswith("-recovered-1.parquet.rows")
    assert len(jsonl_rows([recovered])) == 3


def test_a_killed_runs_staged_rows_count_as_its_parquet_batch(kliping: Kliping) -> None:
    """Decided: rows staged before the kill are durable; recovery writes none of them again."""
    urls = crawl(kliping, "KLIPING_TEXT_FORMATS=parquet", "KLIPING_TEXT_BATCH_ITEMS=2")
    data = kliping.cwd / "data"
    first, second = sorted((data / "text").rglob("*.parquet"))
    # Killed after batch 1 was staged, before the run's end converted it; batch 2 never stored.
    staged = first.with_name(f".{first.name}.rows")
    staged.write_text("".join(json.dumps(row) + "\n" for row in pq.read_table(first).to_pylist()))
    first.unlink()
    kept = [row["url"] for row in jsonl_rows([staged])]
    second.unlink()
    register_killed(data / "warc", data / "state" / "frontier.sqlite")

    report = recover(kliping.cwd, KLIPING_TEXT_FORMATS=["parquet"])

    [recovered] = report.recovered_files
    assert sorted(parquet_urls([recovered])) == sorted(set(urls) - set(kept))
    assert sorted(parquet_urls(sorted((data / "text").rglob("*.parquet")))) == sorted(urls)
    assert not list((data / "text").rglob(".*.rows"))
