"""Manifest and faults-file parsing, URL normalisation and lookup order."""

from __future__ import annotations

from pathlib import Path

import pytest

from replayweb import FaultsError, ManifestError, normalize_url, read_faults, read_manifest
from replayweb.config import url_candidates

HEADER = "path\turl\toutlet\tkind\tsource\tlicence\n"


def write_manifest(tmp_path: Path, rows: str, files: dict[str, bytes] | None = None) -> Path:
    for name, data in (files or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    manifest = tmp_path / "MANIFEST.tsv"
    manifest.write_text(HEADER + rows, encoding="utf-8")
    return manifest


def test_normalize_url_lowercases_host_and_drops_default_port_and_fragment() -> None:
    assert (
        normalize_url("HTTPS://WWW.Kompas.com:443/Read/1?page=2#top")
        == "https://www.kompas.com/Read/1?page=2"
    )
    assert normalize_url("http://detik.com") == "http://detik.com/"
    assert normalize_url("http://detik.com:8080/x") == "http://detik.com:8080/x"


def test_normalize_url_rejects_non_http() -> None:
    with pytest.raises(ValueError):
        normalize_url("ftp://x/y")
    with pytest.raises(ValueError):
        normalize_url("/relative/path")


def test_url_candidates_order_exact_then_scheme_then_slash() -> None:
    assert list(url_candidates("https://a.id/b?x=1")) == [
        "https://a.id/b?x=1",
        "http://a.id/b?x=1",
        "https://a.id/b/?x=1",
        "http://a.id/b/?x=1",
    ]
    assert list(url_candidates("http://a.id/")) == ["http://a.id/", "https://a.id/"]


def test_read_manifest_resolves_paths_relative_to_manifest(tmp_path: Path) -> None:
    manifest = write_manifest(
        tmp_path, "o/a.html\thttps://o.id/a\to\tarticle\tx\ty\n", {"o/a.html": b"<html></html>"}
    )
    (entry,) = read_manifest(manifest)
    assert entry.url == "https://o.id/a"
    assert entry.path == tmp_path / "o" / "a.html"
    assert entry.line == 2


def test_read_manifest_missing_columns_names_header_line(tmp_path: Path) -> None:
    manifest = tmp_path / "m.tsv"
    manifest.write_text("file,address\na.html,https://o.id/a\n")
    with pytest.raises(ManifestError, match=r"m\.tsv:1: header row lacks column"):
        read_manifest(manifest)


def test_read_manifest_missing_file_names_line(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, "gone.html\thttps://o.id/a\to\tarticle\tx\ty\n")
    with pytest.raises(ManifestError, match=r"MANIFEST\.tsv:2: file not found: gone\.html"):
        read_manifest(manifest)


def test_read_manifest_bad_url_names_line(tmp_path: Path) -> None:
    manifest = write_manifest(tmp_path, "a.html\tnot-a-url\to\tarticle\tx\ty\n", {"a.html": b""})
    with pytest.raises(ManifestError, match=r"MANIFEST\.tsv:2: not an http\(s\) URL"):
        read_manifest(manifest)


def test_read_manifest_too_many_fields_names_line(tmp_path: Path) -> None:
    rows = "a.html\thttps://o.id/a\to\tarticle\tx\ty\n" + "a.html\thttps://o.id/b\to\tarticle\tx\ty\tz\n"
    manifest = write_manifest(tmp_path, rows, {"a.html": b""})
    with pytest.raises(ManifestError, match=r"MANIFEST\.tsv:3: expected 6 tab-separated fields, got 7"):
        read_manifest(manifest)


def test_read_manifest_missing_manifest_is_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no such manifest file"):
        read_manifest(tmp_path / "nope.tsv")


def test_read_faults_json(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text(
        '[{"url": "https://o.id/a", "status": 503, "times": 2}, {"url": "http://o.id/b", "delay": 1}]'
    )
    (url_a, fault_a), (url_b, fault_b) = read_faults(path)
    assert (url_a, fault_a.status, fault_a.times) == ("https://o.id/a", 503, 2)
    assert (url_b, fault_b.delay) == ("http://o.id/b", 1.0)


def test_read_faults_tsv(tmp_path: Path) -> None:
    path = tmp_path / "faults.tsv"
    path.write_text(
        "url\tstatus\ttimes\tredirect\nhttps://o.id/a\t500\t1\t\nhttps://o.id/b\t\t\thttps://o.id/a\n"
    )
    (_, fault_a), (_, fault_b) = read_faults(path)
    assert (fault_a.status, fault_a.times, fault_a.redirect) == (500, 1, None)
    assert (fault_b.status, fault_b.redirect) == (None, "https://o.id/a")


def test_read_faults_bad_value_names_line(tmp_path: Path) -> None:
    path = tmp_path / "faults.tsv"
    path.write_text("url\tstatus\nhttps://o.id/a\tfive hundred\n")
    with pytest.raises(FaultsError, match=r"faults\.tsv:2: https://o\.id/a"):
        read_faults(path)


def test_read_faults_unknown_field_is_error(tmp_path: Path) -> None:
    path = tmp_path / "faults.json"
    path.write_text('{"https://o.id/a": {"stauts": 500}}')
    with pytest.raises(FaultsError, match="unknown field"):
        read_faults(path)
