"""No credential in anything a crawl leaves behind: WARCs, text, logs, summary, process arguments.

One crawl holds three kinds of credential, each given the way docs/security.md says (never on
the command line): S3 keys in boto3's environment variables, a proxy user and password in
``https_proxy``/``http_proxy``, and a site token an operator's settings module sends as an
``Authorization`` header. The crawl writes to S3 (moto) through the replay web as its proxy,
logs at DEBUG, and is paused on one article while the arguments of its whole process tree are
read. Then every byte it produced is searched for each credential, as sent and base64-encoded.
"""

from __future__ import annotations

import base64
import gzip
import os
import subprocess
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, REPO, site_page
from tests.holds import AnswerHold
from tests.stores.moto import ACCESS_KEY, SECRET_KEY, MotoServer, moto_server, s3_environment, store_settings

ARTICLE = "https://www.kabarcontoh.id/berita/2024/03/05/102/banjir-rendam-ratusan-rumah-di-makassar"
PROXY_USER = "kliping-proxy-user"
PROXY_PASSWORD = "proxy-pass-7d41c0e2"
SITE_TOKEN = "site-token-5be0a9f3c2"
SESSION_TOKEN = "session-token-31aa7e90"
SECRETS = {
    "S3 secret key": SECRET_KEY,
    "S3 access key": ACCESS_KEY,
    "S3 session token": SESSION_TOKEN,
    "proxy password": PROXY_PASSWORD,
    "proxy credentials (base64)": base64.b64encode(f"{PROXY_USER}:{PROXY_PASSWORD}".encode()).decode(),
    "site token": SITE_TOKEN,
}


@dataclass
class SecretCrawl:
    cwd: Path
    code: int
    stdout: str
    stderr: str
    arguments: list[str]
    objects: dict[str, bytes]


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it, from /proc."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def arguments_of(pids: list[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            out.append((Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return out


def s3_objects(server: MotoServer, bucket: str) -> dict[str, bytes]:
    client = server.client()
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: client.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


@pytest.fixture(scope="module")
def secret_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecretCrawl]:
    cwd = tmp_path_factory.mktemp("secrets")
    with moto_server() as server, ReplayWeb([FIXTURE_SITE]) as web:
        bucket = "kliping-secrets"
        server.client().create_bucket(Bucket=bucket)
        proxy = f"http://{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1:{web.port}"
        env = {
            **os.environ,
            **s3_environment(),
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "http_proxy": proxy,
            "https_proxy": proxy,
            "no_proxy": "127.0.0.1",  # boto3 reaches moto directly; the crawl goes through the proxy
            "KLIPING_TEST_SITE_TOKEN": SITE_TOKEN,
            "SCRAPY_SETTINGS_MODULE": "tests.security.secret_settings",
            "PYTHONPATH": str(REPO),
            "PYTHONWARNINGS": "ignore",
        }
        settings = store_settings(server, "")
        args = [f"{name}={value}" for name, value in settings.items() if name.startswith("KLIPING_S3_")]
        command = [
            sys.executable,
            "-m",
            "cli",
            "crawl",
            "kabarcontoh",
            "--output",
            f"s3://{bucket}/news",
            *(part for arg in args for part in ("-s", arg)),
            "-s",
            f"KLIPING_OUTLETS_DIRS={FIXTURE_OUTLETS}",
            "-s",
            "AUTOTHROTTLE_ENABLED=0",
            "-s",
            "LOG_LEVEL=DEBUG",
        ]
        with AnswerHold(web, {ARTICLE: site_page(ARTICLE)}) as hold:
            proc = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            try:
                hold.wait_held("the crawl to ask for an article", proc)
                arguments = arguments_of(process_tree(proc.pid))
                hold.release()
                stdout, stderr = proc.communicate(timeout=240)
            finally:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        yield SecretCrawl(cwd, proc.returncode, stdout, stderr, arguments, s3_objects(server, bucket))


def readable(data: bytes) -> bytes:
    """``data`` and, for gzip (a WARC is a series of gzip members), its decompressed content."""
    if not data.startswith(b"\x1f\x8b"):
        return data
    out, rest = b"", data
    while rest.startswith(b"\x1f\x8b"):
        inflater = zlib.decompressobj(zlib.MAX_WBITS + 16)
        out += inflater.decompress(rest)
        rest = inflater.unused_data
    return data + out


def test_the_crawl_used_every_credential(secret_crawl: SecretCrawl) -> None:
    assert secret_crawl.code == 0, secret_crawl.stderr
    kinds = {key.split("/")[1] for key in secret_crawl.objects}
    assert {"warc", "text", "runs"} <= kinds  # S3 took the uploads: its keys were used
    warcs = b"".join(readable(body) for key, body in secret_crawl.objects.items() if key.endswith(".warc.gz"))
    # Requests went through the proxy (from https_proxy), with the operator's settings module's
    # headers, the Authorization header among them.
    assert b"WARC-Target-URI: https://www.kabarcontoh.id/" in warcs
    assert b"Accept-Language: id,en;q=0.8" in warcs


@pytest.mark.parametrize("what", sorted(SECRETS))
def test_no_credential_is_in_any_output_of_the_crawl(secret_crawl: SecretCrawl, what: str) -> None:
    secret = SECRETS[what].encode()
    outputs: dict[str, bytes] = {
        "stdout": secret_crawl.stdout.encode(),
        "stderr (the log, at DEBUG)": secret_crawl.stderr.encode(),
    }
    outputs |= {f"s3://{key}": readable(body) for key, body in secret_crawl.objects.items()}
    for path in secret_crawl.cwd.rglob("*"):
        if path.is_file():
            outputs[str(path.relative_to(secret_crawl.cwd))] = readable(path.read_bytes())
    assert any(name.endswith("summary.json") for name in outputs)
    leaks = [name for name, data in outputs.items() if secret in data]
    assert leaks == [], f"{what} found in {leaks}"


@pytest.mark.parametrize("what", sorted(SECRETS))
def test_no_credential_is_in_the_arguments_of_any_crawl_process(secret_crawl: SecretCrawl, what: str) -> None:
    assert len(secret_crawl.arguments) >= 2  # the crawl and its extraction workers
    assert not [args for args in secret_crawl.arguments if SECRETS[what] in args]


def test_the_request_records_hold_no_authorization_header(secret_crawl: SecretCrawl) -> None:
    for key, body in secret_crawl.objects.items():
        if key.endswith(".warc.gz"):
            text = gzip.decompress(body)
            assert b"WARC-Type: request" in text
            assert b"\r\nAuthorization:" not in text and b"\r\nProxy-Authorization:" not in text
