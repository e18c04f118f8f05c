"""Item exporters for ``FEED_EXPORTERS``: Parquet files with one fixed schema for article records.

The schema is written out here, not inferred from the data, so every batch file of every run has
the same columns and types, whatever the batch holds (a column that is null in every row of a
batch still has its type). It mirrors ``extract/article.schema.json``; a test keeps them in step.
Dates stay ISO 8601 strings so each keeps the page's own offset (+07:00, +08:00, +09:00).
"""

from __future__ import annotations

import os
from typing import IO, Any

import pyarrow as pa
import pyarrow.parquet as pq
from itemadapter import ItemAdapter
from scrapy.exporters import BaseItemExporter

#: Where one page's response record is in the WARC files.
WARC_LOCATION = pa.struct(
    [
        pa.field("file", pa.string(), nullable=False),
        pa.field("offset", pa.int64(), nullable=False),
        pa.field("record_id", pa.string(), nullable=False),
        pa.field("url", pa.string(), nullable=False),
    ]
)


def _strings() -> pa.DataType:
    return pa.list_(pa.field("item", pa.string(), nullable=False))


#: The Parquet schema of text records, column for column (see docs/outputs.md).
ARTICLE_SCHEMA = pa.schema(
    [
        pa.field("url", pa.string(), nullable=False),
        pa.field("canonical_url", pa.string()),
        pa.field("outlet", pa.string()),
        pa.field("title", pa.string()),
        pa.field("authors", _strings(), nullable=False),
        pa.field("published", pa.string()),
        pa.field("modified", pa.string()),
        pa.field("language", pa.string()),
        pa.field("section", pa.string()),
        pa.field("tags", _strings(), nullable=False),
        pa.field("description", pa.string()),
        pa.field("image", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("pages", _strings(), nullable=False),
        pa.field("fetched_at", pa.string(), nullable=False),
        pa.field("run_id", pa.string(), nullable=False),
        pa.field("warc", pa.list_(pa.field("item", WARC_LOCATION, nullable=False)), nullable=False),
    ],
    metadata={"kliping.schema": "article", "kliping.schema_version": "1"},
)


class _KeepOpen:
    """The feed's file as pyarrow sees it: closing the writer must not close it (the feed storage
    still has to fsync and rename it)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.closed = False

    def write(self, data: bytes) -> int:
        return self._file.write(data)

    def tell(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.flush()
        self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False


class ParquetItemExporter(BaseItemExporter):
    """Writes items as rows of :data:`ARTICLE_SCHEMA`, a row group per ``row_group_size`` items
    or per ``row_group_bytes`` of text, whichever comes first.

    The crawl's process holds one exporter per outlet feed, each buffering its row group: the byte
    bound keeps that buffer small whatever the articles' length, and the memory Arrow used to
    encode a row group is handed back to the system after it. For that the exporter switches the
    process's Arrow memory pool to the system allocator when it starts, unless
    ``ARROW_DEFAULT_MEMORY_POOL`` names one: Arrow's default (mimalloc in pyarrow 26) keeps
    ~14 MB of freed row-group memory for good, even after ``release_unused()``.

    Fields outside the schema are left out; missing nullable fields are null. Use it in ``FEEDS``
    as ``"format": "parquet"`` (registered in ``FEED_EXPORTERS``).
    """

    def __init__(
        self,
        file: IO[bytes],
        *,
        schema: pa.Schema = ARTICLE_SCHEMA,
        row_group_size: int = 1000,
        row_group_bytes: int = 4 * 2**20,
        compression: str = "zstd",
        **kwargs: Any,
    ) -> None:
        super().__init__(dont_fail=True, **kwargs)
        self.file = file
        self.schema = schema
        self.row_group_size = max(1, int(row_group_size))
        self.row_group_bytes = max(1, int(row_group_bytes))
        self.compression = compression
        self.rows: list[dict[str, Any]] = []
        self.buffered = 0
        self.writer: pq.ParquetWriter | None = None

    def start_exporting(self) -> None:
        if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
            pa.set_memory_pool(pa.system_memory_pool())
        self.writer = pq.ParquetWriter(_KeepOpen(self.file), self.schema, compression=self.compression)

    def export_item(self, item: Any) -> None:
        record = ItemAdapter(item).asdict()
        row = {name: record.get(name) for name in self.schema.names}
        self.rows.append(row)
        self.buffered += sum(len(value) for value in row.values() if isinstance(value, str))
        if len(self.rows) >= self.row_group_size or self.buffered >= self.row_group_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self.rows:
            return
        assert self.writer is not None
        self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
        self.rows = []
        self.buffered = 0
        pa.default_memory_pool().release_unused()

    def abandon(self) -> None:
        """Drop a batch that cannot be finished: the writer closes (the file it leaves is the
        caller's to delete) instead of writing into a closed file when collected."""
        self.rows = []
        if self.writer is not None:
            writer, self.writer = self.writer, None
            writer.close()

    def finish_exporting(self) -> None:
        self._flush()
        if self.writer is not None:
            self.writer.close()
            self.writer = None


__all__ = ["ARTICLE_SCHEMA", "ParquetItemExporter"]
