"""Crawl state in Redis, shared by any number of workers on any number of machines.

Two things live here:

- :class:`RedisSeenStore`, the seen-article set (``<prefix>:seen``), for ``KLIPING_STATE=redis://...``;
- the shared frontier: :func:`redis_settings` switches Scrapy's scheduler and duplicate filter to
  scrapy-redis, and :class:`RoundScheduler` splits that frontier into *rounds*.

A round is one pass over the outlets by however many workers join it. Its request queue and its
duplicate filter are shared (``<prefix>:<spider>:<round>:requests`` / ``:dupefilter``), so inside
a round no URL is scheduled twice, listings included, whichever worker finds it. Each worker beats
in ``<prefix>:<spider>:<round>:workers``; a worker that starts when no worker of the current round
is alive begins a new round, which reads the listings again. Articles saved by earlier rounds are
skipped through the seen store (marked only once their WARC and text records are durable); requests
a killed worker had taken from the queue are not seen, so the next round finds them again.

The URI is ``redis://[:password@]host[:port][/db][?prefix=NAME]`` (``rediss://`` for TLS);
``prefix`` (default ``kliping``) namespaces every key so several deployments can share one Redis.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from state import StateError

logger = logging.getLogger(__name__)

SCHEMES = ("redis", "rediss")
DEFAULT_PREFIX = "kliping"
#: Marks beats per heartbeat timeout, so one late beat does not make a worker look dead.
BEATS_PER_TIMEOUT = 3
_MARK_BATCH = 1000


def is_redis_uri(uri: str | None) -> bool:
    """Whether ``uri`` names a Redis server (``redis://`` or ``rediss://``)."""
    return bool(uri) and urlsplit(str(uri)).scheme in SCHEMES


def parse_redis_uri(uri: str) -> tuple[str, str]:
    """The URI redis-py understands (our ``prefix`` taken out) and the key prefix.

    Raises :class:`StateError` naming the URI when it cannot be used.
    """
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise StateError(f"{uri}: not a usable Redis URI ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise StateError(f"{uri}: not a Redis URI (expected redis://host:port/db)")
    if not parts.hostname:
        raise StateError(f"{uri}: no host in the Redis URI")
    del port  # parsed only to reject a bad one
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise StateError(f"{uri}: the database must be a number, not {path!r}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefixes = [value for name, value in query if name == "prefix"]
    prefix = prefixes[-1] if prefixes else DEFAULT_PREFIX
    if not prefix or any(c.isspace() for c in prefix):
        raise StateError(f"{uri}: the key prefix must be a non-empty word, not {prefix!r}")
    rest = urlencode([(name, value) for name, value in query if name != "prefix"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, "")), prefix


def connect(uri: str) -> tuple[redis.Redis, str]:
    """A client for ``uri`` and its key prefix (no round trip yet)."""
    url, prefix = parse_redis_uri(uri)
    client: redis.Redis = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
    return client, prefix


def check_reachable(uri: str) -> None:
    """One PING; :class:`StateError` naming the URI when Redis does not answer."""
    client, _ = connect(uri)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise StateError(f"{uri}: cannot reach Redis ({exc})") from None
    finally:
        client.close()


def redis_settings(uri: str) -> dict[str, Any]:
    """The Scrapy settings that put the request queue and the duplicate filter in Redis at ``uri``."""
    url, _ = parse_redis_uri(uri)
    return {
        "SCHEDULER": "state.redis.RoundScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": url,
        # Keep the queue and the filter when one worker closes: the others may still be on them.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    }


class RedisSeenStore:
    """The seen-article set in one Redis SET, ``<prefix>:seen``, holding canonical article URLs."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        self.client = client
        self.key = key

    @classmethod
    def from_uri(cls, uri: str) -> RedisSeenStore:
        client, prefix = connect(uri)
        return cls(client, f"{prefix}:seen")

    def is_seen(self, url: str) -> bool:
        return bool(self.client.sismember(self.key, url))

    def mark_seen(self, urls: Iterable[str]) -> None:
        batch: list[str] = []
        for url in urls:
            batch.append(url)
            if len(batch) >= _MARK_BATCH:
                self.client.sadd(self.key, *batch)
                batch = []
        if batch:
            self.client.sadd(self.key, *batch)

    def claim(self, url: str) -> bool:
        # SADD answers how many members it added: 1 for the first caller anywhere, 0 after.
        return int(self.client.sadd(self.key, url)) == 1

    def __len__(self) -> int:
        return int(self.client.scard(self.key))

    def close(self) -> None:
        self.client.close()


# Join the live round of a spider, or start a new one when no worker of the current round is
# alive, in one atomic step (so two workers starting together agree on one round). Times are the
# Redis server's, so clocks of the worker hosts do not matter.
# KEYS[1] round pointer; ARGV: key base "<prefix>:<spider>:", heartbeat timeout, new round id,
# worker id, seconds to keep an abandoned round's keys. Returns {round, abandoned round or ""}.
_JOIN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local base, timeout = ARGV[1], tonumber(ARGV[2])
local current = redis.call('GET', KEYS[1])
if current then
  local workers = base .. current .. ':workers'
  if redis.call('ZCOUNT', workers, now - timeout, '+inf') > 0 then
    redis.call('ZADD', workers, now, ARGV[4])
    return {current, ''}
  end
  for _, kind in ipairs({':requests', ':dupefilter', ':workers', ':idle'}) do
    redis.call('EXPIRE', base .. current .. kind, ARGV[5])
  end
end
redis.call('SET', KEYS[1], ARGV[3])
redis.call('ZADD', base .. ARGV[3] .. ':workers', now, ARGV[4])
return {ARGV[3], current or ''}
"""

# KEYS[1] the round's workers; ARGV[1] worker id.
_BEAT = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) + tonumber(t[2]) / 1000000, ARGV[1])
return 1
"""

# Leave a round; the last live worker to leave with nothing queued ends it (its keys expire).
# KEYS: workers, requests, dupefilter, idle, round pointer; ARGV: worker id, timeout, round id,
# keep secs.
_LEAVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[4], ARGV[1])
if redis.call('ZCOUNT', KEYS[1], now - tonumber(ARGV[2]), '+inf') > 0 then return 0 end
if redis.call('ZCARD', KEYS[2]) > 0 then return 0 end
if redis.call('GET', KEYS[5]) == ARGV[3] then redis.call('DEL', KEYS[5]) end
for i = 1, 4 do redis.call('EXPIRE', KEYS[i], ARGV[4]) end
return 1
"""


def round_pointer_key(prefix: str, spider: str) -> str:
    return f"{prefix}:{spider}:round"


def round_key(prefix: str, spider: str, round_id: str, kind: str) -> str:
    """A key of one round: ``kind`` is ``requests``, ``dupefilter``, ``workers`` or ``idle``."""
    return f"{prefix}:{spider}:{round_id}:{kind}"


def current_round(client: redis.Redis, prefix: str, spider: str) -> str | None:
    """The id of ``spider``'s current (or last unfinished) round, None when there is none."""
    value = client.get(round_pointer_key(prefix, spider))
    return value.decode() if isinstance(value, bytes) else None


def live_workers(
    client: redis.Redis, prefix: str, spider: str, timeout: float, round_id: str | None = None
) -> list[str]:
    """Workers of a round (default: the current one) that beat within ``timeout`` seconds."""
    round_id = round_id or current_round(client, prefix, spider)
    if not round_id:
        return []
    secs, micros = client.time()
    now = secs + micros / 1e6
    workers = round_key(prefix, spider, round_id, "workers")
    members = client.zrangebyscore(workers, now - timeout, "+inf")
    return [m.decode() for m in members]  # type: ignore[union-attr]


def new_round_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{socket.gethostname()}-{os.getpid()}"


def worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RoundScheduler(Scheduler):
    """scrapy-redis's shared scheduler, with its queue and duplicate filter scoped to a round.

    Configured by :func:`redis_settings`, ``KLIPING_STATE`` (the key prefix),
    ``KLIPING_REDIS_HEARTBEAT`` and ``KLIPING_REDIS_ROUND_KEEP``.
    """

    prefix: str = DEFAULT_PREFIX
    heartbeat: float = 30.0
    keep: int = 86400
    round_id: str = ""
    worker: str = ""
    _beats: LoopingCall | None = None
    _idle: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> RoundScheduler:
        instance = super().from_settings(settings)
        assert isinstance(instance, RoundScheduler)
        _, instance.prefix = parse_redis_uri(str(settings.get("KLIPING_STATE")))
        instance.heartbeat = settings.getfloat("KLIPING_REDIS_HEARTBEAT", 30.0)
        instance.keep = settings.getint("KLIPING_REDIS_ROUND_KEEP", 86400)
        instance.worker = worker_id()
        return instance

    @classmethod
    def from_crawler(cls, crawler: Any) -> RoundScheduler:
        instance = super().from_crawler(crawler)
        assert isinstance(instance, RoundScheduler)
        crawler.signals.connect(instance.keep_while_others_work, signal=signals.spider_idle)
        return instance

    def keep_while_others_work(self, spider: Any) -> None:
        """Stay open on an empty queue while another live worker is busy and may add to it.

        A worker that is fetching a listing is about to queue its articles; the others wait for
        them instead of leaving early. Scrapy asks again every few seconds. Idle workers are
        listed in the round's ``idle`` set, so two idle workers do not wait on each other.
        """
        if not self._idle:
            self.server.sadd(self._key("idle"), self.worker)
            self._idle = True
        idle = {m.decode() for m in self.server.smembers(self._key("idle"))}
        busy = [w for w in self.live_workers() if w != self.worker and w not in idle]
        if busy:
            raise DontCloseSpider(f"queue empty, waiting on {len(busy)} busy worker(s)")

    def live_workers(self) -> list[str]:
        return live_workers(self.server, self.prefix, self.spider.name, self.heartbeat, self.round_id)

    def open(self, spider: Any) -> None:
        self.spider = spider
        name = spider.name
        joined, abandoned = self.server.eval(
            _JOIN,
            1,
            round_pointer_key(self.prefix, name),
            f"{self.prefix}:{name}:",
            self.heartbeat,
            new_round_id(),
            self.worker,
            self.keep,
        )
        self.round_id = joined.decode() if isinstance(joined, bytes) else str(joined)
        if abandoned:
            logger.info("round %s had no live worker left; started round %s", abandoned, self.round_id)
        # Keys per spider and round (the layout in this module's docstring), whatever
        # SCHEDULER_QUEUE_KEY / SCHEDULER_DUPEFILTER_KEY say: the Lua scripts rely on it.
        self.queue = self._load_queue(spider, self._key("requests"))
        self.df = RFPDupeFilter(
            self.server, key=self._key("dupefilter"), debug=spider.settings.getbool("DUPEFILTER_DEBUG")
        )
        if self.stats is not None:
            self.stats.set_value("kliping/redis/round", self.round_id)
        pending = len(self.queue)
        logger.info("worker %s joined round %s (%d requests queued)", self.worker, self.round_id, pending)
        self._beats = LoopingCall(self._beat)
        self._beats.start(self.heartbeat / BEATS_PER_TIMEOUT, now=False)

    # scrapy-redis's own versions pass ``spider=`` to the stats, which Scrapy 2.19 deprecates.
    def enqueue_request(self, request: Any) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Any:
        request = self.queue.pop(self.idle_before_close)
        if request is not None and self._idle:
            self.server.srem(self._key("idle"), self.worker)
            self._idle = False
        if request is not None and self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def _load_queue(self, spider: Any, key: str) -> Any:
        queue_cls = load_object(self.queue_cls)
        return queue_cls(server=self.server, spider=spider, key=key, serializer=self.serializer)

    def _key(self, kind: str) -> str:
        return round_key(self.prefix, self.spider.name, self.round_id, kind)

    def _beat(self) -> None:
        try:
            self.server.eval(_BEAT, 1, self._key("workers"), self.worker)
        except redis.RedisError as exc:
            # A missed beat is retried on the next tick; only a long outage makes us look dead.
            logger.warning("could not send heartbeat to Redis: %s", exc)

    def close(self, reason: str) -> None:
        if self._beats is not None and self._beats.running:
            self._beats.stop()
        ended = self.server.eval(
            _LEAVE,
            5,
            self._key("workers"),
            self._key("requests"),
            self._key("dupefilter"),
            self._key("idle"),
            round_pointer_key(self.prefix, self.spider.name),
            self.worker,
            self.heartbeat,
            self.round_id,
            self.keep,
        )
        if ended:
            logger.info("round %s done: no request left and no other live worker", self.round_id)


def check_shared_state(uri: str | None) -> None:
    """A Redis state URI must parse and answer before workers start on it (raises StateError)."""
    if is_redis_uri(uri):
        check_reachable(str(uri))
