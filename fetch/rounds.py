"""The shared frontier of workers on one Redis: scrapy-redis's scheduler, split into *rounds*.

:func:`redis_settings` switches Scrapy's scheduler and duplicate filter to scrapy-redis (spiders
apply it when ``KLIPING_STATE`` is ``redis://...``), and :class:`RoundScheduler` scopes that
frontier to rounds.

A round is one pass over the outlets by however many workers join it. Its request queue and its
duplicate filter are shared (``<prefix>:<spider>:<round>:requests`` / ``:dupefilter``), so inside
a round no URL is scheduled twice, listings included, whichever worker finds it. Each worker beats
in ``<prefix>:<spider>:<round>:workers``; a worker that starts when no worker of the current round
is alive begins a new round, which reads the listings again. Articles saved by earlier rounds are
skipped through the seen store (marked only once their WARC and text records are durable); requests
a killed worker had taken from the queue are not seen, so the next round finds them again.
The key layout and the seen store are in :mod:`state.redis`.

Redis not answering (stopped, frozen, a partition) costs one bounded call (``KLIPING_REDIS_TIMEOUT``,
:func:`state.redis.client_options`): the scheduler then stops calling it and closes the spider
with reason ``redis_unavailable`` (``kliping/errors/redis_unavailable``, the run's
``stopped_early``, exit 1). What the worker had taken from the shared queue is found again by a
later round; its own run is left for the next start's recovery, which reconciles the seen store
with the text it wrote.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
from datetime import UTC, datetime
from typing import Any, cast

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis import defaults as redis_defaults
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet.task import LoopingCall

from settings.runinfo import hostname_token
from state.redis import (
    DEFAULT_TIMEOUT,
    UNAVAILABLE,
    Health,
    client_options,
    connect,
    health,
    live_workers,
    parse_redis_uri,
    redis_timeout,
    round_key,
    round_pointer_key,
)

logger = logging.getLogger(__name__)

#: Marks beats per heartbeat timeout, so one late beat does not make a worker look dead.
BEATS_PER_TIMEOUT = 3
#: Stats key: True when this worker was the last to leave its round, so the round ended with it.
ROUND_ENDED = "kliping/redis/round_ended"
#: Sent (``round_id=``, ``worker=``) as a worker is about to leave its round, its work done: what it
#: counted is complete, and the worker that ends the round may be reading it next.
round_leaving = object()


def redis_settings(uri: str, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """The Scrapy settings that put the request queue and the duplicate filter in Redis at ``uri``."""
    url, _ = parse_redis_uri(uri)
    return {
        "SCHEDULER": f"{__name__}.RoundScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "REDIS_URL": url,
        # For any scrapy-redis component that opens its own client: the same bounded waits.
        "REDIS_PARAMS": {k: v for k, v in client_options(timeout).items() if k != "retry"},
        # Keep the queue and the filter when one worker closes: the others may still be on them.
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
    }


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


def new_round_id() -> str:
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{worker_id()}"


def worker_id() -> str:
    return f"{hostname_token()}-{os.getpid()}"


class RoundScheduler(Scheduler):
    """scrapy-redis's shared scheduler, with its queue and duplicate filter scoped to a round.

    Configured by :func:`redis_settings`, ``KLIPING_STATE`` (the key prefix),
    ``KLIPING_REDIS_HEARTBEAT`` and ``KLIPING_REDIS_ROUND_KEEP``.
    """

    def __init__(
        self,
        server: redis.Redis,
        *,
        prefix: str,
        heartbeat: float,
        keep: int,
        worker: str | None = None,
        redis_health: Health | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(server, **kwargs)
        self.prefix = prefix
        self.heartbeat = heartbeat
        self.keep = keep
        self.worker = worker or worker_id()
        self.round_id = ""
        self._beats: LoopingCall | None = None
        self._idle = False
        self.crawler: Any = None
        # Shared with the seen store on the same Redis: an outage either finds stops this worker.
        self.health = redis_health or Health("Redis")
        self.health.listeners.append(self.unavailable)
        self.signals: Any = None

    @classmethod
    def from_settings(cls, settings: Any) -> RoundScheduler:
        # Only what this scheduler uses: queue and duplicate filter keys are the round's own
        # (see ``open``), and a shared queue is never flushed on start.
        _, prefix = parse_redis_uri(str(settings.get("KLIPING_STATE")))
        serializer = settings.get("SCHEDULER_SERIALIZER")
        if isinstance(serializer, str):
            serializer = importlib.import_module(serializer)
        uri = str(settings.get("KLIPING_STATE"))
        server, _ = connect(uri, redis_timeout(settings))
        return cls(
            server,
            redis_health=health(parse_redis_uri(uri)[0]),
            prefix=prefix,
            heartbeat=settings.getfloat("KLIPING_REDIS_HEARTBEAT"),
            keep=settings.getint("KLIPING_REDIS_ROUND_KEEP"),
            persist=settings.getbool("SCHEDULER_PERSIST"),
            idle_before_close=settings.getint("SCHEDULER_IDLE_BEFORE_CLOSE"),
            queue_cls=settings.get("SCHEDULER_QUEUE_CLASS") or redis_defaults.SCHEDULER_QUEUE_CLASS,
            serializer=serializer,
        )

    @classmethod
    def from_crawler(cls, crawler: Any) -> RoundScheduler:
        instance = cls.from_settings(crawler.settings)
        instance.stats = crawler.stats
        instance.crawler = crawler
        instance.signals = crawler.signals
        crawler.signals.connect(instance.keep_while_others_work, signal=signals.spider_idle)
        return instance

    # --- Redis not answering ------------------------------------------------------------------

    def _redis(self, func: Any, fallback: Any) -> Any:
        """``func()`` against Redis; ``fallback`` once Redis has not answered (no more waiting)."""
        if self.health.down is not None:
            return fallback
        try:
            return func()
        except UNAVAILABLE as exc:
            self.health.failed(exc)
            return fallback

    def unavailable(self, reason: str) -> None:
        """Redis did not answer: stop this worker (a counted failure, exit 1), leaving its run for
        recovery. Told once, by :class:`state.redis.Health`."""
        from archive.space import NEEDS_RECOVERY_KEY

        if self._beats is not None and self._beats.running:
            self._beats.stop()
        if self.stats is not None:
            self.stats.inc_value("kliping/errors/redis_unavailable")
            self.stats.set_value(
                "kliping/stopped",
                f"{reason}; this worker stopped (a later round fetches what it had taken)",
            )
            # Articles written meanwhile may not be marked seen: the next start reconciles them.
            self.stats.set_value(NEEDS_RECOVERY_KEY, True)
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and getattr(engine, "spider", None) is not None:
            from twisted.internet import reactor

            # Not from inside the scheduler call that failed: on the reactor's next turn.
            cast(Any, reactor).callLater(0, self._close_spider, engine)

    def _close_spider(self, engine: Any) -> None:
        from scrapy.utils.defer import deferred_from_coro

        with contextlib.suppress(RuntimeError):  # already closed
            deferred_from_coro(engine.close_spider_async(reason="redis_unavailable"))

    def has_pending_requests(self) -> bool:
        return bool(self._redis(lambda: len(self) > 0, False))

    def keep_while_others_work(self, spider: Any) -> None:
        if self.health.down is not None:
            # Closing for redis_unavailable, never as finished (the job is not done).
            raise DontCloseSpider("Redis does not answer; closing")
        self._redis(lambda: self._keep_while_others_work(spider), None)

    def _keep_while_others_work(self, spider: Any) -> None:
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
        self._redis(lambda: self._open(spider), None)

    def _open(self, spider: Any) -> None:
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
        # Dropped when Redis does not answer: an article request stays pending in the local
        # frontier, and a later round finds the rest again.
        return bool(self._redis(lambda: self._enqueue(request), False))

    def _enqueue(self, request: Any) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats is not None:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self) -> Any:
        return self._redis(self._next, None)

    def _next(self) -> Any:
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
        if self.health.down is not None:
            return
        try:
            self.server.eval(_BEAT, 1, self._key("workers"), self.worker)
        except redis.RedisError as exc:
            # A missed beat is retried on the next tick; only a long outage makes us look dead.
            logger.warning("could not send heartbeat to Redis: %s", exc)

    def close(self, reason: str) -> None:
        if self._beats is not None and self._beats.running:
            self._beats.stop()
        self.health.listeners = [f for f in self.health.listeners if f != self.unavailable]
        if self.signals is not None:
            # Before leaving: what this worker counted is complete, and the worker that ends the
            # round may read it next (the round's health figures in Redis).
            self.signals.send_catch_log(round_leaving, round_id=self.round_id, worker=self.worker)
        if self.round_id:
            self._redis(self._leave, None)

    def _leave(self) -> None:
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
        if self.stats is not None:
            self.stats.set_value(ROUND_ENDED, bool(ended))
        if ended:
            logger.info("round %s done: no request left and no other live worker", self.round_id)
