"""Brief answers (summarise/v6): each statement, topic and position held to a few words by the
schema's pattern where the server honours it, and words glued together to go on copying cut."""

from __future__ import annotations

import re
from typing import Any

import pytest

from concord.own_words import article_vocabulary, unglued
from concord.prompts import load_prompt
from concord.providers.connection import ConnectedModel
from concord.providers.profiles import PROFILES
from concord.schema import (
    BRIEF_PATTERN,
    BRIEF_WORDS,
    STANCE_PATTERN,
    AgreementsPass,
    DisagreementsPass,
    ParticipantsPass,
    schema_hash,
)
from concord.structured_output import response_format_for


def _model(profile: str) -> ConnectedModel:
    return ConnectedModel(client=None, profile=PROFILES[profile], model="m")  # type: ignore[arg-type]


def _patterns(node: Any) -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if isinstance(prop, dict) and "pattern" in prop:
                found[name] = prop["pattern"]
        for value in node.values():
            found |= _patterns(value)
    elif isinstance(node, list):
        for value in node:
            found |= _patterns(value)
    return found


def test_points_are_held_to_a_few_words_only_where_the_server_honours_a_pattern() -> None:
    agreed = response_format_for(_model("local"), AgreementsPass, "agreements", answers="brief")
    differ = response_format_for(
        _model("local"), DisagreementsPass, "disagreements", answers="brief"
    )
    assert _patterns(agreed) == {"statement": BRIEF_PATTERN}
    assert _patterns(differ) == {"topic": BRIEF_PATTERN, "position": STANCE_PATTERN}
    # names, roles and parties are the article's own words: never bounded
    people = response_format_for(_model("local"), ParticipantsPass, "participants", answers="brief")
    assert _patterns(people) == {}
    assert (
        _patterns(
            response_format_for(_model("openai"), AgreementsPass, "agreements", answers="brief")
        )
        == {}
    )


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("a ceasefire from Monday", True),
        ("Russia refuses to join the US-led coalition", True),  # seven words
        ("pay rise of 4.5%, backdated to April", True),
        ("Bogotá and Medellín share the water", True),
        ("one two three four five six seven eight", False),
        ("two  spaces", False),
        ("", False),
        ("停火协议", False),  # the model held to English words once went on in Chinese
        ("a" * 25, False),  # one word longer than 24 characters: a glued run
    ],
)
def test_the_pattern_admits_a_short_phrase_in_latin_script(text: str, fits: bool) -> None:
    assert bool(re.fullmatch(BRIEF_PATTERN, text)) is fits
    assert BRIEF_WORDS == 7


@pytest.mark.parametrize(
    ("text", "fits"),
    [
        ("refuses to join the US-led coalition", True),
        ("insists on Syrian consent", True),
        ("wants", True),
        ("Russia has so far refused to join", False),  # the article's sentence, from its start
        ("refused to join the coalition", False),  # a stance is said in the present tense
        ("refuses to join the coalition because of suspicions", False),  # eight words
    ],
)
def test_a_position_starts_with_what_the_side_does(text: str, fits: bool) -> None:
    assert bool(re.fullmatch(STANCE_PATTERN, text)) is fits


ARTICLE = (
    "The council will cut spending by two million pounds on agency staff next year, "
    "and offered to publish ward-by-ward figures every month."
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cut two million pounds onagencystaff", "cut two million pounds"),
        ("cut two million pounds onagencystaff, next", "cut two million pounds"),
        ("cut agency staff spending", "cut agency staff spending"),
        ("councilcut", "councilcut"),  # nothing would be left: kept as written
        ("joint intelligence work", "joint intelligence work"),  # own words, not glued
        ("staffing cuts", "staffing cuts"),  # not two article words end to end
        ("theagencystaff's pay", "theagencystaff's pay"),  # glued from the start: kept
        ("cut two million pounds by", "cut two million pounds"),  # a phrase ends on no "by"
        ("cut spending by two million pounds on the", "cut spending by two million pounds"),
        (
            "offers to publish ward-by-ward figures everymonth",
            "offers to publish ward-by-ward figures",
        ),
        ("offers figures", "offers figures"),  # "offer" + "s" is an inflection, not a run
        ("cut spending onagencystaffnex", "cut spending"),  # the last run cut short ("next")
        ("cut spending bytwomillionp", "cut spending"),  # one letter left of "pounds"
    ],
)
def test_words_glued_to_go_on_copying_are_cut(text: str, expected: str) -> None:
    assert unglued(text, article_vocabulary(ARTICLE)) == expected


def test_the_brief_prompt_has_its_own_schema_hash_and_no_verification_call() -> None:
    v6 = load_prompt("summarise/v6")
    assert v6.answer_schemas == "brief"
    assert set(v6.passes) == {"participants", "agreements", "disagreements"}
    assert v6.schema_hash == schema_hash("sentences", v6.passes, "brief")
    assert v6.schema_hash != schema_hash("sentences", v6.passes, "cited")
    # the first call, which pays for the article, asks what v3 asks, word for word
    assert v6.passes["participants"] == load_prompt("summarise/v3").passes["participants"]
