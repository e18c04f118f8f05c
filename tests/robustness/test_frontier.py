"""The durable frontier: what a job owes survives the process; a finished job is forgotten."""

from __future__ import annotations

from pathlib import Path

from fetch.frontier import decode_kwargs, encode_kwargs
from settings.outlets import load_outlets
from state.frontier import Frontier, this_host


def test_pending_requests_survive_a_new_connection_in_order(tmp_path: Path) -> None:
    db = tmp_path / "frontier.sqlite"
    first = Frontier(db)
    first.add_pending("job", "https://x.id/a", "parse_page", '{"outlet": null}')
    first.add_pending("job", "https://x.id/b", "parse_page")
    first.mark_done(["https://x.id/a"], "job")
    # No close: as if killed.
    again = Frontier(db)
    assert [p.url for p in again.pending("job")] == ["https://x.id/b"]
    assert again.is_done("job", "https://x.id/a") and not again.is_done("job", "https://x.id/b")
    assert again.pending("other job") == []


def test_a_finished_job_is_forgotten(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.add_pending("job", "https://x.id/a", "parse_page")
    frontier.forget_job("job")
    assert frontier.pending("job") == [] and not frontier.is_done("job", "https://x.id/a")


def test_a_finished_run_ends_and_forgets_its_job_together(tmp_path: Path) -> None:
    # Apart, a kill between the two left a "killed" run whose job owed nothing: all of it again.
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.start_run("run-1", "job", "urls")
    frontier.add_pending("job", "https://x.id/a", "parse_page")
    frontier.finish("run-1", "job")
    assert frontier.running() == [] and frontier.pending("job") == []


def test_a_run_that_needs_recovery_stays_registered_when_its_job_is_forgotten(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.start_run("run-1", "job", "urls")
    frontier.finish(None, "job")
    assert [r.run_id for r in frontier.running()] == ["run-1"]


def test_recovery_settles_urls_in_every_job(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.add_pending("a", "https://x.id/1", "parse_page")
    frontier.add_pending("b", "https://x.id/1", "parse_article")
    frontier.mark_done(["https://x.id/1"])
    assert frontier.is_done("a", "https://x.id/1") and frontier.is_done("b", "https://x.id/1")


def test_a_run_whose_process_is_gone_is_a_killed_run(tmp_path: Path) -> None:
    frontier = Frontier(tmp_path / "f.sqlite")
    frontier.db.execute(
        "INSERT INTO runs (run_id, job, spider, host, pid, started) VALUES ('dead', 'j', 's', ?, ?, '')",
        (this_host(), 2**22 + 11),
    )
    frontier.db.execute(
        "INSERT INTO runs (run_id, job, spider, host, pid, started) VALUES ('live', 'j', 's', ?, 1, '')",
        (this_host(),),
    )
    assert [r.run_id for r in frontier.killed_runs()] == ["dead"]
    frontier.end_run("dead")
    assert [r.run_id for r in frontier.running()] == ["live"]


def test_callback_arguments_round_trip_outlets_by_name() -> None:
    outlets = load_outlets([])
    name = sorted(outlets)[0]
    text = encode_kwargs({"outlet": outlets[name], "hints": {"a": 1}})
    assert text is not None
    back = decode_kwargs(text)
    assert back["outlet"] == name and back["hints"] == {"a": 1}
    assert encode_kwargs({"x": object()}) is None


def test_a_redirected_article_is_settled_by_the_url_it_landed_on(tmp_path: Path) -> None:
    from scrapy import Request, Spider
    from scrapy.http import HtmlResponse, Response
    from scrapy.utils.test import get_crawler

    from fetch.frontier import FrontierExtension
    from lifecycle.keys import FRONTIER_META

    class ListSpider(Spider):
        name = "list"

        def parse_page(self, response: Response) -> None:
            pass

    db = tmp_path / "frontier.sqlite"
    spider = ListSpider()
    ext = FrontierExtension(get_crawler(ListSpider), Frontier(db), ["parse_page"], max_attempts=3)
    ext.job = "job"
    first = Request("http://x.id/lama", callback=spider.parse_page)
    ext.request_scheduled(first, spider)
    # The RedirectMiddleware's follow-up request carries the first request's meta.
    landed = first.replace(url="http://x.id/baru", meta={**first.meta, "redirect_urls": [first.url]})
    ext.response_received(HtmlResponse(landed.url, body=b"<html></html>", request=landed), landed, spider)
    assert landed.meta[FRONTIER_META] == "http://x.id/baru"
    # Killed now: the article is owed under its final URL only, and recovery, which reads the final
    # URL from the text record, settles it.
    again = Frontier(db)
    assert [p.url for p in again.pending("job")] == ["http://x.id/baru"]
    again.mark_done(["http://x.id/baru"])
    assert again.pending("job") == []
    assert again.is_done("job", "http://x.id/lama")


def test_a_pending_article_of_an_outlet_no_longer_configured_is_not_resumed(tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    from fetch.frontier import FrontierExtension
    from settings import defaults
    from spiders.outlet import OutletSpider

    settings = {k: getattr(defaults, k) for k in dir(defaults) if k.startswith("KLIPING_")}
    # Its own work directory: building the spider takes the directory's lock and recovers it.
    settings |= {"KLIPING_WORKDIR": str(tmp_path / "work"), "KLIPING_OUTPUT": str(tmp_path / "out")}
    crawler = get_crawler(OutletSpider, settings)
    spider = OutletSpider.from_crawler(crawler)
    frontier = Frontier(tmp_path / "frontier.sqlite")
    ext = FrontierExtension(crawler, frontier, ["parse_article"], max_attempts=3)
    known = sorted(load_outlets([]))[0]
    resumed = ext.resumed_request(spider, "https://a.id/1", "parse_article", f'{{"outlet": "{known}"}}')
    assert resumed is not None and resumed.cb_kwargs == {"outlet": known}
    gone = ext.resumed_request(spider, "https://a.id/2", "parse_article", '{"outlet": "tutup"}')
    assert gone is None
