"""Story metadata records: which response records make up one article, so re-extraction groups pages alike.

A crawl writes one ``metadata`` record (``application/json``) per candidate article, referring to
the response record of its first page. ``kliping extract`` reads them back; a WARC without them
(another writer's) is read page by page instead.
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

    def payload(self) -> bytes:
        data: dict[str, Any] = {
            "type": STORY_RECORD_TYPE,
            "outlet": self.outlet,
            "run_id": self.run_id,
            "pages": [{"url": url, "record_id": rid} for url, rid in self.pages],
        }
        if self.url:
            data["url"] = self.url
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
        url = data.get("url")
        return cls(
            outlet=data.get("outlet"),
            run_id=data.get("run_id"),
            pages=parsed,
            url=url if isinstance(url, str) else None,
        )
