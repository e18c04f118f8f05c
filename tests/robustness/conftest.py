"""Fixtures of the robustness tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.volumes import MountError, tmpfs


@pytest.fixture
def tiny_volume(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs mounted for the test (needs root; skipped otherwise)."""
    try:
        with tmpfs(tmp_path / "vol", "2m") as mount:
            yield mount
    except MountError as exc:
        pytest.skip(f"cannot mount a tmpfs here (needs root): {exc}")
