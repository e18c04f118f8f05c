"""A generated news site for the robustness tests: our own text, varied bodies, served by the replay web."""

from __future__ import annotations

import random
from pathlib import Path

from replayweb import ReplayWeb

HOST = "http://www.kabarcontoh.id"

_WORDS = """
pemerintah daerah warga pasar harga banjir jalan sekolah rumah sakit petani nelayan hujan
pelabuhan kereta bandara festival budaya gubernur bupati desa kota provinsi anggaran listrik
air bersih jembatan panen beras cabai bawang ikan gula minyak kopi teh cengkeh karet sawit
mahasiswa guru dokter perawat polisi tentara relawan pedagang sopir buruh kantor pabrik
"""
WORDS = _WORDS.split()


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(10, 22))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


def article_html(n: int, rng: random.Random) -> bytes:
    title = " ".join(rng.choice(WORDS) for _ in range(6)).title()
    paragraphs = "\n".join(
        f"<p>{' '.join(sentence(rng) for _ in range(rng.randint(2, 4)))}</p>"
        for _ in range(rng.randint(4, 8))
    )
    return f"""<!DOCTYPE html>
<html lang="id"><head><meta charset="utf-8"><title>{title} - Kabar Contoh</title>
<meta name="author" content="Redaksi {n}"></head>
<body><nav class="menu"><a href="/">Beranda</a> <a href="/nasional">Nasional</a></nav>
<main><article class="detail"><h1>{title}</h1>
<div class="detail__date">Senin, 12 Feb 2024 14:{n % 60:02d} WIB</div>
<div class="detail__body">
{paragraphs}
</div></article></main>
<footer>Hak cipta Kabar Contoh.</footer></body></html>""".encode()


def article_url(n: int, host: str = HOST) -> str:
    return f"{host}/berita/2024/02/12/{5000 + n}/artikel-uji-{n}"


def articles(count: int, seed: int, host: str = HOST) -> dict[str, bytes]:
    """``count`` generated articles, URL -> page, the same for the same seed."""
    rng = random.Random(seed)
    return {article_url(n, host): article_html(n, rng) for n in range(count)}


def serve_articles(web: ReplayWeb, count: int, seed: int, host: str = HOST) -> list[str]:
    """Add ``count`` articles of ``host`` (and a permissive robots.txt) to ``web``; returns their URLs."""
    web.add(f"{host}/robots.txt", b"User-agent: *\nAllow: /\n", content_type="text/plain")
    pages = articles(count, seed, host)
    for url, body in pages.items():
        web.add(url, body, content_type="text/html; charset=utf-8")
    return list(pages)


def write_list(directory: Path, urls: list[str]) -> Path:
    path = directory / "links.txt"
    path.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return path
