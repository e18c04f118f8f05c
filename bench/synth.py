"""A synthetic news web for the benchmarks, built at bench time from the corpus pages' structures.

Every gold article page of the corpus, and every held-out fixture page of other templates
(``tests/fixtures/pages/heldout*``, invented for the tests), is a template. Page ``i`` copies
template ``i % T`` byte for byte except that about a third of the words of its story paragraphs
are replaced (so no two pages carry the same text), its ``<title>`` gets a serial number, and
every mention of the template's own URL becomes the new URL. Pages are spread over several hosts;
each host has a ``robots.txt`` naming a sitemap index, a home page, sitemaps of at most 1,000 URLs
and an RSS feed of its newest stories. Everything is plain http so peers need no CA. A
``MANIFEST.tsv`` serves it all with the replay web, and ``outlets/synthetic.toml`` lets ``kliping
crawl synthetic`` discover the pages.

Nothing generated here is committed: it is third-party markup, written into a temp directory.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

OUTLET = "synthetic"
DOMAIN = "kliping-sintetis.id"
SITEMAP_CHUNK = 1000
FEED_ITEMS = 20
ARTICLE_PATTERN = r"^http://berita\d+\.kliping-sintetis\.id/artikel/\d+/[a-z0-9-]+$"

# Plain ASCII words, so replacing them never breaks a page's own charset.
VOCABULARY = [
    "pemerintah",
    "daerah",
    "warga",
    "kota",
    "provinsi",
    "menteri",
    "presiden",
    "rapat",
    "anggaran",
    "jalan",
    "banjir",
    "pasar",
    "harga",
    "beras",
    "petani",
    "nelayan",
    "sekolah",
    "guru",
    "siswa",
    "rumah",
    "sakit",
    "dokter",
    "pasien",
    "polisi",
    "kasus",
    "sidang",
    "hakim",
    "jaksa",
    "gubernur",
    "bupati",
    "wali",
    "desa",
    "kecamatan",
    "pemilu",
    "partai",
    "calon",
    "suara",
    "survei",
    "ekonomi",
    "investasi",
    "pabrik",
    "pekerja",
    "upah",
    "listrik",
    "air",
    "bersih",
    "hutan",
    "sungai",
    "laut",
    "pulau",
    "pelabuhan",
    "bandara",
    "kereta",
    "bus",
    "terminal",
    "festival",
    "budaya",
    "musik",
    "film",
    "olahraga",
    "sepak",
    "bola",
    "tim",
    "pelatih",
    "pemain",
    "stadion",
    "juara",
]

_PARAGRAPH = re.compile(r"(<p\b[^>]*>)(.*?)(</p>)", re.IGNORECASE | re.DOTALL)
_TEXT = re.compile(r">([^<]+)<")
_WORD = re.compile(r"[A-Za-z]{4,}")
_TITLE = re.compile(r"(<title[^>]*>)(.*?)(</title>)", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class Template:
    """A corpus article page used as a page structure."""

    url: str
    slug: str
    body: bytes


@dataclass
class SyntheticSite:
    """What :func:`generate` wrote: the manifest to serve, the outlet config, the pages."""

    root: Path
    manifest: Path
    outlets_dir: Path
    article_urls: list[str]
    article_paths: list[Path]
    sitemap_urls: list[str] = field(default_factory=list)
    feed_urls: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)

    def url_list(self, path: Path) -> Path:
        """Write the article URLs one per line (a ``kliping scrape`` file) and return the path."""
        path.write_text("".join(u + "\n" for u in self.article_urls), encoding="utf-8")
        return path


#: Invented pages of other Indonesian (and English) news templates, written for the extraction
#: tests (tests/fixtures/pages/heldout*): the synthetic web holds varied templates, not only the
#: corpus's few outlets.
FIXTURE_TEMPLATES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pages"


def fixture_templates(root: Path = FIXTURE_TEMPLATES) -> list[Template]:
    """Every held-out fixture page with a gold file (its URL from the gold)."""
    templates = []
    for gold in sorted(root.glob("heldout*/*.gold.json")):
        page = gold.with_name(gold.name.removesuffix(".gold.json") + ".html")
        if page.exists():
            url = json.loads(gold.read_text(encoding="utf-8"))["url"]
            slug = re.sub(r"[^a-z0-9]+", "-", page.stem.lower()).strip("-")[:60] or "artikel"
            templates.append(Template(url=url, slug=slug, body=page.read_bytes()))
    return templates


def corpus_templates(corpus: Path) -> list[Template]:
    """Every gold article page of the corpus (page 1 of a split story counts once)."""
    templates = []
    with (corpus / "MANIFEST.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            path = corpus / row["path"]
            if not path.name.endswith(".html"):
                continue
            if not path.with_name(path.name.removesuffix(".html") + ".gold.json").exists():
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-")[:60] or "artikel"
            templates.append(Template(url=row["url"], slug=slug, body=path.read_bytes()))
    if not templates:
        raise ValueError(f"{corpus}: no article page with a .gold.json to build pages from")
    return templates


def _vary_words(text: str, seed: int) -> str:
    counter = 0

    def swap(match: re.Match[str]) -> str:
        nonlocal counter
        counter += 1
        if (seed + counter) % 3:
            return match.group(0)
        return VOCABULARY[(seed * 31 + counter * 7) % len(VOCABULARY)]

    return _WORD.sub(swap, text)


def vary_page(template: Template, index: int, url: str) -> bytes:
    """The template's bytes with its paragraphs' words varied, a numbered title and the new URL."""
    # surrogateescape: bytes that are not UTF-8 (a latin-1 page) survive the round trip unchanged.
    html = template.body.decode("utf-8", "surrogateescape")

    def paragraph(match: re.Match[str]) -> str:
        inner = _TEXT.sub(lambda m: ">" + _vary_words(m.group(1), index) + "<", ">" + match.group(2) + "<")
        return match.group(1) + inner[1:-1] + match.group(3)

    html = _PARAGRAPH.sub(paragraph, html)
    html = _TITLE.sub(lambda m: f"{m.group(1)}{m.group(2).strip()} ({index}){m.group(3)}", html, count=1)
    old = template.url.split("://", 1)[1]
    for scheme in ("https://", "http://"):
        html = html.replace(scheme + old, url)
    return html.encode("utf-8", "surrogateescape")


def host_name(h: int) -> str:
    return f"berita{h}.{DOMAIN}"


def _sitemap(urls: list[tuple[str, datetime]]) -> str:
    rows = "".join(f"<url><loc>{escape(u)}</loc><lastmod>{d.isoformat()}</lastmod></url>\n" for u, d in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</urlset>\n'
    )


def _sitemap_index(urls: list[str]) -> str:
    rows = "".join(f"<sitemap><loc>{escape(u)}</loc></sitemap>\n" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{rows}</sitemapindex>\n'
    )


def _feed(host: str, items: list[tuple[str, datetime]]) -> str:
    rows = "".join(
        f"<item><title>Berita {escape(u.rsplit('/', 2)[-2])}</title><link>{escape(u)}</link>"
        f"<pubDate>{d.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>\n"
        for u, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{host}</title><link>http://{host}/</link>\n{rows}</channel></rss>\n"
    )


def outlet_toml(hosts: list[str]) -> str:
    lines = [
        "# Generated by bench/synth.py for the benchmarks: a synthetic outlet over several hosts.",
        f'name = "{OUTLET}"',
        f'hosts = ["{DOMAIN}"]',
        'language = "id"',
        'timezone = "Asia/Jakarta"',
        f"article_pattern = '{ARTICLE_PATTERN}'",
    ]
    for host in hosts:
        lines += ["", "[[discovery]]", 'kind = "robots"', f'url = "http://{host}/robots.txt"']
        lines += ["", "[[discovery]]", 'kind = "feed"', f'url = "http://{host}/rss.xml"']
    return "\n".join(lines) + "\n"


def generate(
    root: Path, corpus: Path | None, pages: int, hosts: int = 8, templates: list[Template] | None = None
) -> SyntheticSite:
    """Write ``pages`` article pages over ``hosts`` hosts, with robots, sitemaps and feeds, under ``root``.

    The pages are built from the corpus's article pages and our own held-out fixture pages, or from
    ``templates`` when given (the chaos soak's smoke test has no corpus to read).
    """
    if templates is None:
        if corpus is None:
            raise ValueError("generate needs a corpus or templates")
        templates = corpus_templates(corpus) + fixture_templates()
    root.mkdir(parents=True, exist_ok=True)
    site_dir = root / "site"
    site_dir.mkdir(exist_ok=True)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    rows: list[tuple[str, str]] = []
    by_host: dict[int, list[tuple[str, datetime]]] = {h: [] for h in range(hosts)}
    urls: list[str] = []
    paths: list[Path] = []
    for i in range(pages):
        template = templates[i % len(templates)]
        h = i % hosts
        url = f"http://{host_name(h)}/artikel/{i}/{template.slug}"
        name = f"a{i:06d}.html"
        (site_dir / name).write_bytes(vary_page(template, i, url))
        rows.append((name, url))
        by_host[h].append((url, start + timedelta(minutes=i)))
        urls.append(url)
        paths.append(site_dir / name)
    site = SyntheticSite(
        root=root,
        manifest=root / "MANIFEST.tsv",
        outlets_dir=root / "outlets",
        article_urls=urls,
        article_paths=paths,
        hosts=[host_name(h) for h in range(hosts)],
    )
    for h, entries in by_host.items():
        host = host_name(h)
        chunks = [entries[k : k + SITEMAP_CHUNK] for k in range(0, len(entries), SITEMAP_CHUNK)] or [[]]
        chunk_urls = []
        for c, chunk in enumerate(chunks):
            name = f"{host}-sitemap-{c}.xml"
            (site_dir / name).write_text(_sitemap(chunk), encoding="utf-8")
            chunk_urls.append(f"http://{host}/sitemap-{c}.xml")
            rows.append((name, chunk_urls[-1]))
        index = f"http://{host}/sitemap.xml"
        (site_dir / f"{host}-sitemap.xml").write_text(_sitemap_index(chunk_urls), encoding="utf-8")
        rows.append((f"{host}-sitemap.xml", index))
        (site_dir / f"{host}-robots.txt").write_text(f"User-agent: *\nAllow: /\nSitemap: {index}\n")
        rows.append((f"{host}-robots.txt", f"http://{host}/robots.txt"))
        links = "".join(f'<li><a href="{escape(u)}">{escape(u)}</a></li>' for u, _ in entries[-FEED_ITEMS:])
        home = f"<!doctype html><html><head><title>{host}</title></head><body><ul>{links}</ul></body></html>"
        (site_dir / f"{host}-index.html").write_text(home, encoding="utf-8")
        rows.append((f"{host}-index.html", f"http://{host}/"))
        feed = f"http://{host}/rss.xml"
        (site_dir / f"{host}-rss.xml").write_text(_feed(host, entries[-FEED_ITEMS:][::-1]), encoding="utf-8")
        rows.append((f"{host}-rss.xml", feed))
        site.sitemap_urls.append(index)
        site.feed_urls.append(feed)
    with site.manifest.open("w", encoding="utf-8") as fh:
        fh.write("path\turl\n")
        fh.writelines(f"site/{name}\t{url}\n" for name, url in rows)
    site.outlets_dir.mkdir(exist_ok=True)
    (site.outlets_dir / f"{OUTLET}.toml").write_text(outlet_toml(site.hosts), encoding="utf-8")
    (root / "site.json").write_text(
        json.dumps({"pages": pages, "hosts": site.hosts, "templates": len(templates)}), encoding="utf-8"
    )
    return site
