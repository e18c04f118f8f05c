"""Credentials are masked in log lines, whichever handler writes them."""

from __future__ import annotations

import io
import logging

import pytest

from monitor.secrets import Redactor, install, mask_userinfo, secret_values


def test_url_credentials_are_masked() -> None:
    assert (
        mask_userinfo("proxy http://user:p4ss@proxy.example:3128/ down")
        == "proxy http://***@proxy.example:3128/ down"
    )
    assert mask_userinfo("redis://:hunter2@127.0.0.1:6379/0") == "redis://***@127.0.0.1:6379/0"
    assert (
        mask_userinfo("mail editor@kabar.id, see https://kabar.id/a@b")
        == "mail editor@kabar.id, see https://kabar.id/a@b"
    )


def test_secret_values_are_masked_longest_first() -> None:
    redact = Redactor()
    redact.add(["abcdef123", "abcdef123456", "short"])
    assert redact("key=abcdef123456 other=abcdef123 word=short") == "key=*** other=*** word=short"


def test_secret_settings_and_environment_are_collected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment-1")
    values = secret_values({"KLIPING_S3_SECRET_ACCESS_KEY": "from-a-setting-2"})
    assert {"from-the-environment-1", "from-a-setting-2"} <= set(values)


def test_every_log_record_is_masked_before_a_handler_sees_it() -> None:
    install(["log-secret-8c1f"])
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("tests.security.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        logger.warning("settings: %(s)s", {"s": {"KLIPING_S3_SECRET_ACCESS_KEY": "log-secret-8c1f"}})
        logger.info("proxy %s", "http://u:log-proxy-pw@proxy:3128")
        try:
            raise ValueError("bad key log-secret-8c1f")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "log-secret-8c1f" not in text and "log-proxy-pw" not in text
    assert "'KLIPING_S3_SECRET_ACCESS_KEY': '***'" in text
    assert "http://***@proxy:3128" in text
    assert "ValueError: bad key ***" in text
