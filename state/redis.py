"""Crawl state in Redis, shared by any number of workers on any number of machines. No Scrapy here.

- :class:`RedisSeenStore`, the seen-article set (``<prefix>:seen``), for ``KLIPING_STATE=redis://...``;
- the URI helpers (:func:`parse_redis_uri`, :func:`redact`, :func:`check_shared_state`);
- the key layout of the shared frontier's *rounds* and :func:`live_workers`, read by
  :mod:`fetch.rounds` (the scrapy-redis scheduler that runs the rounds) and by operators.

The URI is ``redis://[:password@]host[:port][/db][?prefix=NAME]`` (``rediss://`` for TLS);
``prefix`` (default ``kliping``) namespaces every key so several deployments can share one Redis.
A password in the URI never appears in a message: every one names the URI through :func:`redact`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import redis

from state import StateError, redact

logger = logging.getLogger(__name__)

SCHEMES = ("redis", "rediss")
DEFAULT_PREFIX = "kliping"
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
        raise StateError(f"{redact(uri)}: cannot reach Redis ({exc})") from None
    finally:
        client.close()


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


def check_shared_state(uri: str | None) -> None:
    """A Redis state URI must parse and answer before workers start on it (raises StateError)."""
    if is_redis_uri(uri):
        check_reachable(str(uri))
