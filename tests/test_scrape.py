"""`kliping scrape FILE`: a URL list through fetch -> WARC -> extract -> JSONL, on the replay web.

Most tests read the session's shared scrape of the fixture site (``scraped_run`` in conftest.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from tests.conftest import FIXTURE_SITE, Kliping, Result
from tests.warcs import read_jsonl, records, warc_files, warcio_check


def article_urls(manifest: Path) -> list[str]:
    rows = [line.split("\t") for line in manifest.read_text(encoding="utf-8").splitlines()[1:] if line]
    return [row[1] for row in rows if row[3] == "article"]


def scrape(kliping: Kliping, web: ReplayWeb, urls: list[str], extra: str = "") -> tuple[int, str]:
    (kliping.cwd / "links.txt").write_text("# links\n\n" + "\n".join(urls) + "\n" + extra, encoding="utf-8")
    result = kliping("scrape", "links.txt", "--proxy", web.proxy_url, "-s", "AUTOTHROTTLE_ENABLED=0")
    return result.code, result.stderr


def by_url(rows: list[dict]) -> dict[str, dict]:
    return {row["url"]: row for row in rows}


def test_every_response_is_in_a_valid_warc(scraped: Path) -> None:
    files = warc_files(scraped / "data" / "warc")
    assert files
    for path in files:
        check = warcio_check(path)
        assert check.returncode == 0, check.stdout + check.stderr
    responses = [r for path in files for r in records(path) if r.rec_type == "response"]
    # robots.txt for the host, then each article.
    fetched = {r.rec_headers.get_header("WARC-Target-URI") for r in responses}
    assert set(article_urls(FIXTURE_SITE)) | {"https://www.kabarcontoh.id/robots.txt"} == fetched


def test_request_and_response_records_are_linked(scraped: Path) -> None:
    recs = [r for path in warc_files(scraped / "data") for r in records(path)]
    response_ids = {r.rec_headers.get_header("WARC-Record-ID") for r in recs if r.rec_type == "response"}
    requests = [r for r in recs if r.rec_type == "request"]
    assert requests
    assert {r.rec_headers.get_header("WARC-Concurrent-To") for r in requests} == response_ids


def test_one_text_record_per_article(scraped: Path) -> None:
    rows = read_jsonl(sorted((scraped / "data" / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in rows) == sorted(article_urls(FIXTURE_SITE))
    for row in rows:
        assert row["title"] and row["text"] and row["fetched_at"]
        assert "Terpopuler" not in row["text"] and "Beranda" not in row["text"]


def test_reextraction_gives_the_same_records(kliping: Kliping, scraped: Path) -> None:
    crawled = read_jsonl(sorted((scraped / "data" / "text").rglob("*.jsonl")))
    result = kliping("extract", f"{scraped}/data/warc/*.warc.gz", "--output", "again.jsonl")
    assert result.code == 0, result.stderr
    again = read_jsonl([kliping.cwd / "again.jsonl"])
    assert by_url(again) == by_url(crawled)


def test_corpus_articles_scrape_and_reextract_alike(
    kliping: Kliping, corpus_web: ReplayWeb, corpus_dir: Path
) -> None:
    urls = article_urls(corpus_dir / "MANIFEST.tsv")
    code, err = scrape(kliping, corpus_web, urls)
    assert code == 0, err
    files = warc_files(kliping.cwd / "data" / "warc")
    for path in files:
        assert warcio_check(path).returncode == 0
    archived = [r for path in files for r in records(path) if r.rec_type == "response"]
    golds = [json.loads(p.read_text()) for p in corpus_dir.rglob("*.gold.json")]
    # A page of a known outlet's multi-page story is fetched as its story (all pages, or the
    # single-page variant): the story's record stands for it.
    story_of = {page: gold["url"] for gold in golds for page in gold.get("pages") or []}
    archived_urls = {r.rec_headers.get_header("WARC-Target-URI") for r in archived}
    assert {url for url in urls if url not in story_of} <= archived_urls
    crawled = read_jsonl(sorted((kliping.cwd / "data" / "text").rglob("*.jsonl")))
    assert len(crawled) == len({row["url"] for row in crawled})
    gold_articles = {gold["url"] for gold in golds}
    expected = {story_of.get(u, u) for u in urls if story_of.get(u, u) in gold_articles}
    assert {row["url"] for row in crawled} >= expected
    result = kliping("extract", *map(str, files), "--output", "again.jsonl")
    assert result.code == 0, result.stderr
    assert by_url(read_jsonl([kliping.cwd / "again.jsonl"])) == by_url(crawled)


def test_bad_lines_are_reported_and_good_ones_fetched(scraped_run: tuple[Path, Result]) -> None:
    scraped, result = scraped_run  # its list: see SCRAPED_LIST
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert "links.txt:6: unsupported scheme 'ftp' (only http and https): 'ftp://files.example/x'" in lines
    assert any(line.startswith("links.txt:7: malformed URL") for line in lines)
    assert "links.txt:8: duplicate of line 3: " + article_urls(FIXTURE_SITE)[0] in lines
    assert "Traceback" not in result.stderr
    rows = read_jsonl(sorted((scraped / "data" / "text").rglob("*.jsonl")))
    assert sorted(row["url"] for row in rows) == sorted(article_urls(FIXTURE_SITE))


FAILING = (404, 500)


def failing_url(status: int) -> str:
    return f"https://www.kabarcontoh.id/berita/2024/01/01/9{status}/gagal"


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory: pytest.TempPathFactory, site_web: ReplayWeb) -> tuple[Path, int, str]:
    """One scrape of pages that answer 404 and 500."""
    kliping = Kliping(tmp_path_factory.mktemp("failed"))
    for status in FAILING:
        site_web.add(failing_url(status), b"<html><body>error</body></html>", status=status)
    code, err = scrape(kliping, site_web, [failing_url(status) for status in FAILING])
    return kliping.cwd, code, err


@pytest.mark.parametrize("status", FAILING)
def test_failed_fetches_are_archived_and_make_the_exit_code_non_zero(
    failed_run: tuple[Path, int, str], status: int
) -> None:
    cwd, code, err = failed_run
    url = failing_url(status)
    assert code == 1
    assert f"HTTP {status}" in err
    fetched = [
        r.http_headers.get_statuscode()
        for p in warc_files(cwd / "data")
        for r in records(p)
        if r.rec_type == "response" and r.rec_headers.get_header("WARC-Target-URI") == url
    ]
    assert fetched and set(fetched) == {str(status)}


def test_crawled_records_follow_the_record_schema(scraped: Path) -> None:
    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "extract" / "article.schema.json").read_text())
    rows = read_jsonl(sorted((scraped / "data" / "text").rglob("*.jsonl")))
    assert rows
    for row in rows:
        jsonschema.validate(row, schema)
