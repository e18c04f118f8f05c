"""A synthetic news web that changes between runs, for the health tests: three made-up outlets on
the replay web, each publishing new articles before every run.

- ``kabarsatu`` (a feed and an index page) can *redesign*: its new pages come from another
  template, a client-rendered shell for half the stories (no text in the HTML) and, for the rest, a
  layout without date or byline;
- ``kabardua`` (a feed only) can lose its feed: it still answers 200 but lists nothing;
- ``kabartiga`` (a feed and an index page) stays healthy: the control.

Pages are written here (our own words, no third-party content) and the outlets are TOML files,
as every outlet is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

from replayweb import ReplayWeb

OUTLETS = ("kabarsatu", "kabardua", "kabartiga")
REDESIGNS, FEED_DIES, CONTROL = OUTLETS
#: Articles each outlet publishes before each run.
PER_RUN = 6

WORDS = [
    "warga", "pemerintah", "kota", "provinsi", "pasar", "harga", "beras", "petani", "nelayan", "sekolah",
    "guru", "siswa", "rumah", "sakit", "dokter", "jalan", "banjir", "pelabuhan", "kereta", "festival",
    "budaya", "hutan", "sungai", "anggaran", "desa", "gubernur", "bupati",
]  # fmt: skip
CITIES = ("Medan", "Padang", "Bandung", "Semarang", "Surabaya", "Makassar", "Manado", "Jayapura")
AUTHORS = ("Dewi Lestari", "Budi Santoso", "Rina Wulandari", "Agus Pratama")


def host(outlet: str) -> str:
    return f"https://www.{outlet}.id"


def feed_url(outlet: str) -> str:
    return f"{host(outlet)}/rss"


def index_url(outlet: str) -> str:
    return f"{host(outlet)}/terkini"


def article_url(outlet: str, n: int) -> str:
    return f"{host(outlet)}/berita/{5000 + n}/kabar-{WORDS[n % len(WORDS)]}-ke-{n}"


def outlet_toml(outlet: str) -> str:
    lines = [
        f'name = "{outlet}"',
        f'hosts = ["{outlet}.id"]',
        'language = "id"',
        'timezone = "Asia/Jakarta"',
        f"article_pattern = '^https?://www\\.{outlet}\\.id/berita/\\d+/[a-z0-9-]+$'",
        "",
        "[[discovery]]",
        'kind = "feed"',
        f'url = "{feed_url(outlet)}"',
    ]
    if outlet != FEED_DIES:
        lines += ["", "[[discovery]]", 'kind = "index"', f'url = "{index_url(outlet)}"']
    return "\n".join(lines) + "\n"


def _sentence(n: int, k: int, city: str) -> str:
    words = [WORDS[(n * 7 + k * 3 + i * 5) % len(WORDS)] for i in range(9)]
    return (
        f"Di {city}, {' '.join(words[:4])} dibahas pada pertemuan ke-{n}, bagian {k}, sementara "
        f"{' '.join(words[4:])} menunggu keputusan resmi dari pejabat setempat minggu ini."
    )


def classic_page(outlet: str, n: int, published: datetime) -> bytes:
    """The outlet's usual template: headline, date, byline, five paragraphs."""
    city, author = CITIES[n % len(CITIES)], AUTHORS[n % len(AUTHORS)]
    title = f"Kabar {WORDS[n % len(WORDS)]} dari {city} nomor {n}"
    paragraphs = "".join(f"<p>{_sentence(n, k, city)}</p>" for k in range(1, 6))
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title} - {outlet}</title>'
        f'<meta property="og:type" content="article"><meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="{published.isoformat()}">'
        f'<meta name="author" content="{author}"><link rel="canonical" href="{article_url(outlet, n)}">'
        f'</head><body><nav><a href="/">Beranda</a> <a href="/terkini">Terkini</a></nav>'
        f'<main><article><h1>{title}</h1><div class="byline">Penulis: {author}</div>'
        f"{paragraphs}</article></main><footer>Redaksi {outlet}</footer></body></html>"
    ).encode()


def redesigned_page(outlet: str, n: int) -> bytes:
    """The new template: half the stories rendered in the browser (no text in the HTML), the others
    without date or byline."""
    city = CITIES[n % len(CITIES)]
    title = f"Kabar {WORDS[n % len(WORDS)]} dari {city} nomor {n}"
    if n % 2:
        body = '<div id="app" data-story="memuat"></div><script src="/assets/app.js"></script>'
    else:
        body = (
            f'<div class="konten"><h1>{title}</h1>'
            + "".join(f"<p>{_sentence(n, k, city)}</p>" for k in range(1, 6))
            + "</div>"
        )
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:type" content="article"></head><body>{body}</body></html>'
    ).encode()


def feed(outlet: str, items: list[tuple[str, datetime]]) -> bytes:
    rows = "".join(
        f"<item><title>Berita</title><link>{escape(url)}</link>"
        f"<pubDate>{when.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for url, when in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{outlet}</title>'
        f"<link>{host(outlet)}/</link>{rows}</channel></rss>"
    ).encode()


def index_page(outlet: str, urls: list[str]) -> bytes:
    links = "".join(f'<li><a href="{escape(u)}">{escape(u)}</a></li>' for u in urls)
    page = f"<!DOCTYPE html><html><head><title>Terkini</title></head><body><ul>{links}</ul></body></html>"
    return page.encode()


@dataclass
class HealthWeb:
    """The three outlets on a replay web; :meth:`publish` adds a run's worth of articles."""

    web: ReplayWeb
    outlets_dir: Path
    published: dict[str, list[tuple[str, datetime]]] = field(default_factory=dict)
    redesigned: set[str] = field(default_factory=set)
    dead_feeds: set[str] = field(default_factory=set)
    start: datetime = field(default_factory=lambda: datetime(2026, 11, 2, 1, 0, tzinfo=UTC))

    def __post_init__(self) -> None:
        self.outlets_dir.mkdir(parents=True, exist_ok=True)
        for outlet in OUTLETS:
            (self.outlets_dir / f"{outlet}.toml").write_text(outlet_toml(outlet), encoding="utf-8")
            self.published[outlet] = []

    @property
    def proxy_url(self) -> str:
        return self.web.proxy_url

    def publish(self, count: int = PER_RUN) -> None:
        """Each outlet publishes ``count`` new articles (in its current template) and lists them."""
        for outlet in OUTLETS:
            items = self.published[outlet]
            for _ in range(count):
                n = len(items)
                when = self.start + timedelta(hours=n)
                url = article_url(outlet, n)
                body = (
                    redesigned_page(outlet, n) if outlet in self.redesigned else classic_page(outlet, n, when)
                )
                self.web.add(url, body, content_type="text/html; charset=utf-8")
                items.append((url, when))
            latest = items[-20:][::-1]
            listed = [] if outlet in self.dead_feeds else latest
            self.web.add(feed_url(outlet), feed(outlet, listed), content_type="application/rss+xml")
            self.web.add(
                index_url(outlet), index_page(outlet, [u for u, _ in latest]), content_type="text/html"
            )

    def redesign(self, outlet: str) -> None:
        self.redesigned.add(outlet)

    def kill_feed(self, outlet: str) -> None:
        self.dead_feeds.add(outlet)

    def restore(self) -> None:
        self.redesigned.clear()
        self.dead_feeds.clear()
