"""Crawl state in Redis, shared by any number of workers on any number of machines. No Scrapy here.

- :class:`RedisSeenStore`, the seen-article set (``<prefix>:seen``), for ``KLIPING_STATE=redis://...``;
- the URI helpers (:func:`parse_redis_uri`, :func:`redact`, :func:`check_shared_state`);
- the key layout of the shared frontier's *rounds* and :func:`live_workers`, read by
  :mod:`fetch.rounds` (the scrapy-redis scheduler that runs the rounds) and by operators.

The URI is ``redis://[:password@]host[:port][/db][?prefix=NAME]`` (``rediss://`` for TLS);
``prefix`` (default ``kliping``) namespaces every key so several deployments can share one Redis.
A password in the URI never appears in a message: every one names the URI through :func:`redact`.

Every client has connect and socket timeouts (``KLIPING_REDIS_TIMEOUT``) and one quick retry,
so a Redis that is stopped, frozen or cut off by a partition costs a call at most about twice
that. Such a failure is reported to the server's :class:`Health` (one per Redis URL in the
process): the crawl's scheduler (:mod:`fetch.rounds`) listens there and stops the worker, and the
seen store stops calling Redis and answers safely meanwhile (an article is taken as seen: it is
not fetched now, and not marked, so a later run fetches it).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from state import StateError, redact

logger = logging.getLogger(__name__)

SCHEMES = ("redis", "rediss")
DEFAULT_PREFIX = "kliping"
_MARK_BATCH = 1000

#: Seconds a connection or a reply may take (``KLIPING_REDIS_TIMEOUT``'s default).
DEFAULT_TIMEOUT = 10.0

#: Failures that mean Redis is not answering (down, frozen, partitioned), not a bad command.
UNAVAILABLE = (redis.ConnectionError, redis.TimeoutError)


def client_options(timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """redis-py options every kliping client gets: bounded connects and replies, one quick retry
    (a dropped connection, a restarted server), not redis-py's default of three with backoff."""
    return {
        "socket_connect_timeout": timeout,
        "socket_timeout": timeout,
        "retry": Retry(ExponentialBackoff(cap=1.0, base=0.1), 1),
        "retry_on_timeout": True,
        "health_check_interval": 30,
    }


class Health:
    """Whether one Redis server answers, as the crawl's clients found it.

    :meth:`failed` marks it down and tells the listeners once; after that, components skip their
    Redis calls instead of each waiting its timeout again.
    """

    def __init__(self, where: str) -> None:
        self.where = where
        self.down: str | None = None
        self.listeners: list[Callable[[str], None]] = []

    def failed(self, exc: BaseException) -> None:
        if self.down is not None:
            return
        self.down = f"{self.where} did not answer ({type(exc).__name__}: {exc})"
        logger.error("%s", self.down)
        for listener in list(self.listeners):
            listener(self.down)


_health: dict[str, Health] = {}


def health(url: str) -> Health:
    """The :class:`Health` of the Redis at ``url`` (one per URL in this process)."""
    key = redact(url)
    if key not in _health:
        _health[key] = Health(f"Redis at {key}")
    return _health[key]


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
        raise StateError(f"{redact(uri)}: not a usable Redis URI ({exc})") from None
    if parts.scheme not in SCHEMES:
        raise StateError(f"{redact(uri)}: not a Redis URI (expected redis://host:port/db)")
    if not parts.hostname:
        raise StateError(f"{redact(uri)}: no host in the Redis URI")
    del port  # parsed only to reject a bad one
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise StateError(f"{redact(uri)}: the database must be a number, not {path!r}")
    query = parse_qsl(parts.query, keep_blank_values=True)
    prefixes = [value for name, value in query if name == "prefix"]
    prefix = prefixes[-1] if prefixes else DEFAULT_PREFIX
    if not prefix or any(c.isspace() for c in prefix):
        raise StateError(f"{redact(uri)}: the key prefix must be a non-empty word, not {prefix!r}")
    rest = urlencode([(name, value) for name, value in query if name != "prefix"])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, rest, "")), prefix


def connect(uri: str, timeout: float = DEFAULT_TIMEOUT) -> tuple[redis.Redis, str]:
    """A client for ``uri`` and its key prefix (no round trip yet), with :func:`client_options`."""
    url, prefix = parse_redis_uri(uri)
    client: redis.Redis = redis.Redis.from_url(url, **client_options(timeout))
    return client, prefix


def redis_timeout(settings: Any) -> float:
    """``KLIPING_REDIS_TIMEOUT`` from settings (Scrapy's or a mapping), else the default."""
    try:
        value = float(settings.get("KLIPING_REDIS_TIMEOUT") or DEFAULT_TIMEOUT)
    except (TypeError, ValueError):
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


def check_reachable(uri: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """One PING; :class:`StateError` naming the URI when Redis does not answer."""
    client, _ = connect(uri, timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise StateError(f"{redact(uri)}: cannot reach Redis ({exc})") from None
    finally:
        client.close()


class RedisSeenStore:
    """The seen-article set in one Redis SET, ``<prefix>:seen``, holding canonical article URLs.

    While Redis does not answer (its :class:`Health` is down) it calls it no more: an article
    counts as seen (not fetched now, fetched by a later run) and marks are not made but kept
    (:attr:`pending`): the run tries them again as it ends (:meth:`retry_pending`, in case Redis is
    back), and the run is left for recovery to reconcile at the worker's next start (see
    :mod:`fetch.rounds`).
    """

    def __init__(self, client: redis.Redis, key: str, server: Health | None = None) -> None:
        self.client = client
        self.key = key
        self.health = server or Health("Redis")
        #: Articles whose mark could not be made because Redis did not answer.
        self.pending: list[str] = []

    @classmethod
    def from_uri(cls, uri: str, timeout: float = DEFAULT_TIMEOUT) -> RedisSeenStore:
        client, prefix = connect(uri, timeout)
        return cls(client, f"{prefix}:seen", health(parse_redis_uri(uri)[0]))

    @classmethod
    def from_settings(cls, uri: str, settings: Any) -> RedisSeenStore:
        return cls.from_uri(uri, redis_timeout(settings))

    def _call(self, func: Callable[[], Any], fallback: Any) -> Any:
        if self.health.down is not None:
            return fallback
        try:
            return func()
        except UNAVAILABLE as exc:
            self.health.failed(exc)
            return fallback

    def is_seen(self, url: str) -> bool:
        return bool(self._call(lambda: self.client.sismember(self.key, url), True))

    def which_seen(self, urls: Iterable[str]) -> set[str]:
        """Which of ``urls`` are seen: one SMISMEMBER per thousand."""
        urls = list(urls)
        found: set[str] = set()
        for start in range(0, len(urls), _MARK_BATCH):
            chunk = urls[start : start + _MARK_BATCH]
            flags = self.client.smismember(self.key, chunk)
            found.update(url for url, flag in zip(chunk, flags, strict=True) if flag)
        return found

    def mark_seen(self, urls: Iterable[str]) -> None:
        batch: list[str] = []

        def send(batch: list[str]) -> None:
            if not self._call(lambda: self.client.sadd(self.key, *batch) or True, False):
                self.pending.extend(batch)

        for url in urls:
            batch.append(url)
            if len(batch) >= _MARK_BATCH:
                send(batch)
                batch = []
        if batch:
            send(batch)

    def retry_pending(self, wait: float) -> int:
        """Make the marks Redis did not take, trying again for up to ``wait`` seconds (plus one
        call's timeout) in case it is back; returns how many are still not made.

        Why it matters: another worker that begins a new round reads the listings against this
        set; an article this worker wrote while Redis was away, and could not mark, would be
        fetched and written again unless the mark lands first.
        """
        deadline = time.monotonic() + wait
        while self.pending:
            try:
                for start in range(0, len(self.pending), _MARK_BATCH):
                    self.client.sadd(self.key, *self.pending[start : start + _MARK_BATCH])
                self.pending = []
            except UNAVAILABLE:
                if time.monotonic() >= deadline:
                    break
                time.sleep(0.5)  # a frozen or restarting server: ask again shortly, within the bound
        return len(self.pending)

    def claim(self, url: str) -> bool:
        # SADD answers how many members it added: 1 for the first caller anywhere, 0 after.
        return int(self._call(lambda: self.client.sadd(self.key, url), 0)) == 1

    def __len__(self) -> int:
        return int(self.client.scard(self.key))

    def close(self) -> None:
        self.client.close()


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


def check_shared_state(uri: str | None, timeout: float = DEFAULT_TIMEOUT) -> None:
    """A Redis state URI must parse and answer before workers start on it (raises StateError)."""
    if is_redis_uri(uri):
        check_reachable(str(uri), timeout)
