"""The least-privilege systemd unit of docs/security.md is one systemd accepts, and the schedule's
unit in docs/scheduling.md uses its settings."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

HARDENING = ("DynamicUser=yes", "ProtectSystem=strict", "ReadWritePaths=", "IPAddressDeny=169.254.0.0/16")


def service_units(doc: str) -> list[str]:
    """The ``[Service]`` units among the ini blocks of a doc that run a crawl (not an alert's)."""
    text = (REPO / "docs" / doc).read_text(encoding="utf-8")
    blocks = re.findall(r"```ini\n(.*?)```", text, re.S)
    return [block for block in blocks if "[Service]" in block and "kliping crawl" in block]


def test_the_security_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    (unit,) = service_units("security.md")
    kliping = Path(sys.executable).with_name("kliping")
    path = tmp_path / "kliping-crawl.service"
    path.write_text(unit.replace("/srv/kliping/.venv/bin/kliping", str(kliping)), encoding="utf-8")
    result = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "kliping-crawl.service" not in result.stderr, result.stderr  # no unknown key, no bad value


@pytest.mark.parametrize("doc", ["security.md", "scheduling.md"])
def test_the_units_run_with_least_privilege(doc: str) -> None:
    units = service_units(doc)
    assert units
    for unit in units:
        for line in HARDENING:
            assert line in unit, f"{doc}: {line}"
