"""Lean answers (summarise/v5): phrase-shaped keys, length guards only where a server honours
them, and the rule that an agreement needs two parties."""

from __future__ import annotations

from typing import Any

from concord.multipass import _between_parties
from concord.prompts import load_prompt
from concord.providers.connection import ConnectedModel
from concord.providers.profiles import PROFILES
from concord.schema import (
    CitedAgreement,
    LeanAgreementsPass,
    LeanDisagreementsPass,
    schema_hash,
)
from concord.structured_output import response_format_for


def _model(profile: str) -> ConnectedModel:
    return ConnectedModel(client=None, profile=PROFILES[profile], model="m")  # type: ignore[arg-type]


def _limits(node: Any) -> dict[str, int]:
    found: dict[str, int] = {}
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if isinstance(prop, dict) and "maxLength" in prop:
                found[name] = prop["maxLength"]
        for value in node.values():
            found |= _limits(value)
    elif isinstance(node, list):
        for value in node:
            found |= _limits(value)
    return found


def test_a_lean_answer_becomes_the_cited_shape_every_later_step_reads() -> None:
    agreements = LeanAgreementsPass.model_validate(
        {"agreements": [{"sentences": [2], "parties": ["A", "B"], "agreed_to": "a ceasefire"}]}
    ).cited()
    assert agreements.agreements[0].statement == "a ceasefire"
    differ = LeanDisagreementsPass.model_validate(
        {
            "disagreements": [
                {"sentences": [3], "issue": "quotas", "sides": [{"party": "A", "stance": "cut"}]}
            ]
        }
    ).cited()
    assert differ.disagreements[0].topic == "quotas"
    assert differ.disagreements[0].positions[0].position == "cut"


def test_length_guards_go_only_to_servers_that_honour_max_length() -> None:
    llama = response_format_for(_model("local"), LeanAgreementsPass, "agreements", answers="lean")
    openai = response_format_for(_model("openai"), LeanAgreementsPass, "agreements", answers="lean")
    assert _limits(llama)["agreed_to"] > 0
    assert _limits(openai) == {}  # OpenAI's strict mode rejects maxLength
    # an older prompt's schema is sent as it was recorded, limits or not
    cited = response_format_for(_model("local"), LeanAgreementsPass, "agreements", answers="cited")
    assert _limits(cited) == {}


def test_an_agreement_naming_one_party_is_not_kept() -> None:
    kept = _between_parties(
        [
            CitedAgreement(sentences=[1], statement="a deal", parties=["Ana", "Bo"]),
            CitedAgreement(sentences=[2], statement="a wish", parties=["Ana"]),
            CitedAgreement(sentences=[3], statement="a wish", parties=["Ana", " ana "]),
        ]
    )
    assert [a.statement for a in kept] == ["a deal"]


def test_the_lean_prompt_has_its_own_schema_hash() -> None:
    v5 = load_prompt("summarise/v5")
    assert v5.answer_schemas == "lean"
    assert "verification" not in v5.passes
    lean = schema_hash("sentences", v5.passes, "lean")
    assert v5.schema_hash == lean
    assert lean != schema_hash("sentences", v5.passes, "cited")  # the same passes, cited shapes
