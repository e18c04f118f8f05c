"""Extraction on pages of outlets with no config and of other projects' shapes (issue 20).

Each test is one behaviour on a small invented page: zones from the page's own words, seconds
from meta, byline people only, the article's own tags, titles as shown, and story text the
pruning rules must not take (quoted tweets, links elsewhere, announced lists, prose in a widget-
named box, table cells, windows-1252 bytes).
"""

from __future__ import annotations

from typing import Any

from extract import OutletHints, extract_article, parse_indonesian_datetime
from extract.core import decode_html

STORY = (
    "<p>Pemerintah kota menambah anggaran perbaikan jalan lingkungan sebesar sepuluh persen tahun"
    " depan untuk menjangkau lebih banyak kelurahan di pinggiran.</p>"
    "<p>Kepala dinas pekerjaan umum mengatakan pekerjaan dimulai pada awal musim kemarau dan"
    " ditargetkan selesai sebelum akhir tahun anggaran berjalan.</p>"
    "<p>Warga menyambut baik rencana itu karena banyak jalan rusak sejak musim hujan lalu dan"
    " belum pernah diperbaiki sama sekali oleh pemerintah.</p>"
)


def page(header: str = "", body: str = STORY, head: str = "", after: str = "") -> str:
    return (
        f"<html lang='id'><head><meta charset='utf-8'><title>Judul Berita Kota Hari Ini</title>{head}</head>"
        f"<body><nav><a href='/'>Beranda</a> <a href='/kota'>Kota</a></nav><article>"
        f"<h1>Judul Berita Kota Hari Ini</h1>{header}<div class='isi'>{body}</div></article>{after}"
        "<footer>&copy; 2024 Kabar Kota</footer></body></html>"
    )


def extract(
    html: str | bytes, url: str = "https://kabarkota.test/kota/2024/02/12/judul", **kw: Any
) -> dict[str, Any]:
    record = extract_article(html, url, **kw)
    assert record is not None
    return record


# --------------------------------------------------------------------------- dates and zones


def test_a_wita_dateline_beats_the_default_zone_of_an_outlet_with_no_config() -> None:
    record = extract(page("<div class='meta'>Selasa 12 Nov 2024 | 10:15 WITA</div>"))
    assert record["published"] == "2024-11-12T10:15:00+08:00"


def test_a_dateline_in_an_unclassed_element_after_the_headline_is_read() -> None:
    record = extract(page("<div class='info'>Oleh: Budi Santoso &nbsp; Kamis, 5 November 2015 11:52</div>"))
    assert record["published"] == "2015-11-05T11:52:00+07:00"


def test_the_outlet_zone_applies_only_when_the_page_names_none() -> None:
    html = page("<div class='meta'>Kamis, 5 November 2015 11:52</div>")
    record = extract(html, hints=OutletHints(timezone="Asia/Jayapura"))
    assert record["published"] == "2015-11-05T11:52:00+09:00"


def test_a_printed_edt_time_keeps_its_offset_over_a_utc_machine_time() -> None:
    header = "<time datetime='2023-11-02T19:53:00Z'>November 2, 2023 3:53 PM EDT</time>"
    assert extract(page(header))["published"] == "2023-11-02T15:53:00-04:00"


def test_seconds_come_from_meta_when_the_printed_minute_agrees() -> None:
    head = "<meta property='article:published_time' content='2015-11-05T11:52:37+07:00'>"
    record = extract(page("<div class='date'>5/11/2015, 11:52 WIB</div>", head=head))
    assert record["published"] == "2015-11-05T11:52:37+07:00"


def test_named_zones_of_other_countries_are_read_after_a_clock_time() -> None:
    cases = {
        "Published 14 June 2024, 09:30 BST": "2024-06-14T09:30:00+01:00",
        "12.03.2024 14:05 CET": "2024-03-12T14:05:00+01:00",
        "July 4, 2024 10:00 a.m. ET": "2024-07-04T10:00:00-04:00",
        "Jan 5, 2024 10:00 ET": "2024-01-05T10:00:00-05:00",
        "26 September 2023 pukul 15.20 WITA": "2023-09-26T15:20:00+08:00",
    }
    for text, expected in cases.items():
        parsed = parse_indonesian_datetime(text)
        assert parsed is not None and parsed.isoformat() == expected, text


# --------------------------------------------------------------------------- authors


def test_an_editor_on_the_byline_line_is_not_an_author() -> None:
    header = (
        "<div class='author'>Reporter: <a href='/p/a'>Iwan Setiawan</a>"
        " | Editor: <a href='/p/b'>Rudi Hartono</a></div>"
    )
    assert extract(page(header))["authors"] == ["Iwan Setiawan"]


def test_the_writer_named_at_the_end_beats_the_site_account_that_posted() -> None:
    header = "<div class='byline'>by <a class='author' href='/author/admin/'>admin</a></div>"
    body = STORY + "<p>Penulis: Rahmat Hidayat</p>"
    assert extract(page(header, body))["authors"] == ["Rahmat Hidayat"]


def test_authors_of_related_stories_are_not_the_articles() -> None:
    header = "<div class='byline'>By <a href='/a/j'>Jane Okafor</a> and <a href='/a/t'>Tom Reyes</a></div>"
    after = (
        "<section class='more'><div class='card'><a href='/x'>Oil slips</a>"
        "<div class='card__byline'>By Priya Natarajan</div></div></section>"
    )
    assert extract(page(header, after=after))["authors"] == ["Jane Okafor", "Tom Reyes"]


def test_an_author_box_heading_a_role_and_a_soft_hyphen_are_not_part_of_a_name() -> None:
    header = "<div class='byline'><a href='/p'>Cathe&shy;rine Wolff</a> Education editor</div>"
    after = "<div class='author-box'><h4>Tentang Penulis</h4></div>"
    assert extract(page(header, after=after))["authors"] == ["Catherine Wolff"]


def test_a_campaign_banner_closing_the_story_is_neither_story_nor_author() -> None:
    record = extract(
        page(body=STORY + "<div class='kampanye'><p><b>DUKUNG PARTAI PILIHAN ANDA</b></p></div>")
    )
    assert record["authors"] == [] and "DUKUNG" not in record["text"]


def test_an_outlet_filling_json_ld_author_is_not_a_person() -> None:
    head = (
        "<meta property='og:site_name' content='Kabar Kota'>"
        '<script type="application/ld+json">{"@type":"NewsArticle",'
        '"author":{"@type":"Person","name":"Kabar Kota"}}</script>'
    )
    assert extract(page(head=head))["authors"] == []


def test_an_organisation_shown_as_the_only_byline_stands() -> None:
    header = (
        "<div class='post-meta'><span>By <a class='author' rel='author' href='/a/wf'>"
        "Wikimedia Foundation</a></span></div>"
    )
    url = "https://wikimediafoundation.test/news/2020/01/15/story/"
    assert extract(page(header), url)["authors"] == ["Wikimedia Foundation"]


# --------------------------------------------------------------------------- tags and titles


def test_site_wide_keywords_and_labels_are_not_tags() -> None:
    head = (
        "<meta property='og:site_name' content='Kabar Kota'>"
        "<meta name='keywords' content='berita terkini, berita makassar hari ini, kabar kota,"
        " Editor: Admin, banjir, jalan rusak'>"
    )
    assert extract(page(head=head))["tags"] == ["banjir", "jalan rusak"]


def test_the_title_keeps_the_punctuation_the_page_shows() -> None:
    html = page().replace(
        "<h1>Judul Berita Kota Hari Ini</h1>", "<h1>Harga Cabai Naik, Ini Kata Mendag!</h1>"
    )
    html = html.replace(
        "<title>Judul Berita Kota Hari Ini</title>",
        "<title>Harga Cabai Naik Ini Kata Mendag - Kabar Kota</title>",
    )
    assert extract(html)["title"] == "Harga Cabai Naik, Ini Kata Mendag!"


# --------------------------------------------------------------------------- story text


def test_a_tweet_the_story_goes_on_after_is_quoted_story_without_its_attribution() -> None:
    tweet = (
        "<blockquote class='twitter-tweet'>"
        "<p>Jembatan gantung di desa kami sudah bisa dilalui anak sekolah.</p>"
        "&mdash; Kementerian (@kementerian) "
        "<a href='https://twitter.com/k/status/1'>February 12, 2024</a></blockquote>"
    )
    text = extract(page(body=STORY.replace("</p>", "</p>" + tweet, 1)))["text"]
    assert "Jembatan gantung di desa kami sudah bisa dilalui anak sekolah." in text
    assert "@kementerian" not in text


def test_a_tweet_closing_the_story_is_not_story() -> None:
    tweet = "<blockquote class='twitter-tweet'><p>Selamat untuk warga kota yang berhasil.</p></blockquote>"
    assert "Selamat untuk warga" not in extract(page(body=STORY + tweet))["text"]


def test_a_link_to_another_site_between_paragraphs_is_story_but_one_within_the_site_is_not() -> None:
    body = STORY.replace(
        "</p>",
        "</p><p><a href='https://sumber.example/laporan'>Laporan lengkap lembaga pemantau anggaran</a></p>"
        "<p><a href='https://kabarkota.test/kota/lain'>Jalan Amblas di Kelurahan Sebelah</a></p>",
        1,
    )
    text = extract(page(body=body))["text"]
    assert "Laporan lengkap lembaga pemantau anggaran" in text
    assert "Jalan Amblas" not in text


def test_a_list_the_story_announces_is_kept_even_when_every_item_is_a_link() -> None:
    items = "".join(
        f"<li><a href='/tag/{n}'>Kabupaten {n.title()}</a></li>" for n in ("bogor", "garut", "bandung")
    )
    body = STORY.replace(
        "</p>", "</p><p>Berikut daerah yang berstatus siaga banjir pekan ini:</p><ol>" + items + "</ol>", 1
    )
    text = extract(page(body=body))["text"]
    assert all(f"Kabupaten {n}" in text for n in ("Bogor", "Garut", "Bandung"))


def test_a_story_in_a_box_named_like_a_widget_is_not_pruned() -> None:
    long_story = (
        "<div class='summary'>"
        + " ".join(["Warga desa membangun jembatan bambu bersama-sama."] * 14)
        + "</div>"
    )
    record = extract(page(body=long_story))
    assert "jembatan bambu" in record["text"]


def test_line_breaks_in_table_cells_never_glue_words() -> None:
    table = (
        "<table><tr><th>Rute</th><th>Jarak<br>tempuh</th></tr>"
        "<tr><td>Bangsal<br>Padangbai</td><td>2 jam</td></tr></table>"
    )
    text = extract(page(body=STORY + table))["text"]
    assert "Jarak tempuh" in text and "Bangsal Padangbai" in text


def test_windows_1252_bytes_labelled_utf8_are_read_as_windows_1252() -> None:
    raw = (
        "<html><head><meta charset='utf-8'></head>"
        "<body><p>\u201cKata\u201d \u2013 caf\u00e9</p></body></html>"
    )
    decoded = decode_html(raw.encode("cp1252"))
    assert "\ufffd" not in decoded and "\u201cKata\u201d \u2013 caf\u00e9" in decoded


def test_text_is_nfc_normalised() -> None:
    body = STORY.replace("Warga menyambut", "Warga Mu\u0308nchen menyambut")
    assert "M\u00fcnchen" in extract(page(body=body))["text"]
