"""Story metadata records: which response records make up one article, so re-extraction groups pages alike.

A crawl writes one ``metadata`` record (``application/json``) per candidate article, referring to
the response record of its first page. ``kliping extract`` reads them back; a WARC without them
(another writer's) is read page by page instead. The record also names the article's keys in the
run's books (:mod:`lifecycle.keys`: the frontier URL and the seen key), so recovery after a kill
settles exactly what the live run would have settled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

STORY_RECORD_TYPE = "kliping-story"
#: Target URI of a story record: this prefix and the first page's URL (not the page's own URL:
#: replay tools index metadata records and would replay the JSON in place of the page).
STORY_URI_PREFIX = "urn:kliping:story:"


@dataclass(frozen=True)
class Story:
    """The pages of one candidate article, by URL and response record id, with its outlet and run."""

    outlet: str | None
    run_id: str | None
    pages: tuple[tuple[str, str], ...]
    #: The story's own (canonical) URL, when it differs from the first page fetched
    #: (a single-page variant such as ``?page=all``); the article record's ``url``.
    url: str | None = None
    #: The URL the frontier owes the story's request under (None: not tracked).
    frontier_key: str | None = None
    #: The article's key in the seen store (None: never marked seen, e.g. a URL list).
    seen_key: str | None = None
    #: Whether the record names its keys (False: written before kliping recorded them).
    keyed: bool = True

    def payload(self) -> bytes:
        data: dict[str, Any] = {
            "type": STORY_RECORD_TYPE,
            "outlet": self.outlet,
            "run_id": self.run_id,
            "pages": [{"url": url, "record_id": rid} for url, rid in self.pages],
        }
        if self.url:
            data["url"] = self.url
        if self.keyed:
            data["keys"] = {"frontier": self.frontier_key, "seen": self.seen_key}
        return json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")

    @classmethod
    def from_payload(cls, payload: bytes) -> Story | None:
        """The story in a metadata payload, or None when the payload is something else."""
        try:
            data: Any = json.loads(payload)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict) or data.get("type") != STORY_RECORD_TYPE:
            return None
        pages = data.get("pages")
        if not isinstance(pages, list) or not pages:
            return None
        try:
            parsed = tuple((str(p["url"]), str(p["record_id"])) for p in pages)
        except (KeyError, TypeError):
            return None
        url, keys = data.get("url"), data.get("keys")
        keyed = isinstance(keys, dict)
        frontier, seen = (keys.get("frontier"), keys.get("seen")) if isinstance(keys, dict) else (None, None)
        return cls(
            outlet=data.get("outlet"),
            run_id=data.get("run_id"),
            pages=parsed,
            url=url if isinstance(url, str) else None,
            frontier_key=frontier if isinstance(frontier, str) else None,
            seen_key=seen if isinstance(seen, str) else None,
            keyed=keyed,
        )
