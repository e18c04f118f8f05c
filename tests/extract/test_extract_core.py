"""Spec: extract_article's record, charset handling, hints, options and join_pages."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st
from kliping_extract_pages import REPO_ROOT, extract_page, page_bytes

from extract import ExtractOptions, OutletHints, extract_article, join_pages
from extract.core import RECORD_KEYS, decode_html
from extract.options import DEFAULT_OPTIONS

# --- record -------------------------------------------------------------------------------------


def test_record_has_exactly_the_documented_keys() -> None:
    assert tuple(extract_page("boilerplate_id.html")) == RECORD_KEYS


def test_url_is_the_url_passed_in_and_canonical_is_read_from_the_page() -> None:
    record = extract_page("boilerplate_id.html")
    assert record["url"] == "https://fixtures.test/boilerplate_id.html"
    assert record["canonical_url"] == (
        "https://news.beritanusa.test/daerah/d-100200/warga-desa-sukamaju-bangun-jembatan-bambu"
    )


def test_title_has_no_site_suffix() -> None:
    assert extract_page("inbody_id.html")["title"] == "Nelayan Bitung Panen Cakalang di Awal Musim"
    assert extract_page("wit_antara.html")["title"] == "Festival Danau Sentani Kembali Digelar"


def test_authors_are_writers_and_reporters_not_editors() -> None:
    assert extract_page("inbody_id.html")["authors"] == ["Yohanis Lumenta"]
    assert extract_page("wit_antara.html")["authors"] == ["Agustina Yoku"]
    assert extract_page("english_news.html")["authors"] == ["Sarah Wijaya"]


def test_blog_post_author_comes_from_posted_by() -> None:
    assert extract_page("blogger_nozone.html")["authors"] == ["admin"]


def test_section_tags_description_image_come_from_meta_tags() -> None:
    record = extract_page("boilerplate_id.html")
    assert record["section"] == "Daerah"
    assert record["tags"] == ["jembatan", "gotong royong"]
    assert record["description"] == "Warga Desa Sukamaju membangun jembatan bambu sepanjang 40 meter."
    assert record["image"] == "https://img.beritanusa.test/2024/02/12/jembatan.jpg"


def test_language_is_detected() -> None:
    assert extract_page("boilerplate_id.html")["language"] == "id"
    assert extract_page("english_news.html")["language"] == "en"


def test_outlet_is_the_hint_name() -> None:
    assert extract_page("wit_antara.html", hints=OutletHints(name="wartapapua"))["outlet"] == "wartapapua"
    assert extract_page("wit_antara.html")["outlet"] is None


def test_text_whitespace_is_collapsed_and_invisible_characters_removed() -> None:
    page = page_bytes("english_news.html").decode().replace("More than", "More\u200b \n  than\u00a0\u200e")
    record = extract_article(page, "https://fixtures.test/x")
    assert record is not None
    assert record["text"].startswith("More than 2,000 volunteers")
    for char in "\u200b\u200e\u200f\ufeff":
        assert char not in record["text"]


def test_page_without_story_gives_none() -> None:
    assert extract_article(page_bytes("index_page.html"), "https://fixtures.test/indeks") is None
    assert extract_article(b"", "https://fixtures.test/empty") is None
    assert extract_article("<html><body><p>Pendek.</p></body></html>", "https://fixtures.test/short") is None


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2000) | st.text(max_size=2000))
def test_extraction_never_raises_on_junk(body: bytes | str) -> None:
    extract_article(body, "https://fixtures.test/junk")


# --- charset ------------------------------------------------------------------------------------


def test_page_declaring_latin1_with_utf8_bytes_gives_correct_text() -> None:
    record = extract_page("charset_mismatch.html")
    assert "Kafe “Kopi Tepi Danau”" in record["text"]
    assert "kafénya" in record["text"]
    assert "Ã" not in record["text"] and "â€" not in record["text"]
    assert record["title"] == "Kafe “Kopi Tepi Danau” Raih Penghargaan"


def test_http_header_charset_that_disagrees_with_utf8_bytes_is_overruled() -> None:
    record = extract_article(
        page_bytes("charset_mismatch.html"), "https://fixtures.test/c", encoding="ISO-8859-1"
    )
    assert record is not None and "kafénya" in record["text"]


def test_real_latin1_bytes_are_decoded_as_declared() -> None:
    assert decode_html("kafé".encode("latin-1"), "iso-8859-1") == "kafé"
    assert decode_html(b'<meta charset="windows-1252">caf\xe9').endswith("café")


# --- hints and options ------------------------------------------------------------------------


def test_body_selector_hint_narrows_the_story() -> None:
    hints = OutletHints(body_selector="div.isi")
    record = extract_page("inbody_id.html", hints=hints)
    assert record["text"].startswith("BITUNG, KABARTIMUR")
    assert record["title"] == "Nelayan Bitung Panen Cakalang di Awal Musim"


def test_drop_selectors_hint_removes_elements() -> None:
    hints = OutletHints(drop_selectors=("h3",))
    assert "Cold Storage Penuh" not in extract_page("inbody_id.html", hints=hints)["text"]


def test_options_from_settings_reads_kliping_extract_keys() -> None:
    options = ExtractOptions.from_settings(
        {"KLIPING_EXTRACT_FAST": "true", "KLIPING_EXTRACT_MIN_TEXT_CHARS": "50", "OTHER": 1}
    )
    assert options.fast is True and options.min_text_chars == 50
    assert options.favor_precision is False  # default kept


def test_options_from_empty_settings_are_the_defaults() -> None:
    assert ExtractOptions.from_settings({}) == DEFAULT_OPTIONS


def test_one_trafilatura_options_object_is_built_per_options() -> None:
    options = ExtractOptions.from_settings({})
    assert options.extractor is options.extractor
    assert options.extractor.focus == "balanced" and options.extractor.comments is False


def test_boilerplate_rules_can_be_switched_off() -> None:
    options = ExtractOptions.from_settings({"KLIPING_EXTRACT_BOILERPLATE_RULES": "false"})
    assert "Reporter: Yohanis Lumenta" in extract_page("inbody_id.html", options=options)["text"]


# --- multi-page ---------------------------------------------------------------------------------


def test_join_pages_keeps_first_page_metadata_and_all_text_in_order() -> None:
    p1, p2 = extract_page("multipage_p1.html"), extract_page("multipage_p2.html")
    joined = join_pages([p1, p2])
    assert joined["url"] == p1["url"] and joined["canonical_url"] == p1["canonical_url"]
    assert joined["text"] == p1["text"] + "\n" + p2["text"]


def test_join_pages_drops_a_paragraph_repeated_on_a_later_page() -> None:
    first = {"url": "u", "text": "Lead.\nSatu."}
    second = {"url": "u2", "text": "Lead.\nDua."}
    assert join_pages([first, second])["text"] == "Lead.\nSatu.\nDua."


# --- no crawler at extraction time --------------------------------------------------------------


def test_extraction_does_not_import_scrapy() -> None:
    code = (
        "import sys, extract\n"
        "extract.extract_article(open(sys.argv[1], 'rb').read(), 'https://fixtures.test/x')\n"
        "print('scrapy' in sys.modules)\n"
    )
    page = str(REPO_ROOT / "tests" / "fixtures" / "pages" / "boilerplate_id.html")
    out = subprocess.run(
        [sys.executable, "-c", code, page], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    assert out.stdout.strip() == "False"
