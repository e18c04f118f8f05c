"""The destination policy: which addresses and hosts the crawler refuses, in every spelling."""

from __future__ import annotations

import ipaddress

import pytest

from cli.runner import project_settings
from fetch.destinations import (
    AllowlistError,
    DestinationPolicy,
    ip_literal,
    parse_ipv4,
)
from fetch.guard import guard_problem, policy_from_settings

DEFAULT = DestinationPolicy()


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0x7F000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("169.254.169.254.", "169.254.169.254"),
        ("0xa9.0xfe.0xa9.0xfe", "169.254.169.254"),
        ("2852039166", "169.254.169.254"),
        ("012.0.0.5", "10.0.0.5"),
    ],
)
def test_every_ipv4_spelling_is_read_as_the_address_it_stands_for(host: str, address: str) -> None:
    assert parse_ipv4(host) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize("host", ["1.2.3.999", "1.2.3.4.5", "08.0.0.1", "0x1g.1", "4294967296"])
def test_a_host_ending_in_a_number_that_is_no_address_is_ambiguous(host: str) -> None:
    with pytest.raises(ValueError, match=r"no IP address|not an octal number"):
        parse_ipv4(host)
    refusal = DEFAULT.check_host(host)
    assert refusal is not None and refusal.reason.startswith("ambiguous")


@pytest.mark.parametrize(
    "host", ["www.kompas.com", "detik.com", "example.id", "1a.example", "xn--bcher-kva.example"]
)
def test_names_are_left_to_dns(host: str) -> None:
    assert ip_literal(host) is None
    assert DEFAULT.check_host(host) is None


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/iam/security-credentials/", "link-local (cloud metadata)"),
        ("http://10.0.0.5/", "private"),
        ("http://172.16.3.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://100.100.100.200/", "shared (carrier-grade NAT)"),
        ("http://127.0.0.1:8080/admin", "loopback"),
        ("http://127.0.0.2/", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://224.0.0.1/", "multicast"),
        ("http://255.255.255.255/", "reserved"),
        ("http://192.0.2.1/", "reserved (documentation)"),
        ("http://2130706433/", "loopback"),
        ("http://0177.0.0.1/", "loopback"),
        ("http://0x7f.1/", "loopback"),
        ("http://[::1]/", "loopback"),
        ("http://[::]/", "unspecified"),
        ("http://[fd00:ec2::254]/", "private (unique local)"),
        ("http://[fe80::1%25eth0]/", "link-local"),
        ("http://[ff02::1]/", "multicast"),
        ("http://[::ffff:169.254.169.254]/", "link-local (cloud metadata)"),
        ("http://[::ffff:7f00:1]/", "loopback"),
        ("http://[64:ff9b::a9fe:a9fe]/", "link-local (cloud metadata)"),
        ("http://[2002:a00:5::1]/", "private"),
        ("http://[2001:db8::1]/", "reserved (documentation)"),
        ("http://[100::1]/", "reserved"),
        ("http://localhost/", "loopback (localhost)"),
        ("http://admin.localhost:9000/", "loopback (localhost)"),
        ("http://metadata.google.internal/computeMetadata/v1/", "local name (.internal)"),
        ("http://printer.local/", "local name (mDNS)"),
        ("http://metadata/", "a one-label name (resolved locally)"),
        ("http://%31%32%37.0.0.1/", "loopback"),
        ("http://１２７.０.０.１/", "loopback"),
    ],
)
def test_internal_destinations_are_refused_by_default(url: str, reason: str) -> None:
    refusal = DEFAULT.check_url(url)
    assert refusal is not None, url
    assert refusal.reason == reason


@pytest.mark.parametrize(
    "url",
    [
        "https://www.kompas.com/read/1",
        "http://8.8.8.8/",
        "http://[2606:4700::1111]/",
        "http://[::ffff:8.8.8.8]/",
        "http://[64:ff9b::808:808]/",
        "http://3.3.3.3./x",
    ],
)
def test_public_destinations_pass(url: str) -> None:
    assert DEFAULT.check_url(url) is None


def test_a_mapped_address_is_shown_with_the_ipv4_inside() -> None:
    refusal = DEFAULT.check_url("http://[::ffff:169.254.169.254]/")
    assert refusal is not None
    assert str(refusal) == "::ffff:a9fe:a9fe (169.254.169.254) is link-local (cloud metadata)"


def test_the_allowlist_lets_a_cidr_an_address_and_named_hosts_through() -> None:
    policy = DestinationPolicy.from_setting(["10.20.0.0/16", "127.0.0.1", "::1", "wiki", "*.corp.example"])
    assert policy.check_address("10.20.3.4") is None
    assert policy.check_address("10.21.0.1") is not None
    assert policy.check_url("http://127.0.0.1:8080/") is None
    assert policy.check_url("http://127.0.0.2/") is not None
    assert policy.check_url("http://[::1]/") is None
    assert policy.check_url("http://[::ffff:127.0.0.1]/") is None
    assert policy.check_url("http://localhost/") is None  # loopback allowed: localhost too
    assert policy.check_url("http://wiki/") is None
    assert policy.check_address("192.168.1.9", host="news.corp.example") is None
    assert policy.check_address("192.168.1.9", host="corp.example.evil") is not None
    assert policy.check_address("169.254.169.254", host="news.example") is not None


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("10.0.0.0/33", "neither a CIDR"),
        ("http://intranet/", "neither a CIDR"),
        ("0177.0.0.1", "unusual IP spelling"),
        ("not a host", "neither a CIDR"),
    ],
)
def test_a_bad_allowlist_entry_is_named(entry: str, problem: str) -> None:
    with pytest.raises(AllowlistError, match=problem):
        DestinationPolicy.from_setting([entry])


def test_the_default_install_blocks_the_metadata_address_with_no_setting_changed() -> None:
    settings = project_settings()
    assert guard_problem(settings) is None
    assert settings.getlist("KLIPING_ALLOWED_DESTINATIONS") == []
    assert settings["TWISTED_DNS_RESOLVER"] == "fetch.guard.GuardedResolver"
    assert "fetch.guard.DestinationGuard" in settings.getdict("DOWNLOADER_MIDDLEWARES")
    policy = policy_from_settings(settings)
    assert policy.check_url("http://169.254.169.254/latest/meta-data/") is not None
    assert policy.check_address("169.254.169.254", host="any.example") is not None


def test_another_resolver_is_a_problem_the_guard_names() -> None:
    settings = project_settings({"TWISTED_DNS_RESOLVER": "scrapy.resolver.CachingThreadedResolver"})
    assert "does not check addresses after DNS" in (guard_problem(settings) or "")
    settings = project_settings({"KLIPING_ALLOWED_DESTINATIONS": "10.0.0.0/99"})
    assert (guard_problem(settings) or "").startswith("setting KLIPING_ALLOWED_DESTINATIONS: '10.0.0.0/99'")
