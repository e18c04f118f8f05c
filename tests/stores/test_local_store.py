"""The local store and the spool: files are moved whole, in-progress files are never sent."""

from __future__ import annotations

from pathlib import Path

from archive.stores import open_store, store_classes
from archive.stores.local import LocalStore
from archive.stores.spool import upload_spool

SETTINGS = {
    "KLIPING_STORES_BASE": {"file": "archive.stores.local.LocalStore", "s3": "archive.stores.s3.S3Store"}
}


def test_a_plain_path_and_a_file_uri_open_the_local_store(tmp_path: Path) -> None:
    for uri in (str(tmp_path), f"file://{tmp_path}"):
        store = open_store(uri, store_classes(SETTINGS), SETTINGS)
        assert isinstance(store, LocalStore)
        assert store.root == tmp_path


def test_put_moves_a_file_under_the_root(tmp_path: Path) -> None:
    src = tmp_path / "spool" / "x.warc.gz"
    src.parent.mkdir()
    src.write_bytes(b"warc")
    store = LocalStore(tmp_path / "out")
    assert store.put(src, "warc/x.warc.gz") == str(tmp_path / "out" / "warc" / "x.warc.gz")
    assert (tmp_path / "out" / "warc" / "x.warc.gz").read_bytes() == b"warc"
    assert not src.exists()


def test_put_of_a_file_already_in_place_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "warc" / "x.warc.gz"
    path.parent.mkdir()
    path.write_bytes(b"warc")
    LocalStore(tmp_path).put(path, "warc/x.warc.gz")
    assert path.read_bytes() == b"warc"


def test_the_spool_sends_complete_files_and_leaves_files_in_progress(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    for name in (
        "warc/a.warc.gz",
        "warc/b.warc.gz.open",
        "text/o/d/.r-00001.jsonl.1234.part",
        "text/o/d/r-1.jsonl",
    ):
        (spool / name).parent.mkdir(parents=True, exist_ok=True)
        (spool / name).write_bytes(name.encode())
    result = upload_spool(LocalStore(tmp_path / "out"), spool)
    assert sorted(key for key, _size in result.sent) == ["text/o/d/r-1.jsonl", "warc/a.warc.gz"]
    assert (tmp_path / "out" / "text/o/d/r-1.jsonl").read_bytes() == b"text/o/d/r-1.jsonl"
    assert (spool / "warc/b.warc.gz.open").exists()
    assert result.failed == []
