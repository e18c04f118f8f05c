"""A user-extended store (``KLIPING_STORES``) for the tests: copies each file aside before the real
S3 upload, so a test can compare the uploaded objects with the exact bytes written locally."""

from __future__ import annotations

import shutil
from pathlib import Path

from archive.stores import SettingsLike
from archive.stores.s3 import S3Store


class CopyingS3Store(S3Store):
    """S3Store that first copies the local file to ``<TEST_STORE_COPY_DIR>/<key>``."""

    copy_dir: Path | None = None

    @classmethod
    def from_settings(cls, uri: str, settings: SettingsLike) -> S3Store:
        store = super().from_settings(uri, settings)
        copy_dir = settings.get("TEST_STORE_COPY_DIR")
        if copy_dir and isinstance(store, CopyingS3Store):
            store.copy_dir = Path(copy_dir)
        return store

    def put(self, local_path: Path, key: str) -> str:
        if self.copy_dir is not None and local_path.exists():
            target = self.copy_dir / key
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(local_path, target)
        return super().put(local_path, key)
