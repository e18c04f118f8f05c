"""The JSON Schema of article records (``article.schema.json``) and validators for it.

The root schema is the full record the crawler writes (extraction fields plus ``pages``,
``fetched_at``, ``warc``, ``run_id``); ``#/$defs/extracted`` is exactly what
:func:`extract.core.extract_article` returns.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("article.schema.json")

__all__ = ["SCHEMA_PATH", "extracted_validator", "load_schema", "record_validator"]


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return data


def record_validator() -> Any:
    """Validator of full crawler records (jsonschema is imported only when asked for)."""
    import jsonschema

    return jsonschema.Draft202012Validator(load_schema())


def extracted_validator() -> Any:
    """Validator of ``extract_article`` output."""
    import jsonschema

    schema = load_schema()
    return jsonschema.Draft202012Validator({"$ref": "#/$defs/extracted", "$defs": schema["$defs"]})
