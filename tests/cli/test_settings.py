"""Settings: one typed model, read from the command line and the environment, checked once.

Precedence is ``-s``, then the environment, then the settings module, then the defaults; every bad
value is one line and exit code 2; secrets never reach a command line or a printed line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.runner import project_settings
from settings.check import apply_checked, check_settings, check_values
from settings.environ import environment_settings
from tests.conftest import REPO, Kliping

SECRET = "s3cr3t-do-not-show"


# --- the model: real types, bounds, one line per problem ----------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "KLIPING_EXTRACT_WORKERS",
            "-3",
            "setting KLIPING_EXTRACT_WORKERS: '-3' is out of range (must be at least 0)",
        ),
        (
            "LOG_LEVEL",
            "LOUD",
            "setting LOG_LEVEL: 'LOUD' is not one of CRITICAL, ERROR, WARNING, INFO or DEBUG",
        ),
        (
            "KLIPING_WARC_MAX_SIZE",
            "0",
            "setting KLIPING_WARC_MAX_SIZE: '0' is out of range (must be greater than 0)",
        ),
        (
            "KLIPING_WARC_MAX_SIZE",
            "-5",
            "setting KLIPING_WARC_MAX_SIZE: '-5' is out of range (must be greater than 0)",
        ),
        ("CONCURRENT_REQUESTS", "0", "setting CONCURRENT_REQUESTS: '0' is out of range (must be at least 1)"),
        (
            "KLIPING_TEXT_BATCH_ITEMS",
            "-1",
            "setting KLIPING_TEXT_BATCH_ITEMS: '-1' is out of range (must be at least 0)",
        ),
        (
            "KLIPING_SHUTDOWN_TIMEOUT",
            "-1",
            "setting KLIPING_SHUTDOWN_TIMEOUT: '-1' is out of range (must be at least 0)",
        ),
        (
            "KLIPING_PROGRESS_BAR",
            "sometimes",
            "setting KLIPING_PROGRESS_BAR: 'sometimes' is not one of auto, on or off",
        ),
        (
            "KLIPING_EXTRACT_DEFAULT_TIMEZONE",
            "Mars/Olympus",
            "setting KLIPING_EXTRACT_DEFAULT_TIMEZONE: 'Mars/Olympus' is not a known time zone"
            " (use an IANA name such as Asia/Jakarta)",
        ),
        (
            "KLIPING_PROXY",
            "not a url",
            "setting KLIPING_PROXY: 'not a url' is not an http:// or https:// URL with a host",
        ),
        (
            "KLIPING_TEXT_FORMATS",
            "jsonl,xml",
            "setting KLIPING_TEXT_FORMATS: 'jsonl,xml' has 'xml', which is not one of jsonl or parquet",
        ),
        (
            "KLIPING_WARC_MAXSIZE",
            "1",
            "unknown setting KLIPING_WARC_MAXSIZE (did you mean KLIPING_WARC_MAX_SIZE? see docs/settings.md)",
        ),
    ],
)
def test_a_bad_value_is_one_line_naming_the_setting(name: str, value: str, line: str) -> None:
    assert check_values({name: value}).problems == [line]


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("DOWNLOAD_DELAY", "0.25", 0.25),
        ("KLIPING_STORE_CHECK", "off", False),
        ("KLIPING_WARC_ENABLED", "True", True),
        ("KLIPING_TEXT_FORMATS", '["parquet"]', ["parquet"]),
        ("KLIPING_TEXT_FORMATS", "JSONL, parquet", ["jsonl", "parquet"]),
        ("KLIPING_STORES", '{"s3": null}', {"s3": None}),
        ("KLIPING_PROGRESS_INTERVAL", "2", 2.0),
        ("LOG_LEVEL", "info", "INFO"),
        ("KLIPING_EXTRACT_MIN_TEXT_CHARS", "50", 50),
    ],
)
def test_text_is_parsed_into_the_real_type(name: str, text: str, value: object) -> None:
    checked = check_values({name: text})
    assert checked.problems == []
    assert checked.values[name] == value
    assert type(checked.values[name]) is type(value)


def test_components_read_the_parsed_values() -> None:
    settings = project_settings({"KLIPING_STORE_CHECK": "off", "DOWNLOAD_DELAY": "0.25"}, environment=False)
    checked = check_settings(settings)
    assert checked.problems == []
    apply_checked(settings, checked)
    assert settings.getbool("KLIPING_STORE_CHECK") is False  # Scrapy's getbool alone refuses "off"
    assert settings.getfloat("DOWNLOAD_DELAY") == 0.25
    assert settings.getpriority("KLIPING_STORE_CHECK") == 40  # still the command line's


# --- the environment and the precedence ---------------------------------------------------------


def test_the_environment_sets_kliping_and_scrapy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLIPING_OUTPUT", "/srv/out")
    monkeypatch.setenv("KLIPING_SCRAPY_CONCURRENT_REQUESTS", "7")
    settings = project_settings()
    assert settings.get("KLIPING_OUTPUT") == "/srv/out"
    assert settings.getint("CONCURRENT_REQUESTS") == 7  # over the settings module's 32


def test_the_command_line_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLIPING_OUTPUT", "/srv/out")
    monkeypatch.setenv("KLIPING_SCRAPY_CONCURRENT_REQUESTS", "7")
    settings = project_settings({"KLIPING_OUTPUT": "/cmd/out", "CONCURRENT_REQUESTS": "9"})
    assert settings.get("KLIPING_OUTPUT") == "/cmd/out"
    assert settings.get("CONCURRENT_REQUESTS") == "9"


def test_without_environment_or_command_line_the_module_and_defaults_hold() -> None:
    settings = project_settings(environment=False)
    assert settings.getint("CONCURRENT_REQUESTS") == 32  # settings/__init__.py
    assert settings.get("KLIPING_OUTPUT") == "data"  # settings/model.py


def test_a_secret_comes_from_a_file_or_systemd_credentials(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text(SECRET + "\n", encoding="utf-8")
    found = environment_settings({"KLIPING_S3_SECRET_ACCESS_KEY_FILE": str(tmp_path / "secret")})
    assert found.values == {"KLIPING_S3_SECRET_ACCESS_KEY": SECRET}
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "KLIPING_S3_SESSION_TOKEN").write_text("token", encoding="utf-8")
    found = environment_settings({"CREDENTIALS_DIRECTORY": str(creds)})
    assert found.values == {"KLIPING_S3_SESSION_TOKEN": "token"}


def test_an_unreadable_secret_file_is_a_problem_that_names_the_variable(tmp_path: Path) -> None:
    found = environment_settings({"KLIPING_S3_SECRET_ACCESS_KEY_FILE": str(tmp_path / "missing")})
    assert found.values == {}
    assert found.problems == [
        f"environment: KLIPING_S3_SECRET_ACCESS_KEY_FILE: cannot read {tmp_path / 'missing'}"
        " (No such file or directory)"
    ]


def test_an_unknown_kliping_variable_is_a_warning_and_the_corpus_is_no_setting() -> None:
    found = environment_settings({"KLIPING_OUPUT": "/x", "KLIPING_CORPUS": "/corpus", "HOME": "/root"})
    assert found.values == {}
    assert found.warnings == [
        "environment: KLIPING_OUPUT is not a kliping setting (ignored; see docs/settings.md)"
    ]


# --- end to end: the commands -------------------------------------------------------------------


def test_check_reads_the_output_and_outlet_dirs_from_the_environment(
    kliping: Kliping, tmp_path: Path
) -> None:
    env_out = tmp_path / "env-out"
    outlets = tmp_path / "outlets"
    outlets.mkdir()
    (outlets / "contoh.toml").write_text('name = "contoh"\nhosts = []\n', encoding="utf-8")
    os.environ["KLIPING_OUTPUT"] = str(env_out)
    os.environ["KLIPING_OUTLETS_DIRS"] = str(outlets)
    check = kliping("outlets", "--check")
    assert check.code == 2
    assert check.stderr.splitlines()[0].startswith(f"{outlets / 'contoh.toml'}: hosts: ")
    (outlets / "contoh.toml").unlink()
    check = kliping("check")
    assert check.code == 0, check.stderr
    assert check.stderr.strip() == f"ok: settings valid, 14 outlet(s), output {env_out} writable"


def test_every_bad_setting_of_a_run_is_its_own_line_and_exit_2(kliping: Kliping) -> None:
    os.environ["KLIPING_PROGRESS_BAR"] = "sometimes"
    result = kliping(
        "crawl",
        "--proxy",
        "not a url",
        "-s",
        "KLIPING_EXTRACT_WORKERS=-3",
        "-s",
        "LOG_LEVEL=LOUD",
        "-s",
        "DOWNLOAD_DELAY=0.25",
    )
    assert result.code == 2
    assert result.stderr.splitlines() == [
        "kliping crawl: setting KLIPING_EXTRACT_WORKERS: '-3' is out of range (must be at least 0)",
        "kliping crawl: setting KLIPING_PROGRESS_BAR: 'sometimes' is not one of auto, on or off",
        "kliping crawl: setting KLIPING_PROXY: 'not a url' is not an http:// or https:// URL with a host",
        "kliping crawl: setting LOG_LEVEL: 'LOUD' is not one of CRITICAL, ERROR, WARNING, INFO or DEBUG",
    ]


def test_a_secret_on_the_command_line_is_refused_and_never_shown(kliping: Kliping) -> None:
    result = kliping(
        "check", "-s", f"KLIPING_S3_SECRET_ACCESS_KEY={SECRET}", "-s", "KLIPING_WARC_ENABLED=maybe"
    )
    assert result.code == 2
    assert SECRET not in result.stderr + result.stdout
    assert result.stderr.splitlines()[-1].startswith(
        "setting KLIPING_S3_SECRET_ACCESS_KEY: a secret is not taken from the command line"
    )


def test_a_password_in_a_url_on_the_command_line_is_refused_and_never_shown(kliping: Kliping) -> None:
    result = kliping("crawl", "--state", "redis://:hunter2-pass@127.0.0.1:9/0")
    assert result.code == 2
    assert "hunter2-pass" not in result.stderr + result.stdout
    assert result.stderr.splitlines() == [
        "kliping crawl: setting KLIPING_STATE: 'redis://***@127.0.0.1:9/0' holds a password, which is "
        "not taken from the command line (ps and logs show it); set KLIPING_STATE in the environment "
        "(docs/settings.md#secrets)"
    ]


def test_a_non_utf8_outlet_file_is_one_line_naming_it(kliping: Kliping) -> None:
    (kliping.cwd / "outlets").mkdir()
    (kliping.cwd / "outlets" / "kafe.toml").write_bytes(b'name = "kafe"\nhosts = ["caf\xe9.example"]\n')
    result = kliping("crawl", "kafe", "-s", "KLIPING_OUTLETS_DIRS=outlets")
    assert result.code == 2
    assert result.stderr.splitlines() == [
        "kliping crawl: outlets/kafe.toml: not UTF-8 text (byte 27); TOML files are UTF-8"
    ]


def scrapy(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrapy", *args],
        cwd=cwd,
        env={**os.environ, "SCRAPY_SETTINGS_MODULE": "settings", "PYTHONPATH": str(REPO), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_scrapy_crawl_checks_settings_and_refuses_a_secret_as_scrapyd_would_pass_it(tmp_path: Path) -> None:
    (tmp_path / "links.txt").write_text("https://www.kabarcontoh.id/a\n", encoding="utf-8")
    bad = scrapy(tmp_path, "crawl", "urls", "-a", "file=links.txt", env={"KLIPING_EXTRACT_WORKERS": "-3"})
    assert bad.returncode == 2
    assert bad.stderr.splitlines() == [
        "kliping: setting KLIPING_EXTRACT_WORKERS: '-3' is out of range (must be at least 0)"
    ]
    secret = scrapy(
        tmp_path,
        "crawl",
        "urls",
        "-a",
        "file=links.txt",
        "-s",
        f"KLIPING_S3_SECRET_ACCESS_KEY={SECRET}",
        env={},
    )
    assert secret.returncode == 2
    assert SECRET not in secret.stderr + secret.stdout
    assert "a secret is not taken from the command line" in secret.stderr
