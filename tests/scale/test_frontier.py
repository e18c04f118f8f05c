"""Workers sharing one frontier in Redis: together they do what one process does, each URL once,
and what a killed worker had taken is fetched by a later round."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import redis

from replayweb import ReplayWeb
from state.redis import current_round, live_workers, parse_redis_uri, round_key
from tests.conftest import corpus_path
from tests.holds import AnswerHold
from tests.scale import newsweb
from tests.scale.conftest import Workers, wait_until

FAST = ["-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1"]
# A worker holds up to CONCURRENT_REQUESTS requests taken from the shared queue; few here, so a
# small crawl is shared at all.
SHARED = ["-s", "CONCURRENT_REQUESTS=2"]
HELD_AT_MOST = 2  # requests one worker has taken from the queue at any time (CONCURRENT_REQUESTS)
# A short heartbeat, so a killed worker is noticed within seconds.
QUICK_DEATH = ["-s", "KLIPING_REDIS_HEARTBEAT=2"]
# A long one, so a worker stopped (SIGSTOP) while another starts still counts as alive.
PATIENT = ["-s", "KLIPING_REDIS_HEARTBEAT=300"]
SPIDER = "outlet"


def crawl_args(web: ReplayWeb, outlets: Path | None, *extra: str) -> list[str]:
    where = ["-s", f"KLIPING_OUTLETS_DIRS={outlets}"] if outlets else []
    return ["crawl", "--proxy", web.proxy_url, *where, *FAST, *extra]


def hold_first_article(web: ReplayWeb, count: int) -> AnswerHold:
    """The web holds back its first answer to any of the outlet's ``count`` articles."""
    return AnswerHold(web, {newsweb.article_url(n): newsweb.article_html(n) for n in range(count)})


def fetched(web: ReplayWeb) -> Counter[str]:
    return Counter(record.url for record in web.requests if record.method == "GET")


def redis_client(uri: str) -> tuple[redis.Redis, str]:
    url, prefix = parse_redis_uri(uri)
    return redis.Redis.from_url(url), prefix


def workers_in_round(uri: str) -> int:
    client, prefix = redis_client(uri)
    try:
        return len(live_workers(client, prefix, SPIDER, timeout=60))
    finally:
        client.close()


def queued(uri: str) -> int:
    """Requests waiting in the current round's shared queue."""
    client, prefix = redis_client(uri)
    try:
        round_id = current_round(client, prefix, SPIDER)
        return int(client.zcard(round_key(prefix, SPIDER, round_id, "requests"))) if round_id else 0
    finally:
        client.close()


def test_two_workers_do_the_work_of_one_and_fetch_each_url_once(
    news_web: tuple[ReplayWeb, list[str]], redis_uri: str, workers: Workers, tmp_path: Path
) -> None:
    """Both workers take part by construction, not by timing: a takes its first articles and queues
    the rest, then stays stopped (SIGSTOP) while b takes everything left in the queue, then both
    finish. What is asserted is the outcome: one worker's output, each URL fetched once."""
    web, articles = news_web
    outlets = newsweb.write_outlet(tmp_path / "outlets").parent
    single = workers.start("single", *crawl_args(web, outlets, newsweb.OUTLET))
    assert single.wait() == 0, single.stderr
    alone = {row["url"]: row["text"] for row in single.rows()}
    assert set(alone) == set(articles)
    web.reset_counters()

    args = crawl_args(web, outlets, newsweb.OUTLET, "--state", redis_uri, *SHARED, *PATIENT)
    with hold_first_article(web, len(articles)) as first_article:
        a = workers.start("a", *args)
        first_article.wait_held("worker a to ask for its first article")
        # a holds at most two requests; it queues every other article from the listing it read.
        wait_until(
            lambda: queued(redis_uri) >= len(articles) - HELD_AT_MOST, 60, "worker a to queue the articles"
        )
        a.pause()
    b = workers.start("b", *args)
    wait_until(lambda: workers_in_round(redis_uri) == 2, 60, "worker b to join a's round")
    wait_until(lambda: queued(redis_uri) == 0, 120, "worker b to take every queued request")
    a.resume()
    assert a.wait() == 0, a.stderr
    assert b.wait() == 0, b.stderr

    assert a.rows() and b.rows(), "both workers should have taken articles from the shared queue"
    rows = a.rows() + b.rows()
    assert sorted(row["url"] for row in rows) == sorted(alone)
    assert {row["url"]: row["text"] for row in rows} == alone
    counts = fetched(web)
    # robots.txt: every worker reads the rules for itself; everything else is fetched once in all.
    assert {url: n for url, n in counts.items() if n > 1 and not url.endswith("/robots.txt")} == {}
    assert all(counts[url] == 1 for url in articles)


def test_a_killed_worker_loses_nothing_the_next_round_fetches_it(
    news_web: tuple[ReplayWeb, list[str]], redis_uri: str, workers: Workers, tmp_path: Path
) -> None:
    web, articles = news_web
    outlets = newsweb.write_outlet(tmp_path / "outlets").parent
    args = crawl_args(web, outlets, newsweb.OUTLET, "--state", redis_uri, *SHARED, *QUICK_DEATH)
    with hold_first_article(web, len(articles)) as first_article:
        # a has taken an article from the queue and waits for it; b joins; a dies before the answer.
        a = workers.start("a", *args)
        first_article.wait_held("worker a to ask for its first article")
        b = workers.start("b", *args)
        wait_until(lambda: workers_in_round(redis_uri) == 2, 60, "worker b to join the round")
        a.kill()
    # b drains the queue, waits out a's heartbeat, and ends the round.
    assert b.wait() == 0, b.stderr
    before = {row["url"] for row in a.rows() + b.rows()}
    assert before < set(articles), "what a had taken from the queue is lost to this round"
    wait_until(lambda: workers_in_round(redis_uri) == 0, 30, "no live worker in the round")

    web.clear_faults()
    restart = workers.start("restart", *args)
    assert restart.wait() == 0, restart.stderr
    after = {row["url"] for row in restart.rows()}
    # The restart is a new round: it reads the listings again and fetches what was never saved.
    assert set(articles) - before <= after
    assert before | after == set(articles)


def test_two_workers_over_the_corpus_match_one(
    corpus_web: ReplayWeb, redis_uri: str, workers: Workers
) -> None:
    assert corpus_path().is_dir()
    single = workers.start("single", *crawl_args(corpus_web, None))
    single.wait()
    alone = {row["url"]: row["text"] for row in single.rows()}
    pages = {page for row in single.rows() for page in row["pages"]}
    assert alone, single.stderr
    corpus_web.reset_counters()

    args = crawl_args(corpus_web, None, "--state", redis_uri, *SHARED)
    a, b = workers.start("a", *args), workers.start("b", *args)
    assert a.wait() == single.proc.returncode, a.stderr
    assert b.wait() == single.proc.returncode, b.stderr
    rows = a.rows() + b.rows()
    assert len(rows) == len(alone)
    assert {row["url"]: row["text"] for row in rows} == alone
    counts = fetched(corpus_web)
    # Every page of every story (a single-page variant such as ?page=all included) once.
    assert all(counts[url] == 1 for url in pages)


def test_a_restarted_worker_reconciles_its_own_frontier_with_the_shared_seen_store(
    news_web: tuple[ReplayWeb, list[str]], redis_uri: str, workers: Workers, tmp_path: Path
) -> None:
    """Worker a owes every article in its local frontier when it is killed; b then saves them (all
    of them, or all but what a had taken, whether b joins a's round or starts the next).
    Restarted, a fetches only what b did not save: the rest is seen in the shared store."""
    web, articles = news_web
    outlets = newsweb.write_outlet(tmp_path / "outlets").parent
    args = crawl_args(web, outlets, newsweb.OUTLET, "--state", redis_uri, *SHARED, *QUICK_DEATH)
    with hold_first_article(web, len(articles)) as first_article:
        a = workers.start("a", *args)
        first_article.wait_held("worker a to ask for its first article")
        wait_until(
            lambda: queued(redis_uri) >= len(articles) - HELD_AT_MOST, 60, "worker a to queue the articles"
        )
        a.kill()
    web.clear_faults()
    b = workers.start("b", *args)
    assert b.wait() == 0, b.stderr
    saved = [row["url"] for row in b.rows()]
    assert len(saved) == len(set(saved)) and set(saved) <= set(articles)
    wait_until(lambda: workers_in_round(redis_uri) == 0, 30, "no live worker in the round")
    web.reset_counters()

    again = workers.start("a", *args)
    assert again.wait() == 0, again.stderr
    rows = [row["url"] for row in again.rows()]
    assert sorted(rows) == sorted(set(articles) - set(saved))
    assert {url: n for url, n in fetched(web).items() if url in articles and n > 1} == {}
