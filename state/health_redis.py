"""Outlet health in Redis, for workers sharing a frontier (``KLIPING_STATE=redis://...``). No Scrapy.

Keys (``prefix`` from the URI, default ``kliping``):

| key | type | what |
| --- | --- | --- |
| ``<prefix>:health:outlet:<outlet>`` | ZSET | the outlet's rows (JSON), scored by when their round ended |
| ``<prefix>:health:runs`` | ZSET | one row (JSON) per round, scored by when it ended |
| ``<prefix>:health:outlets`` | SET | names of the outlets that have rows |
| ``<prefix>:health:round:<round>`` | HASH | worker id -> that worker's figures per outlet (JSON) |
| ``<prefix>:health:round:<round>:judged`` | STRING | set by the worker that judged the round |

Each worker adds its figures to its round's hash as it leaves the round; the worker that ends the
round (the last one out) merges them, judges the round, and adds the rows. Rows older than
``keep_days`` are dropped as rows are added; a round's hash expires with the round's other keys.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import redis

from state import StateError, redact
from state.health import KEEP_DAYS, OutletRow, RunRow
from state.redis import connect


class RedisHealthStore:
    """Health rows and round figures in Redis (see the module docstring for the keys)."""

    shared = True

    def __init__(self, client: redis.Redis, prefix: str, uri: str, keep_days: float = KEEP_DAYS) -> None:
        self.client = client
        self.prefix = prefix
        self.uri = redact(uri)
        self.keep_days = keep_days

    @classmethod
    def from_uri(cls, uri: str, keep_days: float = KEEP_DAYS) -> RedisHealthStore:
        client, prefix = connect(uri)
        return cls(client, prefix, uri, keep_days)

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, "health", *parts))

    # --- rows -------------------------------------------------------------------------------------

    def history(self, outlet: str, limit: int) -> list[OutletRow]:
        members = self._call(self.client.zrevrange, self._key("outlet", outlet), 0, limit - 1)
        return [OutletRow.from_dict(json.loads(m)) for m in members]

    def record(self, run: RunRow, outlets: Iterable[OutletRow]) -> None:
        rows = list(outlets)
        cutoff = time.time() - self.keep_days * 86400
        pipe = self.client.pipeline(transaction=True)
        pipe.zadd(self._key("runs"), {json.dumps(run.to_dict(), ensure_ascii=False): run.finished})
        pipe.zremrangebyscore(self._key("runs"), "-inf", cutoff)
        for row in rows:
            key = self._key("outlet", row.outlet)
            # A run recorded again (the same round judged twice) replaces its row.
            for member in self._call(self.client.zrangebyscore, key, row.finished, row.finished):
                if json.loads(member).get("run_id") == row.run_id:
                    pipe.zrem(key, member)
            pipe.zadd(key, {json.dumps(row.to_dict(), ensure_ascii=False): row.finished})
            pipe.zremrangebyscore(key, "-inf", cutoff)
            pipe.sadd(self._key("outlets"), row.outlet)
        self._call(pipe.execute)

    def outlet_rows(self, since: float) -> list[OutletRow]:
        rows: list[OutletRow] = []
        for name in sorted(m.decode() for m in self._call(self.client.smembers, self._key("outlets"))):
            members = self._call(self.client.zrangebyscore, self._key("outlet", name), since, "+inf")
            rows += [OutletRow.from_dict(json.loads(m)) for m in members]
        return sorted(rows, key=lambda row: (row.finished, row.outlet))

    def run_rows(self, since: float) -> list[RunRow]:
        members = self._call(self.client.zrangebyscore, self._key("runs"), since, "+inf")
        return [RunRow.from_dict(json.loads(m)) for m in members]

    # --- rounds -----------------------------------------------------------------------------------

    def contribute(self, round_id: str, worker: str, figures: dict[str, Any], keep: int) -> None:
        """Add this worker's figures (per outlet, JSON-ready) to the round; they expire after ``keep`` s."""
        key = self._key("round", round_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(key, worker, json.dumps(figures))
        pipe.expire(key, keep)
        self._call(pipe.execute)

    def contributions(self, round_id: str) -> dict[str, dict[str, Any]]:
        """Every worker's figures for the round: worker id -> outlet -> figures."""
        raw = self._call(self.client.hgetall, self._key("round", round_id))
        return {k.decode(): json.loads(v) for k, v in raw.items()}

    def claim_judgement(self, round_id: str, worker: str, keep: int) -> bool:
        """True for the one worker that is to judge the round (one atomic SET NX)."""
        return bool(
            self._call(self.client.set, self._key("round", round_id, "judged"), worker, nx=True, ex=keep)
        )

    def close(self) -> None:
        self.client.close()

    def _call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except redis.RedisError as exc:
            raise StateError(f"{self.uri}: health store: {exc}") from None


__all__ = ["RedisHealthStore"]
