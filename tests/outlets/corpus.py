"""Reading the shared corpus's manifest and meta files for the outlet tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.conftest import corpus_path

#: Corpus outlet labels that are one kliping outlet under another name.
OUTLET_OF = {"antara": "antaranews", "mediapakuan": "pikiran-rakyat", "tempo-english": "tempo"}


def manifest_rows(kinds: tuple[str, ...]) -> list[dict[str, str]]:
    """Manifest rows of these kinds (empty without the corpus, so parametrised tests skip)."""
    path = corpus_path() / "MANIFEST.tsv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return [row for row in csv.DictReader(fh, delimiter="\t") if row["kind"] in kinds]


def meta_of(corpus: Path, row: dict[str, str]) -> dict[str, Any]:
    return dict(json.loads((corpus / row["path"]).with_suffix(".meta.json").read_text(encoding="utf-8")))


def outlet_name(row: dict[str, str]) -> str:
    return OUTLET_OF.get(row["outlet"], row["outlet"])
