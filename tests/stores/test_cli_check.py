"""`kliping check` and `kliping upload`: one line per problem, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Kliping
from tests.stores.moto import MotoServer, cli_settings


def test_check_passes_for_local_output(kliping: Kliping) -> None:
    result = kliping("check")
    assert result.code == 0, result.stderr
    assert result.stderr.startswith("ok: ")


def test_check_gives_one_line_per_problem(kliping: Kliping, moto: MotoServer, tmp_path: Path) -> None:
    outlets = tmp_path / "outlets"
    outlets.mkdir()
    (outlets / "rusak.toml").write_text("name = [\n")
    result = kliping(
        "check",
        "--output",
        "s3://no-such-bucket/x",
        "-s",
        f"KLIPING_OUTLETS_DIRS={outlets}",
        "-s",
        "KLIPING_TEXT_FORMATS=jsonl,csv",
        *cli_settings(moto),
    )
    assert result.code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == (
        "setting KLIPING_TEXT_FORMATS: 'jsonl,csv' has 'csv', which is not one of jsonl or parquet"
    )
    assert lines[1].startswith(f"{outlets / 'rusak.toml'}: not valid TOML")
    assert lines[2] == f"S3 endpoint {moto.endpoint} bucket 'no-such-bucket': bucket does not exist"
    assert len(lines) == 3


@pytest.mark.parametrize(
    ("setting", "problem"),
    [
        ("KLIPING_TYPO=1", "unknown setting KLIPING_TYPO (see docs/settings.md)"),
        (
            "KLIPING_STORE_CHECK=perhaps",
            "setting KLIPING_STORE_CHECK: 'perhaps' is not a boolean (use 1/0, true/false, yes/no or on/off)",
        ),
        ("KLIPING_S3_VERIFY=md5", "setting KLIPING_S3_VERIFY: 'md5' is not one of etag or size"),
    ],
)
def test_check_rejects_a_bad_setting_as_crawl_does(kliping: Kliping, setting: str, problem: str) -> None:
    check = kliping("check", "-s", setting)
    assert check.code == 2
    assert check.stderr.splitlines() == [problem]
    crawl = kliping("crawl", "-s", setting)
    assert crawl.code == 2
    assert crawl.stderr.splitlines() == [f"kliping crawl: {problem}"]


def test_upload_with_local_output_has_nothing_to_do(kliping: Kliping) -> None:
    result = kliping("upload")
    assert result.code == 0
    assert result.stderr == "output data is local: nothing to upload\n"
