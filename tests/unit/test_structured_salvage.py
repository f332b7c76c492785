"""An answer cut off at the token cap keeps its complete items rather than failing."""

from concord.providers.call import Completion
from concord.schema import DisagreementsPass, Usage
from concord.structured_output import salvage


def _cut(text: str) -> Completion:
    return Completion(text=text, finish_reason="length", refusal=None, usage=Usage(), calls=1)


def test_complete_items_of_a_truncated_answer_are_kept() -> None:
    text = (
        '{"disagreements": [{"sentences": [3], "topic": "fares", "positions": '
        '[{"party": "Ana", "position": "against"}]}, {"sentences": [5, 6], "topic": "sched'
    )
    kept = salvage(_cut(text), DisagreementsPass)
    assert kept is not None
    assert [d.topic for d in kept.disagreements] == ["fares"]


def test_nothing_complete_means_nothing_salvaged() -> None:
    assert salvage(_cut('{"disagreements": [{"sentences": [3], "top'), DisagreementsPass) is None
    assert salvage(_cut("not json at all"), DisagreementsPass) is None
