"""Every command has useful --help; `kliping outlets` lists and checks outlet configs."""

from __future__ import annotations

import re

import pytest

from cli.common import EXIT_CODE_MEANINGS
from tests.conftest import FIXTURE_OUTLETS, REPO, Kliping

COMMANDS = {
    "crawl": "OUTLET",
    "scrape": "FILE:LINE: reason",
    "extract": "s3://bucket/key-or-prefix",
    "outlets": "--check",
    "check": "reachable",
    "upload": "store",
    "wacz": "WACZ",
}


def test_the_top_level_help_lists_every_command(kliping: Kliping) -> None:
    result = kliping("--help")
    assert result.code == 0
    for name in COMMANDS:
        assert f"    {name} " in result.stdout
    assert "``" not in result.stdout  # no raw reStructuredText


def test_the_help_names_every_exit_code(kliping: Kliping) -> None:
    for args in (["--help"], ["crawl", "--help"]):
        result = kliping(*args)
        assert result.code == 0
        listed = re.findall(r"^ +(\d+)  \S", result.stdout.split("exit codes", 1)[1], re.M)
        assert [int(code) for code in listed] == list(EXIT_CODE_MEANINGS)


def test_version_names_kliping_and_its_engines(kliping: Kliping) -> None:
    result = kliping("--version")
    assert result.code == 0
    assert re.fullmatch(
        r"kliping \S+ \(Scrapy \S+, Trafilatura \S+, warcio \S+, Python \S+\)\n", result.stdout
    )


def test_the_operating_docs_list_the_same_exit_codes() -> None:
    text = (REPO / "docs" / "operating.md").read_text(encoding="utf-8")
    table = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    assert [int(code) for code in re.findall(r"^\| (\d+) \|", table, re.M)] == list(EXIT_CODE_MEANINGS)


@pytest.mark.parametrize(("command", "mentions"), COMMANDS.items())
def test_each_command_has_help(kliping: Kliping, command: str, mentions: str) -> None:
    result = kliping(command, "--help")
    assert result.code == 0
    assert f"usage: kliping {command}" in result.stdout
    assert mentions in result.stdout.replace("\n", " ").replace("  ", " ")
    assert "NAME=VALUE" in result.stdout and "--debug" in result.stdout


def test_outlets_lists_name_hosts_and_discovery(kliping: Kliping) -> None:
    result = kliping("outlets", "-s", f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}")
    assert result.code == 0
    rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert result.stdout.splitlines()[0].split() == ["OUTLET", "HOSTS", "DISCOVERY"]
    assert "detik.com" in rows["detik"] and "sitemap" in rows["detik"]
    assert "kabarcontoh" in rows


def test_outlets_check_names_every_invalid_file(kliping: Kliping) -> None:
    bad = kliping.cwd / "outlets"
    bad.mkdir()
    (bad / "rusak.toml").write_text(
        'name = "rusak"\nhosts = ["rusak.id"]\narticle_pattern = "("\n', encoding="utf-8"
    )
    (bad / "lain.toml").write_text(
        'name = "beda"\nhosts = ["lain.id"]\narticle_pattern = "/b/"\n', encoding="utf-8"
    )
    result = kliping("outlets", "--check", "-s", "KLIPING_OUTLETS_DIRS=outlets")
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert any(line.startswith("outlets/rusak.toml: article_pattern: ") for line in lines)
    assert "outlets/lain.toml: name: 'beda' does not match the file name 'lain'" in lines
    assert "Traceback" not in result.stderr


def test_outlets_check_passes_on_good_configs(kliping: Kliping) -> None:
    result = kliping("outlets", "--check", "-s", f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}")
    assert result.code == 0, result.stderr
    assert result.stderr.strip().endswith("0 problem(s)")


def test_check_passes_on_a_writable_local_output(kliping: Kliping) -> None:
    result = kliping("check", "--output", "out")
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_upload_with_local_output_has_nothing_to_send(kliping: Kliping) -> None:
    result = kliping("upload")
    assert result.code == 0, result.stderr
    assert "nothing to upload" in result.stderr
