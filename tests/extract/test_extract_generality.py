"""Spec: the rules are general. Trigger words inside real sentences, other languages and other
markup families keep every story sentence; story-shaped lines are never dropped."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from kliping_extract_pages import PAGES

from extract import ExtractOptions, extract_article
from extract.boilerplate import Block, clean_blocks, clean_lines, is_boilerplate_line

HELDOUT = PAGES / "heldout"

# words that name no trigger of any rule (no labels, platforms, dates, credits, calls to action)
_STORY_TEXT = (
    "warga petani pemerintah desa sungai jalan harga beras pasar sekolah guru hujan banjir kapal "
    "pelabuhan anggaran bulan tahun ribu juta naik turun membangun memperbaiki menanam menjual "
    "farmers village river prices market school teachers rain harbour budget rose fell built "
    "repaired planted sold the a of in and to with for di ke dari dan yang untuk dengan"
)
_STORY_WORDS = _STORY_TEXT.split()

sentence = st.lists(st.sampled_from(_STORY_WORDS), min_size=4, max_size=30).map(
    lambda words: " ".join([words[0].capitalize(), *words[1:]]) + "."
)


@settings(max_examples=200, deadline=None)
@given(st.lists(sentence, min_size=1, max_size=8, unique=True))
def test_paragraphs_without_trigger_patterns_are_never_removed(paragraphs: list[str]) -> None:
    assert clean_lines(paragraphs) == paragraphs


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.builds(
            Block,
            st.text(max_size=120),
            st.sampled_from(["p", "head", "item", "quote", "row"]),
            st.booleans(),
            st.integers(0, 4),
        ),
        max_size=12,
    ),
    st.one_of(st.none(), st.text(max_size=40)),
)
def test_block_rules_never_raise(blocks: list[Block], title: str | None) -> None:
    clean_blocks(blocks, title, [])


def test_trigger_words_inside_a_sentence_do_not_remove_it() -> None:
    story = [
        "Warga diminta membaca juga petunjuk keselamatan yang dibagikan petugas di setiap posko.",
        "Oleh karena itu, BPBD meminta warga menyimpan dokumen penting di tempat yang lebih tinggi.",
        "By Friday evening, traders in Bangkok said new export contracts had nearly dried up.",
        "Join the queue early, farmers' groups told members on Facebook, as mills began buying.",
        "Polisi mengimbau warga yang menerima pesan WhatsApp agar silakan memeriksa dulu sumbernya.",
        "Sumber: dua pejabat kementerian mengatakan rapat itu berlangsung tertutup selama tiga jam, dan"
        " keputusan akhirnya akan diumumkan presiden pekan depan.",
    ]
    assert clean_lines(story) == story


def test_short_credit_and_source_lines_are_still_removed() -> None:
    for line in (
        "Sumber: Kementerian Perdagangan, diolah",
        "Reporting by Jane Doe; Editing by Mark Roe",
        "[dan]",
        "(mcr38/jpnn)",
        "Image source, Getty Images",
        "Artikel Berkaitan",
        "A farmer harvests rice in Karawang, November 30, 2021. REUTERS/Willy Kurniawan",
    ):
        assert is_boilerplate_line(line), line


def test_a_desk_code_with_digits_glued_to_the_last_sentence_is_cut() -> None:
    out = clean_lines(["Kalimat pembuka berita ini.", "Guru menyambut baik kebijakan itu. (mcr38/jpnn)"])
    assert out[-1] == "Guru menyambut baik kebijakan itu."


def test_a_sentence_opening_with_oleh_or_by_is_no_byline() -> None:
    page = (
        "<html><body><h1>Judul Berita Hari Ini</h1><div class='content'>"
        "<p>Pemerintah menaikkan anggaran perbaikan jalan desa tahun depan sebesar sepuluh persen.</p>"
        "<p>Oleh karena itu, dinas pekerjaan umum menyiapkan tambahan alat berat di setiap kecamatan.</p>"
        "<p>Pekerjaan dijadwalkan mulai pada awal musim kemarau dan selesai sebelum akhir tahun.</p>"
        "</div></body></html>"
    )
    record = extract_article(page, "https://fixtures.test/oleh")
    assert record is not None and record["authors"] == []


def test_a_short_news_item_in_a_wordpress_post_container_is_kept() -> None:
    record = extract_article(
        (HELDOUT / "wordpress_jnews_short.html").read_bytes(), "https://fixtures.test/wp"
    )
    assert record is not None and record["text"].count("\n") == 1


def test_a_story_only_in_json_ld_article_body_is_extracted() -> None:
    record = extract_article((HELDOUT / "jsonld_body_only.html").read_bytes(), "https://fixtures.test/ld")
    assert record is not None and len(record["text"].split("\n")) == 4


def test_a_declared_news_flash_is_an_article_but_a_short_undeclared_page_is_not() -> None:
    flash = (HELDOUT / "short_flash.html").read_bytes()
    assert extract_article(flash, "https://fixtures.test/flash") is not None
    bare = b"<html><body><h1>Gempa</h1><p>Gempa M 4,8 mengguncang Halmahera Barat.</p></body></html>"
    assert extract_article(bare, "https://fixtures.test/bare") is None


def test_min_article_chars_is_a_setting() -> None:
    options = ExtractOptions.from_settings({"KLIPING_EXTRACT_MIN_ARTICLE_CHARS": "500"})
    assert options.min_article_chars == 500
    flash = (HELDOUT / "short_flash.html").read_bytes()
    assert extract_article(flash, "https://fixtures.test/flash", options=options) is None
