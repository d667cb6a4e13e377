"""Every string and every list a sender may send is bounded, as its JSON Schema tells the sender."""

from collections.abc import Iterator
from typing import Any

import pytest

from contracts.inbound import INBOUND_CONTRACTS

UNBOUNDED_FORMATS = {"date", "date-time"}
"""Formats whose own grammar bounds the length."""
SUBSCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
SUBSCHEMA_MAPS = ("properties", "$defs", "patternProperties")
SUBSCHEMAS = ("items", "additionalProperties", "not", "contains")


def subschemas(schema: dict[str, Any], path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """``schema`` and every schema inside it, each with a path a reader can follow."""
    yield path, schema
    for keyword in SUBSCHEMA_LISTS:
        for index, inner in enumerate(schema.get(keyword, [])):
            yield from subschemas(inner, f"{path}/{keyword}/{index}")
    for keyword in SUBSCHEMA_MAPS:
        for name, inner in schema.get(keyword, {}).items():
            yield from subschemas(inner, f"{path}/{keyword}/{name}")
    for keyword in SUBSCHEMAS:
        inner = schema.get(keyword)
        if isinstance(inner, dict):
            yield from subschemas(inner, f"{path}/{keyword}")


def unbounded(schema: dict[str, Any]) -> Iterator[str]:
    """The paths of strings without ``maxLength`` and of arrays without ``maxItems``."""
    for path, inner in subschemas(schema, "#"):
        types = inner.get("type", [])
        types = [types] if isinstance(types, str) else types
        fixed = "enum" in inner or "const" in inner or inner.get("format") in UNBOUNDED_FORMATS
        if "string" in types and "maxLength" not in inner and not fixed:
            yield f"{path} (string without maxLength)"
        if "array" in types and "maxItems" not in inner:
            yield f"{path} (array without maxItems)"


def test_the_walk_finds_an_unbounded_string_however_deep() -> None:
    schema = {
        "$defs": {"Inner": {"properties": {"free": {"anyOf": [{"type": "string"}, {"type": "null"}]}}}},
        "properties": {
            "listed": {"type": "array", "maxItems": 3, "items": {"type": "string", "maxLength": 9}},
            "open": {"type": "array", "items": {"type": "string", "enum": ["a"]}},
            "when": {"type": "string", "format": "date"},
        },
    }
    assert list(unbounded(schema)) == [
        "#/properties/open (array without maxItems)",
        "#/$defs/Inner/properties/free/anyOf/0 (string without maxLength)",
    ]


@pytest.mark.parametrize(("event_type", "version"), sorted(INBOUND_CONTRACTS))
def test_every_string_and_list_of_a_contract_has_a_limit(event_type: str, version: int) -> None:
    schema = INBOUND_CONTRACTS[event_type, version].model_json_schema(mode="validation")
    found = list(unbounded(schema))
    assert not found, "unbounded: " + ", ".join(found)
