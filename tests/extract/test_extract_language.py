"""The record's language: CLD2 on the story text, the outlet's or page's word where CLD2 is unsure."""

from __future__ import annotations

from extract.core import detect_language

INDONESIAN = (
    "Pemerintah Kota Makassar memastikan stok beras di gudang Bulog cukup untuk kebutuhan warga "
    "hingga Lebaran. Kepala dinas setempat mengatakan penyerapan gabah dari petani terus berjalan "
    "meski panen raya baru dimulai bulan depan di sebagian besar kabupaten di Sulawesi Selatan."
)
ENGLISH = (
    "The city government said on Monday that rice stocks in the logistics agency's warehouses would "
    "last until the end of the fasting month, as farmers kept selling their harvest to the state."
)
JAVANESE = (
    "Warga desa padha teka saka ngendi-endi kanggo nonton upacara adat. Bupati ngendika yen tradhisi "
    "iki kudu dilestarekake dening para mudha, amarga dadi warisan leluhur sing adiluhung. Sawise "
    "upacara rampung, warga padha mangan bebarengan ing pendhapa kabupaten."
)
FLASH = "Pemerintah kota memastikan stok beras cukup hingga Lebaran, kata pejabat setempat."


def test_a_story_is_read_in_its_own_language_whatever_the_outlet_says() -> None:
    assert detect_language(INDONESIAN, None) == "id"
    assert detect_language(ENGLISH, "id") == "en"


def test_withdrawn_cld2_codes_become_current_iso_codes() -> None:
    assert detect_language(JAVANESE, None) == "jv"  # CLD2 says "jw"


def test_between_indonesian_and_malay_the_outlet_decides() -> None:
    # A one-sentence Indonesian flash reads as Malay to CLD2; the outlet's language settles it.
    assert detect_language(FLASH, "id") == "id"
    assert detect_language(INDONESIAN, "ms") == "ms"


def test_a_text_too_short_to_tell_takes_the_stated_language_or_none() -> None:
    assert detect_language("Halo", "id") == "id"
    assert detect_language("Halo", None) is None


def test_control_characters_do_not_stop_detection() -> None:
    assert detect_language(INDONESIAN.replace("Makassar", "Makassar\x00\x07"), None) == "id"
