"""The Parquet schema is fixed in code and agrees with the record JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.exporters import ARTICLE_SCHEMA, ParquetItemExporter
from tests.conftest import REPO

SCHEMA_FILE = REPO / "extract" / "article.schema.json"


def resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def json_types(node: dict[str, Any], root: dict[str, Any]) -> set[str]:
    """The JSON types a schema node allows (following $ref and anyOf)."""
    node = resolve(node, root)
    if "anyOf" in node:
        return set().union(*(json_types(n, root) for n in node["anyOf"]))
    kind = node.get("type")
    return set(kind) if isinstance(kind, list) else {str(kind)}


def arrow_for(node: dict[str, Any], root: dict[str, Any]) -> tuple[pa.DataType, bool]:
    """The Arrow type and nullability kliping's Parquet should give a JSON Schema property."""
    node = resolve(node, root)
    types = json_types(node, root)
    nullable = "null" in types
    (kind,) = types - {"null"}
    if kind == "string":
        return pa.string(), nullable
    if kind == "integer":
        return pa.int64(), nullable
    if kind == "array":
        item, item_nullable = arrow_for(node["items"], root)
        return pa.list_(pa.field("item", item, nullable=item_nullable)), nullable
    if kind == "object":
        fields = [pa.field(name, *arrow_for(sub, root)) for name, sub in node["properties"].items()]
        return pa.struct(fields), nullable
    raise AssertionError(f"no Arrow mapping for JSON type {kind}")


def test_the_parquet_schema_agrees_with_the_record_json_schema() -> None:
    root = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert set(ARTICLE_SCHEMA.names) == set(root["properties"])
    for name, prop in root["properties"].items():
        arrow_type, nullable = arrow_for(prop, root)
        field = ARTICLE_SCHEMA.field(name)
        assert field.type.equals(arrow_type), name
        assert field.nullable == (nullable or name not in root["required"]), name


def test_a_batch_reads_back_with_the_documented_schema_even_when_a_column_is_all_null(tmp_path: Path) -> None:
    record = {
        "url": "https://www.kabarcontoh.id/a",
        "canonical_url": None,
        "outlet": "kabarcontoh",
        "title": "Judul",
        "authors": [],
        "published": "2024-02-12T09:30:00+07:00",
        "modified": None,
        "language": "id",
        "section": None,
        "tags": ["ekonomi"],
        "description": None,
        "image": None,
        "text": "Paragraf satu.\nParagraf dua.",
        "pages": ["https://www.kabarcontoh.id/a"],
        "fetched_at": "2024-02-12T03:00:00Z",
        "run_id": "20240212T030000Z-1",
        "warc": [
            {
                "file": "k.warc.gz",
                "offset": 0,
                "record_id": "<urn:uuid:1>",
                "url": "https://www.kabarcontoh.id/a",
            }
        ],
    }
    path = tmp_path / "batch.parquet"
    with open(path, "wb") as stream:
        exporter = ParquetItemExporter(stream, row_group_size=2)
        exporter.start_exporting()
        for n in range(5):
            exporter.export_item({**record, "url": f"{record['url']}{n}"})
        exporter.finish_exporting()
    table = pq.read_table(path)
    assert table.schema.equals(ARTICLE_SCHEMA, check_metadata=False)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    assert table.to_pylist()[4] == {**record, "url": f"{record['url']}4"}


def test_a_row_group_is_closed_once_its_text_reaches_the_byte_bound(tmp_path: Path) -> None:
    # Long articles must not pile up in the crawl's memory until the row count is reached.
    record = {"url": "https://www.kabarcontoh.id/a", "text": "kata " * 2000, "fetched_at": "x", "run_id": "r"}
    path = tmp_path / "batch.parquet"
    with open(path, "wb") as stream:
        exporter = ParquetItemExporter(stream, row_group_size=1000, row_group_bytes=25_000)
        exporter.start_exporting()
        for n in range(6):
            exporter.export_item({**record, "url": f"{record['url']}{n}"})
        exporter.finish_exporting()
    assert pq.ParquetFile(path).metadata.num_row_groups == 2
    assert pq.read_table(path).num_rows == 6


def test_arrow_memory_goes_to_the_system_allocator_once_exporting_starts(tmp_path: Path) -> None:
    # Arrow's jemalloc keeps freed row-group memory in the crawl's process for the rest of the run.
    with open(tmp_path / "batch.parquet", "wb") as stream:
        exporter = ParquetItemExporter(stream)
        exporter.start_exporting()
        exporter.finish_exporting()
    assert pa.default_memory_pool().backend_name == "system"
