"""`kliping check` and `kliping upload`: one line per problem, exit 2."""

from __future__ import annotations

from pathlib import Path

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
    assert lines[0] == "KLIPING_TEXT_FORMATS: unknown format(s) csv (known: jsonl, parquet)"
    assert lines[1].startswith(f"{outlets / 'rusak.toml'}: not valid TOML")
    assert lines[2] == f"S3 endpoint {moto.endpoint} bucket 'no-such-bucket': bucket does not exist"
    assert len(lines) == 3


def test_upload_with_local_output_has_nothing_to_do(kliping: Kliping) -> None:
    result = kliping("upload")
    assert result.code == 0
    assert result.stderr == "output data is local: nothing to upload\n"
