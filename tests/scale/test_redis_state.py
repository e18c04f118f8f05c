"""The Redis seen store and the switch to a shared frontier, against a real redis-server."""

from __future__ import annotations

import pytest

from fetch.rounds import redis_settings
from state import StateError, open_seen_store, redact
from state.redis import RedisSeenStore, parse_redis_uri
from tests.conftest import Kliping
from tests.scale.conftest import RedisServer, free_port

STORES = {"redis": "state.redis.RedisSeenStore"}


def test_claim_is_true_only_for_the_first_caller_across_clients(redis_uri: str) -> None:
    one, two = RedisSeenStore.from_uri(redis_uri), RedisSeenStore.from_uri(redis_uri)
    try:
        assert one.claim("https://a.id/1") is True
        assert two.claim("https://a.id/1") is False
        assert one.claim("https://a.id/1") is False
    finally:
        one.close()
        two.close()


def test_marked_urls_are_seen_by_every_store_on_the_server(redis_uri: str) -> None:
    store = open_seen_store(redis_uri, STORES)
    other = open_seen_store(redis_uri, STORES)
    try:
        store.mark_seen(f"https://a.id/{n}" for n in range(2500))
        assert other.is_seen("https://a.id/2499")
        assert not other.is_seen("https://a.id/2500")
    finally:
        store.close()
        other.close()


def test_the_prefix_keeps_deployments_apart(redis_server: RedisServer, redis_uri: str) -> None:
    red = RedisSeenStore.from_uri(redis_uri + "?prefix=red")
    blue = RedisSeenStore.from_uri(redis_uri + "?prefix=blue")
    try:
        red.mark_seen(["https://a.id/1"])
        assert red.is_seen("https://a.id/1")
        assert not blue.is_seen("https://a.id/1")
        assert redis_server.client().exists("red:seen")
    finally:
        red.close()
        blue.close()


@pytest.mark.parametrize(
    ("uri", "problem"),
    [
        ("redis://127.0.0.1:notaport/0", "not a usable Redis URI"),
        ("redis:///0", "no host"),
        ("redis://127.0.0.1:6379/zero", "the database must be a number"),
        ("http://127.0.0.1:6379/0", "not a Redis URI"),
    ],
)
def test_a_bad_uri_is_named_in_one_message(uri: str, problem: str) -> None:
    with pytest.raises(StateError) as caught:
        parse_redis_uri(uri)
    assert str(caught.value).startswith(f"{uri}: {problem}")


def test_a_redis_uri_switches_scheduler_and_duplicate_filter() -> None:
    settings = redis_settings("redis://10.0.0.5:6380/2?prefix=kl")
    assert settings["SCHEDULER"] == "fetch.rounds.RoundScheduler"
    assert settings["DUPEFILTER_CLASS"] == "scrapy_redis.dupefilter.RFPDupeFilter"
    assert settings["REDIS_URL"] == "redis://10.0.0.5:6380/2"
    assert settings["SCHEDULER_PERSIST"] is True


def test_an_unreachable_redis_is_one_line_and_bad_input(kliping: Kliping) -> None:
    uri = f"redis://127.0.0.1:{free_port()}/0"
    (kliping.cwd / "links.txt").write_text("https://www.kabarcontoh.id/berita/2024/02/12/101/x\n")
    result = kliping("scrape", "links.txt", "--state", uri)
    assert result.code == 2
    assert result.stderr.strip().startswith(f"kliping scrape: {uri}: cannot reach Redis")
    assert "Traceback" not in result.stderr


def test_a_malformed_state_uri_is_bad_input(kliping: Kliping) -> None:
    result = kliping("crawl", "--state", "redis://127.0.0.1:notaport/0")
    assert result.code == 2
    assert result.stderr.strip().startswith("kliping crawl: redis://127.0.0.1:notaport/0: not a usable")


def test_redact_hides_user_and_password() -> None:
    assert redact("redis://:hunter2@127.0.0.1:6379/0") == "redis://***@127.0.0.1:6379/0"
    assert (
        redact("rediss://user:hunter2@redis.internal/1?prefix=kl")
        == "rediss://***@redis.internal/1?prefix=kl"
    )
    assert redact("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_a_password_in_the_state_uri_is_never_printed(kliping: Kliping) -> None:
    # From the environment: on the command line a password is refused outright (tests/cli/test_settings.py).
    bad = kliping("crawl", env={"KLIPING_STATE": "redis://:hunter2@127.0.0.1:notaport/0"})
    unreachable = kliping("crawl", env={"KLIPING_STATE": f"redis://:hunter2@127.0.0.1:{free_port()}/0"})
    for result in (bad, unreachable):
        assert result.code == 2
        assert "hunter2" not in result.stderr
        assert result.stderr.startswith("kliping crawl: redis://***@127.0.0.1:"), result.stderr
