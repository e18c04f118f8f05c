"""Spec: Indonesian date strings become aware datetimes with the page's own offset."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kliping_extract_pages import extract_page

from extract import OutletHints
from extract.dates import parse_indonesian_datetime


def iso(text: str, tz: str = "Asia/Jakarta") -> str | None:
    dt = parse_indonesian_datetime(text, tz)
    return dt.isoformat() if dt else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Senin, 12 Feb 2024 14:30 WIB", "2024-02-12T14:30:00+07:00"),
        ("Sabtu, 22 Januari 2022 09:15 WITA", "2022-01-22T09:15:00+08:00"),
        ("Jumat, 3 Desember 2021 12:12 WIT", "2021-12-03T12:12:00+09:00"),
        ("12/02/2024, 14:30 WIB", "2024-02-12T14:30:00+07:00"),
        ("Kompas.com - 19/01/2022, 14:30 WIB", "2022-01-19T14:30:00+07:00"),
        ("22 Januari 2022 | 14.00 WIB", "2022-01-22T14:00:00+07:00"),
        ("diperbarui 03 Feb 2022, 08:03 WIB", "2022-02-03T08:03:00+07:00"),
        ("Rabu, 14 Agt 2024 16:40 wib", "2024-08-14T16:40:00+07:00"),
        ("Kamis, 5 Nopember 2015 14:56 WIB", "2015-11-05T14:56:00+07:00"),
        ("Jum'at, 19 Juni 2015 - 11:58 WIB", "2015-06-19T11:58:00+07:00"),
        ("Mei 7, 2023 08:00", "2023-05-07T08:00:00+07:00"),
    ],
)
def test_indonesian_day_and_month_names_with_zone(text: str, expected: str) -> None:
    assert iso(text) == expected


def test_wib_wita_wit_map_to_their_offsets() -> None:
    for zone, hours in (("WIB", 7), ("WITA", 8), ("WIT", 9)):
        dt = parse_indonesian_datetime(f"1 Maret 2024 10:00 {zone}", "Asia/Jakarta")
        assert dt is not None and dt.utcoffset() == timedelta(hours=hours)


def test_iso_strings_keep_their_offset() -> None:
    assert iso("2024-02-12T14:30:00+07:00") == "2024-02-12T14:30:00+07:00"
    assert iso("2024-02-12T07:30:00Z") == "2024-02-12T07:30:00+00:00"
    assert iso("2015-06-19T07:36:00+0700") == "2015-06-19T07:36:00+07:00"


def test_year_first_meta_value_without_zone_gets_the_default_zone() -> None:
    assert iso("2021/12/03 10:12:00") == "2021-12-03T10:12:00+07:00"


def test_value_without_zone_takes_the_outlet_zone() -> None:
    assert iso("12/02/2024 14:30", "Asia/Makassar") == "2024-02-12T14:30:00+08:00"
    assert iso("12/02/2024 14:30", "Asia/Jayapura") == "2024-02-12T14:30:00+09:00"


def test_english_date_with_am_pm() -> None:
    assert iso("Fri, June 19 2015, 7:36 PM") == "2015-06-19T19:36:00+07:00"


def test_unknown_zone_name_falls_back_to_wib() -> None:
    assert iso("12/02/2024 14:30", "Not/AZone") == "2024-02-12T14:30:00+07:00"


@pytest.mark.parametrize("text", ["", "   ", "tanpa tanggal", "32 Januari 2024", "2024-13-40", "99:99 WIB"])
def test_unreadable_text_gives_none(text: str) -> None:
    assert parse_indonesian_datetime(text, "Asia/Jakarta") is None


@settings(max_examples=500, deadline=None)
@given(st.text(), st.sampled_from(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura", "", "bogus"]))
def test_parsing_never_raises_and_is_always_aware(text: str, tz: str) -> None:
    dt = parse_indonesian_datetime(text, tz)
    assert dt is None or (isinstance(dt, datetime) and dt.utcoffset() is not None)


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(["WIB", "WITA", "WIT"]),
)
def test_formatted_dates_round_trip(value: datetime, zone: str) -> None:
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
              "Oktober", "November", "Desember"]  # fmt: skip
    text = f"Senin, {value.day} {months[value.month - 1]} {value.year} {value:%H:%M} {zone}"
    dt = parse_indonesian_datetime(text, "Asia/Jakarta")
    assert dt is not None
    assert dt.replace(tzinfo=None) == value.replace(second=0, microsecond=0)
    assert dt.utcoffset() == timedelta(hours={"WIB": 7, "WITA": 8, "WIT": 9}[zone])


# --- on pages ---------------------------------------------------------------------------------


def test_page_dated_in_wita_gets_plus_eight() -> None:
    assert extract_page("inbody_id.html")["published"] == "2024-03-05T08:15:00+08:00"


def test_page_dated_in_wit_gets_plus_nine_even_when_meta_has_no_zone() -> None:
    assert extract_page("wit_antara.html")["published"] == "2021-12-03T12:12:00+09:00"


def test_page_without_zone_uses_the_outlet_zone() -> None:
    makassar = extract_page("blogger_nozone.html", hints=OutletHints(timezone="Asia/Makassar"))
    jakarta = extract_page("blogger_nozone.html")
    assert makassar["published"] == "2024-03-10T07:20:00+08:00"
    assert jakarta["published"] == "2024-03-10T07:20:00+07:00"


def test_json_ld_dates_give_published_and_modified() -> None:
    record = extract_page("boilerplate_id.html")
    assert record["published"] == "2024-02-12T14:30:00+07:00"
    assert record["modified"] == "2024-02-12T16:05:00+07:00"


def test_utc_machine_date_is_shown_in_the_page_zone() -> None:
    page = (
        "<html><head><meta property='article:published_time' content='2024-02-12T07:30:00Z'></head>"
        "<body><h1>Judul Berita Tentang Banjir</h1><div class='date'>Senin, 12 Feb 2024 14:30 WIB</div>"
        "<article><p>"
        + "Banjir merendam ratusan rumah warga di pinggir sungai sejak pagi hari. " * 5
        + "</p></article></body></html>"
    )
    from extract import extract_article

    record = extract_article(page, "https://fixtures.test/utc")
    assert record is not None and record["published"] == "2024-02-12T14:30:00+07:00"
