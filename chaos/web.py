"""The soak's synthetic web: bench/synth.py's pages over several hosts, plus the pages the known
defects need to show, served by the replay web in the harness's own process.

On top of the plain article pages, seeded and a few percent each:

- **redirects**: the sitemaps and feeds list an old URL that answers 301 to the article;
- **shared canonical_url**: pages whose ``<link rel=canonical>`` names the home page (a CMS that
  points at its section), another article (a syndicated copy), or whose only ``og:url`` is the home
  page with tracking junk; each is still an article of its own (its own URL);
- **slow answers**: some pages answer after 1-6 s, and a few after longer than the stop deadline
  (but within ``DOWNLOAD_TIMEOUT``), so stops land with downloads in flight.

An article is known by its final URL, the ``url`` of its text record; :attr:`ChaosWeb.articles`
lists them. Everything is written under a temporary directory and never committed.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.synth import SyntheticSite, Template, generate
from replayweb import ReplayWeb
from tests.robustness.webgen import article_html

#: Each answered after this many seconds (uniform), a few percent of the articles.
SLOW_DELAY = (1.0, 6.0)
#: A handful answered after longer than the soak's stop deadline (KLIPING_SHUTDOWN_TIMEOUT), less
#: than DOWNLOAD_TIMEOUT (60 s): a stop always has a chance to find one in flight.
VERY_SLOW_DELAY = (30.0, 45.0)
VERY_SLOW_PAGES = 3

_CANONICAL = re.compile(r"<link\b[^>]*\brel=[\"']?canonical[\"']?[^>]*>", re.IGNORECASE)
_OG_URL = re.compile(r"<meta\b[^>]*\bproperty=[\"']og:url[\"'][^>]*>", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


@dataclass
class ChaosWeb:
    """The generated web: what it serves, what every scenario must end up with, and the server."""

    site: SyntheticSite
    #: every article's final URL: each must be in the text output exactly once
    articles: list[str]
    #: listed URL -> the article it redirects to
    redirects: dict[str, str] = field(default_factory=dict)
    #: article URL -> the canonical_url it declares, for those that share one
    shared_canonical: dict[str, str] = field(default_factory=dict)
    #: URL -> seconds before it answers
    slow: dict[str, float] = field(default_factory=dict)
    web: ReplayWeb | None = None
    _unserved: set[str] = field(default_factory=set, repr=False)

    @property
    def outlets_dir(self) -> Path:
        return self.site.outlets_dir

    def serve(self) -> ReplayWeb:
        """Start the replay web (in a thread of this process) with the faults; returns it."""
        web = ReplayWeb([self.site.manifest], log_limit=1000).start()
        for listed, final in self.redirects.items():
            web.fault(listed, redirect=final, redirect_status=301)
        for url, delay in self.slow.items():
            web.fault(url, delay=delay)
        self.web = web
        self._unserved = set(self.articles)
        return web

    def stop(self) -> None:
        if self.web is not None:
            self.web.stop()
            self.web = None

    def reset_progress(self) -> None:
        """Count served articles from zero again (a new scenario starts)."""
        if self.web is not None:
            self.web.reset_counters()
        self._unserved = set(self.articles)

    def served(self) -> int:
        """How many distinct articles the web has answered since :meth:`reset_progress`."""
        web = self.web
        if web is not None and self._unserved:
            self._unserved = {url for url in self._unserved if not web.hits(url)}
        return len(self.articles) - len(self._unserved)

    def describe(self) -> str:
        return (
            f"{len(self.articles)} articles over {len(self.site.hosts)} hosts: "
            f"{len(self.redirects)} behind a 301, {len(self.shared_canonical)} with a shared "
            f"canonical_url, {len(self.slow)} slow "
            f"({sum(1 for d in self.slow.values() if d >= VERY_SLOW_DELAY[0])} slower than the stop deadline)"
        )


def own_templates(count: int = 8) -> list[Template]:
    """Article pages of our own words (tests/robustness/webgen.py), for a web without the corpus."""
    rng = random.Random(1)
    out = []
    for n in range(count):
        url = f"http://www.kabarcontoh.id/berita/{n}/artikel-uji-{n}"
        out.append(Template(url=url, slug=f"artikel-uji-{n}", body=article_html(n, rng)))
    return out


def _set_canonical(page: Path, canonical: str | None, og_url: str | None) -> None:
    html = page.read_bytes().decode("utf-8", "surrogateescape")
    html = _OG_URL.sub("", _CANONICAL.sub("", html))
    tags = ""
    if canonical:
        tags += f'<link rel="canonical" href="{canonical}">'
    if og_url:
        tags += f'<meta property="og:url" content="{og_url}">'
    html, found = _HEAD.subn(lambda m: m.group(0) + tags, html, count=1)
    if not found:
        html = tags + html
    page.write_bytes(html.encode("utf-8", "surrogateescape"))


def _relist(site: SyntheticSite, old: str, new: str) -> None:
    """List ``new`` instead of ``old`` in every sitemap, feed and home page of the site."""
    for path in (site.root / "site").iterdir():
        if path.name.startswith("a") and path.suffix == ".html":
            continue  # an article page
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if old in text:
            text = text.replace(old + "<", new + "<").replace(old + '"', new + '"')
            path.write_text(text, encoding="utf-8", errors="surrogateescape")


def build(
    root: Path,
    seed: int,
    articles: int,
    *,
    hosts: int = 4,
    corpus: Path | None = None,
    variants: bool = True,
) -> ChaosWeb:
    """Generate the web under ``root``: ``articles`` pages from the corpus (or our own templates).

    ``variants`` adds the redirects, shared canonical URLs and slow answers (seeded by ``seed``).
    """
    templates = None if corpus is not None else own_templates()
    site = generate(root, corpus, articles, hosts=hosts, templates=templates)
    web = ChaosWeb(site=site, articles=list(site.article_urls))
    if not variants:
        return web
    rng = random.Random(seed)
    order = list(range(articles))
    rng.shuffle(order)
    share = max(2, articles // 50)  # 2 % each
    redirected, canonical, slow = order[:share], order[share : 3 * share], order[3 * share : 4 * share]
    for i in redirected:
        final = site.article_urls[i]
        listed = final + "-lama"
        web.redirects[listed] = final
        _relist(site, final, listed)
    # Shared canonical URLs, three kinds in turn: the home page, another article (syndication),
    # and og:url only, the home page with tracking junk.
    originals = order[4 * share :]
    for n, i in enumerate(canonical):
        url = site.article_urls[i]
        home = url.split("/artikel/", 1)[0] + "/"
        kind = n % 3
        if kind == 0:
            shared, og = home, None
        elif kind == 1:
            shared, og = site.article_urls[originals[n % len(originals)]], None
        else:
            shared, og = None, home + "?utm_source=kliping&utm_medium=bagikan"
        _set_canonical(site.article_paths[i], shared, og)
        web.shared_canonical[url] = shared or og or ""
    very_slow = VERY_SLOW_PAGES if articles >= 500 else 0  # a tiny web (the smoke test) stays quick
    for n, i in enumerate(slow):
        url = site.article_urls[i]
        very = n < very_slow
        web.slow[url] = round(rng.uniform(*(VERY_SLOW_DELAY if very else SLOW_DELAY)), 1)
    return web
