"""Spec: every kind of in-article boilerplate is removed, every story sentence is kept."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kliping_extract_pages import extract_page
from lxml import html as lxml_html

from extract.boilerplate import (
    Block,
    clean_blocks,
    clean_lines,
    is_boilerplate_line,
    paragraphize,
    prune_tree,
)


def lines(record: dict[str, Any]) -> list[str]:
    return record["text"].split("\n")


def assert_absent(record: dict[str, Any], *fragments: str) -> None:
    for fragment in fragments:
        assert fragment not in record["text"], fragment


# --- story kept -------------------------------------------------------------------------


def test_every_story_paragraph_is_kept(boilerplate_page: dict[str, Any]) -> None:
    assert lines(boilerplate_page)[0].startswith("Garut - Puluhan warga Desa Sukamaju")
    assert lines(boilerplate_page)[-1].startswith("Ujang berharap pemerintah kabupaten")
    assert len(lines(boilerplate_page)) == 6


def test_subheading_inside_story_is_kept_in_place(boilerplate_page: dict[str, Any]) -> None:
    text = lines(boilerplate_page)
    i = text.index("Dana Swadaya Rp 12 Juta")
    assert text[i + 1].startswith("Selain tenaga, warga juga mengumpulkan")


def test_subheading_between_plain_paragraphs_is_kept(inbody_page: dict[str, Any]) -> None:
    assert "Cold Storage Penuh" in lines(inbody_page)


def test_dateline_before_first_paragraph_stays_with_it() -> None:
    page = (
        "<html><body><div class='text'><strong>Jakarta</strong> - <p>Pemerintah mengumumkan"
        " jadwal libur nasional tahun depan dalam rapat bersama di kantor kementerian pada Senin pagi."
        " Rapat itu dihadiri perwakilan tiga kementerian.</p><p>Jadwal itu berlaku bagi semua pegawai"
        " negeri sipil dan diharapkan diikuti oleh perusahaan swasta di seluruh Indonesia.</p>"
        "</div></body></html>"
    )
    from extract import extract_article

    record = extract_article(page, "https://fixtures.test/dateline")
    assert record is not None
    assert record["text"].startswith("Jakarta - Pemerintah mengumumkan")


def test_br_separated_story_text_is_kept_whole() -> None:
    record = extract_page("blogger_nozone.html")
    assert len(lines(record)) == 3
    assert lines(record)[0].startswith("Banjarmasin - Pasar terapung")


# --- related links -----------------------------------------------------------------------


def test_baca_juga_box_is_removed(boilerplate_page: dict[str, Any]) -> None:
    assert_absent(boilerplate_page, "Banjir Cimanuk Rendam", "Baca juga")


def test_baca_juga_paragraph_is_removed(boilerplate_page: dict[str, Any]) -> None:
    assert_absent(boilerplate_page, "Baca Juga:", "Jembatan Permanen Tahun Depan")


def test_inline_baca_juga_span_between_paragraphs_is_removed(wit_page: dict[str, Any]) -> None:
    assert_absent(wit_page, "Raja Ampat")


def test_simak_juga_and_lihat_juga_lines_are_removed(boilerplate_page: dict[str, Any]) -> None:
    assert_absent(boilerplate_page, "Simak juga", "Lihat juga", "Galeri Foto")


def test_jangan_lewatkan_line_is_removed(inbody_page: dict[str, Any]) -> None:
    assert_absent(inbody_page, "Jangan Lewatkan", "Harga Tuna Ekspor")


def test_artikel_terkait_label_and_its_list_are_removed(inbody_page: dict[str, Any]) -> None:
    assert_absent(inbody_page, "Artikel Terkait", "Pabrik Pengalengan", "Cuaca Laut Sulut")


def test_berita_terkait_box_is_removed(boilerplate_page: dict[str, Any]) -> None:
    assert_absent(boilerplate_page, "Berita Terkait", "Tasikmalaya")


def test_related_headline_link_wedged_between_paragraphs_is_removed(boilerplate_page: dict[str, Any]) -> None:
    assert_absent(boilerplate_page, "Harga Kopi Arabika Garut")


def test_read_also_line_of_english_page_is_removed(english_page: dict[str, Any]) -> None:
    assert_absent(english_page, "Read also", "sinking coast in numbers")


# --- pagers, credits, codes -----------------------------------------------------------------


def test_pager_lines_are_removed(inbody_page: dict[str, Any]) -> None:
    assert_absent(inbody_page, "Halaman", "Selanjutnya")


def test_penulis_editor_sumber_lines_are_removed(boilerplate_page: dict[str, Any]) -> None:
    assert_absent(boilerplate_page, "Penulis:", "Editor:", "Sumber:")


def test_reporter_and_redaktur_lines_are_removed(inbody_page: dict[str, Any]) -> None:
    assert_absent(inbody_page, "Reporter:", "Redaktur:", "Maria Wenas")


def test_laporan_wartawan_credit_is_removed(inbody_page: dict[str, Any]) -> None:
    assert_absent(inbody_page, "Laporan Wartawan")


def test_pewarta_editor_copyright_block_is_removed(wit_page: dict[str, Any]) -> None:
    assert_absent(wit_page, "Pewarta", "Editor", "COPYRIGHT")


def test_trailing_editor_code_is_removed(
    boilerplate_page: dict[str, Any], english_page: dict[str, Any]
) -> None:
    assert_absent(boilerplate_page, "(rwl/hkn)")
    assert_absent(english_page, "(dmr)")


def test_editor_code_glued_to_last_paragraph_is_cut() -> None:
    out = clean_lines(["Kalimat pertama berita ini cukup panjang.", "Ini kalimat penutup berita. (bgs/rul)"])
    assert out[-1] == "Ini kalimat penutup berita."


def test_credit_glued_to_last_paragraph_is_cut() -> None:
    out = clean_lines(["Kalimat penutup berita ini cukup panjang, ujar dia. Penulis: Budi Editor : Sari"])
    assert out == ["Kalimat penutup berita ini cukup panjang, ujar dia."]


def test_agency_credit_in_capitals_closing_the_story_is_removed() -> None:
    out = clean_lines(["Pertemuan berikutnya dijadwalkan bulan depan di Jakarta.", "ANTARA"])
    assert out == ["Pertemuan berikutnya dijadwalkan bulan depan di Jakarta."]


# --- widgets ------------------------------------------------------------------------------


def test_tags_line_and_box_are_removed(boilerplate_page: dict[str, Any], inbody_page: dict[str, Any]) -> None:
    assert_absent(boilerplate_page, "Tags", "gotong royong\n")
    assert_absent(inbody_page, "Tags:")


def test_terpopuler_populer_rekomendasi_komentar_are_removed(inbody_page: dict[str, Any]) -> None:
    for label in ("Terpopuler", "Populer", "Rekomendasi", "Komentar"):
        assert label not in lines(inbody_page)


def test_comment_box_is_removed(boilerplate_page: dict[str, Any]) -> None:
    assert_absent(boilerplate_page, "Belum ada komentar", "Komentar")


def test_share_follow_whatsapp_google_news_prompts_are_removed(
    boilerplate_page: dict[str, Any], inbody_page: dict[str, Any]
) -> None:
    assert_absent(boilerplate_page, "Bagikan", "Google News", "Telegram")
    assert_absent(inbody_page, "Bagikan", "Instagram", "WhatsApp")


def test_photo_caption_and_credit_are_removed(
    boilerplate_page: dict[str, Any], inbody_page: dict[str, Any]
) -> None:
    assert_absent(boilerplate_page, "Foto:", "Warga menyelesaikan jembatan")
    assert_absent(inbody_page, "Foto:", "Kapal nelayan bersandar")


def test_advertisement_labels_are_removed(
    boilerplate_page: dict[str, Any], inbody_page: dict[str, Any]
) -> None:
    assert_absent(boilerplate_page, "ADVERTISEMENT", "SCROLL TO CONTINUE")
    assert "Iklan" not in lines(inbody_page)


def test_headline_repeated_above_the_story_is_removed() -> None:
    blocks = [
        Block("Judul Berita Hari Ini"),
        Block("Isi berita yang sebenarnya dimulai di sini dengan kalimat."),
    ]
    assert clean_blocks(blocks, "Judul Berita Hari Ini") == [blocks[1].text]


# --- the line rules one by one ----------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Baca juga: Harga Beras Naik",
        "BACA JUGA: Harga Beras Naik",
        "Simak juga: Video Banjir",
        "Lihat Juga: Foto Banjir",
        "Berita Terkait",
        "Artikel Terkait",
        "Jangan Lewatkan: Promo Akhir Tahun",
        "Pilihan Editor: Tiga Hal Penting",
        "Halaman 1 2 3",
        "Halaman: 1/2",
        "Penulis: Budi Santoso",
        "Editor : Sari Dewi",
        "Reporter: Agus",
        "Redaktur: Maya",
        "Sumber: Antara",
        "Laporan wartawan Tribunnews.com, Budi",
        "(bgs/rul)",
        "(Cas/Isk)",
        "Tags",
        "Tags: politik, pemilu",
        "Terpopuler",
        "Populer",
        "Rekomendasi",
        "Komentar",
        "ADVERTISEMENT",
        "Scroll to continue with content",
        "Ikuti berita terkini di Google News, klik di sini",
        "Untuk mengetahui kebenaran informasi, silakan WhatsApp ke nomor 0811 000 000",
        "Presiden meninjau lokasi banjir. Foto: Dok. Setpres",
        "Senin, 12 Feb 2024 14:30 WIB",
        "© 2024 Kabar Timur",
        "Load More...",
        "02",
    ],
)
def test_boilerplate_line_is_recognised(line: str) -> None:
    assert is_boilerplate_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Populer di kalangan remaja, aplikasi itu diunduh jutaan kali dalam sepekan.",
        "More than 2,000 volunteers planted mangrove seedlings on Saturday.",
        "Samsung menyarankan agar pengguna selalu update software jika telah tersedia.",
        "Editor senior itu mengatakan redaksi akan memperbaiki kesalahan tersebut pekan depan.",
        "Halaman sekolah itu digunakan warga untuk menjemur padi setelah panen.",
        "Dana Swadaya Rp 12 Juta",
        "Jakarta - Pemerintah mengumumkan jadwal libur nasional.",
        "Sidang dilanjutkan pada Senin, 12 Februari 2024 pukul 09.00 WIB di Pengadilan Negeri Jakarta Pusat.",
    ],
)
def test_story_line_is_not_boilerplate(line: str) -> None:
    assert not is_boilerplate_line(line)


# --- never raise ----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_line_rules_never_raise(text: str) -> None:
    is_boilerplate_line(text)
    clean_lines(text.splitlines(), title=text[:20])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<p>",
                "</p>",
                "<br>",
                "<div class='baca-juga'>",
                "</div>",
                "<b>",
                "</b>",
                "Jakarta - ",
                "kalimat berita ",
                "<h2>",
                "</h2>",
                "<a href='x'>",
                "</a>",
            ]
        ),
        max_size=40,
    )
)
def test_tree_rules_never_raise(parts: list[str]) -> None:
    tree = lxml_html.document_fromstring("<html><body>" + "".join(parts) + "</body></html>")
    prune_tree(tree)
    paragraphize(tree)


def test_story_container_with_a_widget_like_class_name_is_kept() -> None:
    from extract import extract_article

    paragraphs = "".join(
        f"<p>Paragraf {i} berita ini cukup panjang untuk diuji oleh ekstraktor artikel kliping, dengan"
        f" beberapa kalimat yang berbeda satu sama lain ({i}).</p>"
        for i in range(3)
    )
    container = f"<div class='post-content has-comments'>{paragraphs}</div>"
    page = f"<html><body><h1>Judul Berita</h1>{container}</body></html>"
    record = extract_article(page, "https://fixtures.test/widget-class")
    assert record is not None and record["text"].count("\n") == 2
