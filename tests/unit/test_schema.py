"""The model-facing schema must be one OpenAI strict structured outputs accepts."""

from typing import Any

import pytest
from openai.lib._pydantic import to_strict_json_schema

from concord.prompts import load_prompt
from concord.schema import PASS_OUTPUTS, ModelSummary, model_json_schema, schema_hash

# Keywords strict mode supports (OpenAI structured outputs documentation).
_ALLOWED = {
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "$ref",
    "$defs",
    "anyOf",
    "enum",
    "const",
    "description",
    "title",
}


def _objects(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found.extend(_objects(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_objects(value))
    return found


def _keywords(node: Any) -> set[str]:
    keys: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            keys.add(key)
            # property names and $defs names are not keywords
            if key in ("properties", "$defs"):
                for sub in value.values():
                    keys |= _keywords(sub)
            else:
                keys |= _keywords(value)
    elif isinstance(node, list):
        for value in node:
            keys |= _keywords(value)
    return keys


def test_every_object_is_closed_and_requires_all_its_properties() -> None:
    objects = _objects(model_json_schema())
    assert len(objects) == 5  # summary, participant, agreement, disagreement, position
    for obj in objects:
        assert obj["additionalProperties"] is False, obj["title"]
        assert sorted(obj["required"]) == sorted(obj["properties"]), obj["title"]


def test_schema_uses_only_strict_mode_keywords_and_no_defaults() -> None:
    keywords = _keywords(model_json_schema())
    assert "default" not in keywords
    assert keywords <= _ALLOWED, keywords - _ALLOWED


def test_openai_sdk_strict_transform_leaves_the_schema_unchanged() -> None:
    # The SDK rewrites a schema into strict form; a schema already strict comes back equal.
    assert to_strict_json_schema(ModelSummary) == model_json_schema()


@pytest.mark.parametrize("name", sorted(PASS_OUTPUTS))
def test_every_pass_schema_of_the_multipass_prompt_is_strict_too(name: str) -> None:
    output = PASS_OUTPUTS[name]
    schema = model_json_schema(output)
    for obj in _objects(schema):
        assert obj["additionalProperties"] is False, obj["title"]
        assert sorted(obj["required"]) == sorted(obj["properties"]), obj["title"]
    assert _keywords(schema) <= _ALLOWED
    assert to_strict_json_schema(output) == schema


def test_the_schema_hash_is_of_the_schemas_the_prompt_asks_for() -> None:
    v1, v2, v3, v4 = (load_prompt(f"summarise/v{n}") for n in (1, 2, 3, 4))
    assert v1.schema_hash == v2.schema_hash  # both send ModelSummary, nothing else
    assert v3.schema_hash != v1.schema_hash
    assert set(v3.passes) - set(v4.passes) == {"verification"}
    assert v4.schema_hash != v3.schema_hash  # a pass fewer is another set of schemas
    assert v3.schema_hash == schema_hash("sentences", v3.passes)
    assert schema_hash("sentences", ["participants"]) != schema_hash("sentences", ["agreements"])
