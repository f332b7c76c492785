"""A fake model that reads: it answers each pass from the numbered sentences it is shown.

``FakeReader`` stands for a model reading only the chunk of a long article in its request, by
keyword rules over ``LONG_ARTICLE``: it names the people it sees the way that chunk writes them
("Gov. Anders Kjellberg", "Mr. Kjellberg", "Farouk"), reports the agreement where "agreed" is
written, and each side of the dam dispute where that side is written. Nothing here is a real
model's output.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.answers import pass_name
from tests.fakes.openai_server import CompletionReply, PassAnswer

LONG_ARTICLE = (
    "Three provinces cut irrigation but the Kessel dam still divides them\n\n"
    "Gov. Anders Kjellberg of Calder opened the summit in Brennick on Monday with a call for "
    "calm. Delegates spent the morning on the history of the 1962 water compact and its shares. "
    "Gov. Nadia Farouk of Vantor arrived late after floods closed the coast road overnight. "
    "By the evening Kjellberg and Farouk agreed to cut summer irrigation withdrawals by a fifth. "
    "The cut will run from July to September and will be reviewed by the agency in the autumn. "
    "Farmers in the lowlands said they would wait to see how the cut was enforced.\n\n"
    "Mr. Kjellberg rejected the Kessel dam plan, saying it would flood three valleys upstream. "
    "Engineers spent the afternoon presenting maps of the basin and the old gauging stations. "
    "The water agency will publish its first flow report at the end of the month online. "
    "Reporters waited outside the hall while the talks went on behind closed doors. "
    "Ms. Farouk backed the Kessel dam, saying Vantor needs stored water in dry summers. "
    "She said the provinces would meet again in March to talk about the dam."
)
_LINE = re.compile(r"^\[(\d+)\] (.*)$", re.MULTILINE)
_PERSON = re.compile(r"(?:Gov\. |Mr\. |Ms\. )?(?:Anders |Nadia )?(?:Kjellberg|Farouk)")


@dataclass(frozen=True)
class FakeReader(PassAnswer):
    """A fake model: answers a pass from the numbered sentences in its request, by keyword."""

    def reply_to(self, body: Any) -> CompletionReply:
        shown = _LINE.findall(body["messages"][1]["content"].split("</article>")[0])
        lines = [(int(n), text) for n, text in shown]
        name = pass_name(body)
        return CompletionReply.json(_ANSWERS[name](lines), usage=self.usage)


def _people(lines: list[tuple[int, str]]) -> dict[str, Any]:
    found = [
        {"name": hit, "role": "governor", "affiliation": "", "sentences": [n]}
        for n, text in lines
        for hit in _PERSON.findall(text)
    ]
    return {"participants": found}


def _agreements(lines: list[tuple[int, str]]) -> dict[str, Any]:
    agreed = [
        {"sentences": [n], "statement": "cut irrigation by a fifth", "parties": _PERSON.findall(t)}
        for n, t in lines
        if "agreed" in t
    ]
    return {"agreements": agreed}


def _disagreements(lines: list[tuple[int, str]]) -> dict[str, Any]:
    sides = [
        {
            "sentences": [n],
            "topic": "the Kessel dam plan",
            "positions": [
                {
                    "party": _PERSON.findall(t)[0],
                    "position": "against" if "rejected" in t else "for",
                }
            ],
        }
        for n, t in lines
        if "rejected" in t or "backed" in t
    ]
    return {"disagreements": sides}


def _no_checks(lines: list[tuple[int, str]]) -> dict[str, Any]:
    return {"checks": []}


_ANSWERS: dict[str, Callable[[list[tuple[int, str]]], dict[str, Any]]] = {
    "participants": _people,
    "agreements": _agreements,
    "disagreements": _disagreements,
    "verification": _no_checks,
}
