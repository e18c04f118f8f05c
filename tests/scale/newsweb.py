"""A small made-up outlet for the scale-out tests: enough articles that two workers share the work.

Pages are generated here (our own text, no third-party content) and served by the replay web at
the outlet's URLs; the outlet itself is one TOML file, as every outlet is.
"""

from __future__ import annotations

from pathlib import Path

from replayweb import ReplayWeb

HOST = "https://www.beritauji.id"
OUTLET = "beritauji"
TOML = f"""# A fictional outlet for the scale-out tests.
name = "{OUTLET}"
hosts = ["beritauji.id"]
language = "id"
timezone = "Asia/Jakarta"
article_pattern = '^https?://www\\.beritauji\\.id/berita/\\d+/[a-z0-9-]+$'

[[discovery]]
kind = "robots"
url = "{HOST}/robots.txt"

[[discovery]]
kind = "feed"
url = "{HOST}/rss"
"""

TOPICS = ["pasar", "banjir", "sekolah", "pelabuhan", "panen", "festival", "jalan", "kereta"]
CITIES = ["Medan", "Padang", "Bandung", "Semarang", "Surabaya", "Makassar", "Manado", "Jayapura"]


def article_url(n: int) -> str:
    return f"{HOST}/berita/{1000 + n}/kabar-{TOPICS[n % len(TOPICS)]}-nomor-{n}"


def article_html(n: int) -> bytes:
    topic, city = TOPICS[n % len(TOPICS)], CITIES[n % len(CITIES)]
    title = f"Kabar {topic} nomor {n} dari {city}"
    paragraphs = "".join(
        f"<p>{city.upper()}, BERITAUJI - Warga {city} membicarakan {topic} pada hari ke-{n}, "
        f"paragraf {k}, dan pemerintah kota berjanji menindaklanjuti laporan tersebut segera.</p>"
        for k in range(1, 6)
    )
    return (
        f'<!DOCTYPE html><html lang="id"><head><meta charset="utf-8"><title>{title}</title>'
        f'<link rel="canonical" href="{article_url(n)}"></head><body>'
        f'<nav><a href="/">Beranda</a></nav><main><article><h1>{title}</h1>'
        f'<div class="date">Senin, {1 + n % 28} Jan 2024 10:00 WIB</div>'
        f'<div class="body">{paragraphs}</div></article></main><footer>Beritauji</footer></body></html>'
    ).encode()


def listing_bodies(count: int) -> dict[str, tuple[bytes, str]]:
    """robots.txt naming the sitemap, a sitemap and a feed; both list every article (overlap on purpose)."""
    urls = [article_url(n) for n in range(count)]
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<url><loc>{u}</loc></url>" for u in urls)
        + "</urlset>"
    )
    rss = (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Beritauji</title>'
        f"<link>{HOST}/</link>"
        + "".join(f"<item><title>Kabar {n}</title><link>{u}</link></item>" for n, u in enumerate(urls))
        + "</channel></rss>"
    )
    robots = f"User-agent: *\nAllow: /\n\nSitemap: {HOST}/sitemap.xml\n"
    return {
        f"{HOST}/robots.txt": (robots.encode(), "text/plain"),
        f"{HOST}/sitemap.xml": (sitemap.encode(), "application/xml"),
        f"{HOST}/rss": (rss.encode(), "application/rss+xml"),
    }


def serve(web: ReplayWeb, count: int) -> list[str]:
    """Put the outlet on ``web``; returns its article URLs."""
    for url, (body, ctype) in listing_bodies(count).items():
        web.add(url, body, content_type=ctype)
    for n in range(count):
        web.add(article_url(n), article_html(n), content_type="text/html; charset=utf-8")
    return [article_url(n) for n in range(count)]


def write_outlet(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{OUTLET}.toml"
    path.write_text(TOML, encoding="utf-8")
    return path
