"""One URL per story: tracking parameters, AMP and mobile variants and feed redirects map to it."""

from __future__ import annotations

from fetch.canonical import canonical_url, with_query
from settings.outlets import load_outlets

OUTLETS = load_outlets()
STORY = "https://www.tribunnews.com/internasional/2022/01/22/menlu-as-bilang-rusia-punya-dua-opsi"


def test_tracking_parameters_and_fragments_are_removed() -> None:
    assert canonical_url(STORY + "?utm_source=rss&utm_medium=feed&fbclid=abc#comments") == STORY


def test_parameters_that_name_the_story_are_kept() -> None:
    assert canonical_url("https://x.id/read?id=5&utm_campaign=a") == "https://x.id/read?id=5"


def test_amp_variants_map_to_the_page() -> None:
    rules = OUTLETS["tribunnews"].canonical
    assert canonical_url(STORY.replace(".com/", ".com/amp/"), rules) == STORY
    detik = "https://news.detik.com/internasional/d-5838765/menlu-as-bertemu-menlu-rusia"
    assert canonical_url(detik + "/amp", OUTLETS["detik"].canonical) == detik
    assert canonical_url(STORY + "?amp=1") == STORY


def test_page_variants_are_the_same_story() -> None:
    rules = OUTLETS["kompas"].canonical
    assert canonical_url(STORY + "?page=all", rules) == STORY
    assert canonical_url(STORY + "?page=2", rules) == STORY


def test_mobile_hosts_map_to_the_canonical_host() -> None:
    rules = OUTLETS["detik"].canonical
    mobile = "https://m.detik.com/news/berita/d-7572645/siswa-berkebutuhan-khusus"
    assert canonical_url(mobile, rules) == "https://news.detik.com/berita/d-7572645/siswa-berkebutuhan-khusus"
    blog = "https://kabardunia-terkini.blogspot.com/2021/12/menteri.html"
    assert canonical_url(blog + "?m=1", OUTLETS["blogspot"].canonical) == blog


def test_feedsportal_redirects_are_unwrapped() -> None:
    wrapped = (
        "http://detik.feedsportal.com/c/33613/f/656082/s/4b3f909e/sc/3/l/0Linet0Bdetik0N0Cread0C20A150C110C0A5"
        "0C10A0A0A260C30A626230C3230Cgoogle0Eumbar0Ekelemahan0Egalaxy0Es60Eedge/story01.htm"
    )
    assert canonical_url(wrapped) == (
        "http://inet.detik.com/read/2015/11/05/100026/3062623/323/google-umbar-kelemahan-galaxy-s6-edge"
    )


def test_the_single_page_variant_adds_to_the_query() -> None:
    assert with_query(STORY, "page=all") == STORY + "?page=all"
    assert with_query("https://x.id/a?id=1", "page=all") == "https://x.id/a?id=1&page=all"
