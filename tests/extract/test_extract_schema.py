"""Spec: records validate against extract/article.schema.json."""

from __future__ import annotations

from typing import Any

import pytest
from kliping_extract_pages import PAGES, extract_page

from extract.schema import extracted_validator, load_schema, record_validator

FIXTURES = sorted(p.name for p in PAGES.glob("*.html") if p.name != "index_page.html")


def crawler_record(record: dict[str, Any]) -> dict[str, Any]:
    full = dict(record)
    full.update(
        pages=[record["url"]],
        fetched_at="2024-02-12T07:31:02+00:00",
        warc=[
            {
                "file": "kliping-0001.warc.gz",
                "offset": 1234,
                "record_id": "<urn:uuid:0>",
                "url": record["url"],
            }
        ],
        run_id="run-2024-02-12",
    )
    return full


def test_schema_file_is_a_valid_json_schema() -> None:
    import jsonschema

    jsonschema.Draft202012Validator.check_schema(load_schema())


@pytest.mark.parametrize("name", FIXTURES)
def test_extracted_record_validates(name: str) -> None:
    extracted_validator().validate(extract_page(name))


def test_record_with_crawler_fields_validates() -> None:
    record_validator().validate(crawler_record(extract_page("boilerplate_id.html")))


def test_crawler_fields_are_required_in_the_full_record() -> None:
    full = crawler_record(extract_page("boilerplate_id.html"))
    del full["warc"]
    assert not record_validator().is_valid(full)


def test_unknown_keys_are_rejected() -> None:
    record = extract_page("boilerplate_id.html")
    record["surprise"] = 1
    assert not extracted_validator().is_valid(record)


def test_date_without_offset_is_rejected() -> None:
    record = extract_page("boilerplate_id.html")
    record["published"] = "2024-02-12T14:30:00"
    assert not extracted_validator().is_valid(record)
