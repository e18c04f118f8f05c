"""A URL list's article of a configured outlet is fetched as the crawl fetches it: every page of a
multi-page story (or its single-page variant) and the outlet's hints. Runs on the shared corpus's
modelled kompas (3 pages, with ?page=all) and liputan6 (2 pages, no single-page variant)."""

from __future__ import annotations

import json
from pathlib import Path

from replayweb import ReplayWeb
from tests.conftest import Kliping
from tests.warcs import read_jsonl

KOMPAS = "_modelled/kompas/internasional-2022-01-19-14300071-as-berusaha-meredakan-krisis"
LIPUTAN6 = "_modelled/liputan6/global-4876002-as-tanggapi-klaim-isu-keamanan"


def gold(corpus: Path, slug: str) -> dict[str, object]:
    return dict(json.loads((corpus / f"{slug}.gold.json").read_text(encoding="utf-8")))


def test_scrape_keeps_every_page_of_a_known_outlets_story(
    kliping: Kliping, corpus_dir: Path, corpus_web: ReplayWeb
) -> None:
    kompas, liputan6 = gold(corpus_dir, KOMPAS), gold(corpus_dir, LIPUTAN6)
    # As a researcher pastes them: kompas with tracking junk, liputan6 as it is.
    (kliping.cwd / "links.txt").write_text(
        f"{kompas['url']}?utm_source=wa  # shared in a chat\n{liputan6['url']}\n", encoding="utf-8"
    )
    result = kliping(
        "scrape", "links.txt", "--proxy", corpus_web.proxy_url,
        "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "KLIPING_EXTRACT_WORKERS=1",
    )  # fmt: skip
    assert result.code == 0, result.stderr
    rows = {row["outlet"]: row for row in read_jsonl(sorted((kliping.cwd / "data").rglob("*.jsonl")))}
    assert set(rows) == {"kompas", "liputan6"}
    assert rows["kompas"]["url"] == kompas["url"]
    assert rows["kompas"]["pages"] == [kompas["single_page_url"]]  # the single-page variant
    assert rows["liputan6"]["pages"] == liputan6["pages"]  # both pages, followed and joined
    for outlet, expected in (("kompas", kompas), ("liputan6", liputan6)):
        text = "\n".join(expected["text"]) if isinstance(expected["text"], list) else str(expected["text"])
        assert len(rows[outlet]["text"]) >= 0.95 * len(text), outlet
        assert rows[outlet]["published"] == expected["published"]  # the outlet's time zone hint
