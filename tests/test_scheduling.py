"""The scheduling examples of docs/scheduling.md work as shown.

- The cron line runs as cron runs it (``sh -c``, ``\\%`` unescaped), only the install path
  (/srv/kliping) and /etc/kliping moved into a temporary directory: against a moto S3 and the
  replay web, it creates its log directory, records the exit code, mails (prints) a line only
  when the code calls for attention, answers 75 while another run holds the lock, and prunes old
  logs.
- The systemd units pass ``systemd-analyze verify`` in a root holding their executables, and carry
  the exit policy, the alert and the credentials the docs describe.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from replayweb import ReplayWeb
from tests.conftest import FIXTURE_OUTLETS, FIXTURE_SITE, REPO
from tests.stores.moto import MotoServer, moto_server, s3_environment

DOC = REPO / "docs" / "scheduling.md"


def blocks(kind: str) -> list[tuple[str, str]]:
    """Every fenced ``kind`` block of the page, with the line of text just above it."""
    text = DOC.read_text(encoding="utf-8")
    found = []
    for match in re.finditer(rf"([^\n]*)\n\n```{kind}\n(.*?)\n```", text, re.S):
        found.append((match.group(1), match.group(2)))
    return found


# --- cron ---------------------------------------------------------------------------------------


def crontab() -> tuple[dict[str, str], str]:
    """The crontab's environment lines and its one command, as cron hands it to sh."""
    ((_, text),) = blocks("cron")
    env: dict[str, str] = {}
    command = ""
    for line in text.splitlines():
        if re.match(r"^[A-Z_]+=", line):
            name, _, value = line.partition("=")
            env[name] = value
        elif line.strip() and not line.startswith("#"):
            command = line.split(None, 5)[5].replace("\\%", "%")
    return env, command


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    with moto_server() as server:
        server.client().create_bucket(Bucket="news-archive")
        yield server


def run_cron(tmp: Path, moto: MotoServer, web: ReplayWeb, **more: str) -> subprocess.CompletedProcess[str]:
    env, command = crontab()
    install, etc = tmp / "srv-kliping", tmp / "etc-kliping"
    command = command.replace("/srv/kliping", str(install))
    creds = s3_environment()
    etc.mkdir(exist_ok=True)
    (etc / "aws-credentials").write_text(
        f"[default]\naws_access_key_id = {creds['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {creds['AWS_SECRET_ACCESS_KEY']}\n",
        encoding="utf-8",
    )
    env = {name: value.replace("/etc/kliping", str(etc)) for name, value in env.items()}
    world = {
        # cron's own environment, then the test world: the S3 endpoint, the replay web, one outlet.
        "PATH": os.environ["PATH"],
        "HOME": str(tmp),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "KLIPING_S3_ENDPOINT_URL": moto.endpoint,
        "KLIPING_S3_ADDRESSING_STYLE": "path",
        "KLIPING_PROXY": web.proxy_url,
        "KLIPING_OUTLETS_DIRS": str(FIXTURE_OUTLETS),
        "KLIPING_SCRAPY_AUTOTHROTTLE_ENABLED": "0",
        "KLIPING_EXTRACT_WORKERS": "1",
    }
    return subprocess.run(
        ["sh", "-c", command], env={**world, **more, **env}, capture_output=True, text=True, timeout=600
    )


@pytest.fixture
def install(tmp_path: Path) -> Path:
    install = tmp_path / "srv-kliping"
    install.mkdir()
    (install / ".venv").symlink_to(REPO / ".venv")
    return install


def test_the_cron_line_logs_records_the_exit_code_and_mails_only_failures(
    tmp_path: Path, install: Path, moto: MotoServer
) -> None:
    old = install / "logs" / "crawl-2020-01.log"
    old.parent.mkdir()
    old.write_text("an old month\n", encoding="utf-8")
    aged = time.time() - 200 * 86400
    os.utime(old, (aged, aged))
    with ReplayWeb([FIXTURE_SITE]) as web:
        # The replay web serves only the fixture outlet: the other outlets' listings answer 404.
        # A clean run first (those 404s tolerated), then a failing one (the default rate).
        # Health off too: each of those outlets would rightly alarm (7) that its listings died.
        done = run_cron(tmp_path, moto, web, KLIPING_MAX_ERROR_RATE="1", KLIPING_HEALTH_ENABLED="0")
        (log,) = sorted((install / "logs").glob("crawl-*.log"))
        text = log.read_text(encoding="utf-8")
        code = int(re.findall(r"=== \S+ exit (\d+)$", text, re.M)[-1])
        assert code == 0, text[-3000:]
        assert re.search(r"^=== \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ start$", text, re.M)
        assert done.stdout == (
            "" if code == 0 else f"kliping crawl exited {code}; see {install}/{log.relative_to(install)}\n"
        )
        assert not old.exists()  # older than 180 days: pruned
        s3 = moto.client()
        keys = [
            o["Key"] for o in s3.list_objects_v2(Bucket="news-archive", Prefix="kliping/").get("Contents", [])
        ]
        assert any(key.startswith("kliping/text/kabarcontoh/") for key in keys), keys
        assert any(key.startswith("kliping/runs/") and key.endswith("summary.json") for key in keys)
        assert s3_environment()["AWS_SECRET_ACCESS_KEY"] not in text
        # While another run holds the lock, the slot is skipped with 75, and nobody is mailed.
        with open(install / "data" / "kliping.lock", "a") as lock:  # kliping's own workdir lock
            fcntl.flock(lock, fcntl.LOCK_EX)
            busy = run_cron(tmp_path, moto, web)
        assert busy.stdout == ""
        assert re.findall(r"=== \S+ exit (\d+)$", log.read_text(encoding="utf-8"), re.M)[-1] == "75"
        failed = run_cron(tmp_path, moto, web)
    assert re.findall(r"=== \S+ exit (\d+)$", log.read_text(encoding="utf-8"), re.M)[-1] == "1"
    assert failed.stdout == f"kliping crawl exited 1; see {install}/logs/{log.name}\n"  # mailed by cron


# --- systemd ------------------------------------------------------------------------------------


def units() -> dict[str, str]:
    """The unit files of the page, by the path named above each block."""
    found = {}
    for above, text in blocks("ini"):
        match = re.search(r"`(/etc/systemd/system/[^`]+)`", above)
        if match:
            found[match.group(1)] = text + "\n"
    return found


def test_the_page_shows_every_unit_it_names() -> None:
    assert sorted(Path(p).name for p in units()) == [
        "kliping-alert@.service",
        "kliping-crawl.service",
        "kliping-crawl.timer",
        "scrapyd.service",
    ]


def test_the_crawl_unit_has_credentials_an_alert_and_an_exit_policy() -> None:
    unit = units()["/etc/systemd/system/kliping-crawl.service"]
    assert "OnFailure=kliping-alert@%n.service" in unit
    assert re.search(r"^SuccessExitStatus=75$", unit, re.M)  # another run holds the lock: no failure
    assert re.search(r"^LoadCredential=KLIPING_S3_SECRET_ACCESS_KEY:", unit, re.M)
    assert re.search(r"^Environment=KLIPING_OUTPUT=", unit, re.M)
    assert "SECRET_ACCESS_KEY=" not in unit  # never the secret itself
    assert re.search(r"^TimeoutStartSec=", unit, re.M)


@pytest.mark.skipif(
    shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed (make debs)"
)
def test_the_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    root = tmp_path / "root"
    system = Path("/usr/lib/systemd/system")
    if not (system / "sysinit.target").is_file():
        pytest.skip(f"no systemd unit library at {system} to verify against")
    shutil.copytree(system, root / "usr/lib/systemd/system", symlinks=True)
    for path, text in units().items():
        target = root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        # The executables a unit starts must exist in the root (systemd checks them).
        for line in re.findall(r"^ExecStart=[-@+!]*(\S+)", text, re.M):
            exe = root / line.lstrip("/")
            exe.parent.mkdir(parents=True, exist_ok=True)
            if not exe.exists():
                exe.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
                exe.chmod(0o755)
    names = [Path(path).name for path in units()]
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", f"--root={root}", *names],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # no warning either (unknown keys are only warned about)
