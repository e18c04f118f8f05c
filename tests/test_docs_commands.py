"""Every command line the README and docs/ show runs as shown, in a fixture world.

Each ``kliping ...`` and ``scrapy crawl ...`` line of their ``sh`` blocks, and each such command in
inline code, runs in one working directory, in the order the pages show them, against:
the replay web (the fixture site) as the proxy, a moto S3 holding the buckets the pages name, a
redis-server standing in for ``redis.internal``, and a first scrape so that ``data/`` has runs.
Settings come from the environment (as a unit file would give them), so the lines run verbatim.

A command passes when it exits with the code the docs lead a reader to expect (0 unless listed in
EXPECTED with the reason), prints no traceback and is no usage error; a code 2 is one line naming
the problem.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, REPO, site_articles
from tests.polling import listening, wait_until
from tests.stores.moto import free_port, moto_server, s3_environment

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
COMMAND = re.compile(r"^([A-Z_]+=\S+ )*(kliping|scrapy crawl)( |$)")

#: Commands whose documented outcome is not 0 in this world, and why.
EXPECTED: dict[str, tuple[set[int], str]] = {
    # The replay web serves the fixture outlet only: the built-in outlets' listings answer 404.
    "kliping crawl": ({1}, "built-in outlets' listings are not served"),
    "kliping crawl detik kompas --since 2024-01-01 --max-articles 50": ({1}, "outlets not served"),
    "kliping crawl --output s3://my-bucket/news": ({1}, "built-in outlets not served"),
    "kliping crawl --state redis://redis.internal:6379/0 --output s3://news-archive/kliping": (
        {1},
        "built-in outlets not served",
    ),
    "kliping crawl -s CONCURRENT_REQUESTS_PER_DOMAIN=1 -s KLIPING_CONTACT_URL=https://example.org/crawler": (
        {1},
        "built-in outlets not served",
    ),
    "scrapy crawl outlet -a outlet=detik": ({1}, "detik's listings are not served"),
    "KLIPING_OUTPUT=s3://my-bucket/news kliping crawl": ({1}, "built-in outlets not served"),
    # A run id made up for the example.
    "kliping wacz --run 20260101T120000Z-myhost-1234 --output data -o run.wacz": (
        {2},
        "no such run: one line saying so",
    ),
}


#: A placeholder a reader replaces (WARC, RUN_ID, OUT.jsonl) or a synopsis ([--since D], A|B, ...).
PLACEHOLDER = re.compile(r"[\[\]<>|…]|\.\.\.|(^|\s)[A-Z][A-Z_]*(\.\w+)?(\s|$)")


def shown_commands() -> list[tuple[str, str]]:
    """(page, command) for every command line the pages show, in page order: each line of their
    ``sh`` blocks, and inline code that is a whole command with options (not a command's name)."""
    found: list[tuple[str, str]] = []
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for match in re.finditer(r"```(\w*)\n(.*?)\n```|`([^`]+)`", text, re.S):
            kind, block, inline = match.group(1), match.group(2), match.group(3)
            if inline is not None:
                inline = " ".join(inline.split())
                lines = [inline] if " -" in inline else []
            elif kind in ("sh", "bash"):
                lines = block.replace("\\\n", " ").splitlines()
            else:
                continue
            for line in lines:
                command = re.sub(r"\s+#\s.*$", "", line).strip()
                if COMMAND.match(command) and not PLACEHOLDER.search(command):
                    found.append((page.name, command))
    return list(dict.fromkeys(found))


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed (`make debs` installs it)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path_factory.mktemp("redis"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: listening(port), 20, "redis-server to listen")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, redis_port: int
) -> Iterator[tuple[Path, dict[str, str], int]]:
    cwd = tmp_path_factory.mktemp("docs-world")
    (cwd / "links.txt").write_text("\n".join(site_articles()) + "\n", encoding="utf-8")
    with ReplayWeb([FIXTURE_SITE]) as web, moto_server() as moto:
        for bucket in ("my-bucket", "news-archive"):
            moto.client().create_bucket(Bucket=bucket)
        env = {
            **os.environ,
            **s3_environment(),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "PYTHONWARNINGS": "ignore",
            "SCRAPY_SETTINGS_MODULE": "settings",
            "KLIPING_PROXY": web.proxy_url,
            "KLIPING_OUTLETS_DIRS": str(FIXTURE_OUTLETS),
            "KLIPING_S3_ENDPOINT_URL": moto.endpoint,
            "KLIPING_S3_ADDRESSING_STYLE": "path",
            "KLIPING_SCRAPY_AUTOTHROTTLE_ENABLED": "0",
            "KLIPING_SCRAPY_RETRY_TIMES": "0",
            "KLIPING_EXTRACT_WORKERS": "1",
        }
        # Runs to package and re-extract: one local, one on S3 (the pages read s3://my-bucket/news).
        for output in ("data", "s3://my-bucket/news"):
            done = run(cwd, env, redis_port, f"kliping scrape links.txt --output {output}")
            assert done.returncode == 0, done.stderr
        yield cwd, env, redis_port


def run(cwd: Path, env: dict[str, str], redis_port: int, command: str) -> subprocess.CompletedProcess[str]:
    """``command`` as a shell runs it; the one host name the pages use for Redis is this world's."""
    line = command.replace("redis.internal:6379", f"127.0.0.1:{redis_port}")
    line = re.sub(r"(^|\s)scrapy crawl ", rf"\1{shlex.quote(sys.executable)} -m scrapy crawl ", line)
    return subprocess.run(["sh", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_the_pages_show_commands() -> None:
    commands = [command for _, command in shown_commands()]
    assert "kliping scrape links.txt" in commands
    assert "kliping upload --output s3://my-bucket/news" in commands
    assert len(commands) > 15


@pytest.mark.parametrize(("page", "command"), shown_commands())
def test_a_command_shown_in_the_docs_runs_as_shown(
    world: tuple[Path, dict[str, str], int], page: str, command: str
) -> None:
    cwd, env, redis_port = world
    done = run(cwd, env, redis_port, command)
    allowed, why = EXPECTED.get(command, ({0}, "the docs show it working"))
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output[-3000:]
    assert not re.search(r"^usage: .*\n.*error: ", done.stderr, re.M), f"{page}: {done.stderr}"
    assert done.returncode in allowed, (
        f"{page}: `{command}` exited {done.returncode} ({why}):\n{output[-3000:]}"
    )
    if done.returncode == 2:
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
