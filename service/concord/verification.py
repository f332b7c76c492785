"""The verification filter: keep a candidate point only if its cited sentences show it.

A small model asked "where do they differ?" will find a difference in an article that reports
none; asked "is this shown?", it also says no to real ones (a rough first version of this pass
removed every disagreement on four of six real articles). So the model's verdict is not the
only word. A candidate is dropped only when the model says its sentences do not show it *and*
those sentences carry no cue of that kind of point: for a difference, words of refusal,
opposition, criticism, suspicion, conditions or division; for an agreement, words of agreeing,
signing or committing. An invented difference on a no-dispute article cites sentences without
such words and goes; a real one the model doubted stays, counted in ``kept_by_cue``.

Two kinds of candidate need the cue whatever the model says, because recorded runs showed its
"yes" meant nothing there: an agreement (one side's wish, "Arvenia wants to fill the dam within
three years", was confirmed as an agreement), and a difference in an article where no sentence
speaks of difference at all ("approved the deal unanimously" was confirmed as a difference).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from concord.schema import Check, VerificationCounts
from concord.sentences import Sentence

PointKind = Literal["agreement", "disagreement"]

# Word starts, matched case-insensitively where a word begins. English only. Words that are
# as often neutral ("split the cost", "a shared concern") are given only in their contested use.


def _cue_list(text: str) -> tuple[str, ...]:
    """``"a|b c|d"`` over several lines → ``("a", "b c", "d")``."""
    return tuple(cue.strip() for cue in " ".join(text.split()).split("|") if cue.strip())


_CUES: dict[PointKind, tuple[str, ...]] = {
    "disagreement": _cue_list(
        """disagree|differ|divided|division|split over|split on|are split|were split|
        remain split|dispute|row over|clash|refus|reject|rebuff|oppos|object to|objected|
        resist|block|veto|walked out|criticis|criticiz|condemn|accus|blame|denounc|suspic|
        suspect|distrust|mistrust|sceptic|skeptic|insist|demand|on condition|conditions|
        unless|only if|ultimatum|warn|threat|complain|protest|strike|deadlock|impasse|
        stalemate|sticking point|at odds|collapse|broke down|failed to agree|no deal|
        not agree|n't agree|cannot accept|can't accept|will not accept|won't accept|
        unacceptable|contest|challeng|far apart|not accept|not sign|not support|not join|
        will not|would not|won't"""
    ),
    "agreement": _cue_list(
        """agree|deal|accord|sign|commit|pledg|promis|consensus|joint|together|settle|
        approv|endors|support|backed|backs|welcom|accept|decid|cooperat|co-operat|
        coordinat|unanim|both sides|all sides|reached|arrangement|pact|truce|ceasefire|
        cease-fire|compromise|treaty|memorandum"""
    ),
}
# A cue right after a negation ("without a single sticking point", "no objection") says the
# opposite: it does not count. Words of agreement also turn after a refusal or a failure:
# "refused to accept", "failed to agree", "declined to sign".
_NEGATORS = r"\bno|\bnot|\bwithout|\bnever|\bnor|n't"
_REFUSALS = r"\bneither|\brefus\w*|\bdeclin\w*|\bfail\w*|\bunable|\breject\w*"
_WITHIN_TWO_WORDS = r"(?:\W+\w+){0,2}\W+$"
_NEGATION = re.compile(rf"(?:{_NEGATORS}){_WITHIN_TWO_WORDS}")


def _folded(sentences: Sequence[Sentence]) -> str:
    return " ".join(s.text for s in sentences).casefold().replace("’", "'") + " "


def _holds_cue(text: str, cues: Iterable[str], turned: re.Pattern[str]) -> bool:
    """True when a cue occurs in ``text`` (folded) where a word starts and not right after a word
    that turns it."""
    return any(not turned.search(text[max(0, at - 40) : at]) for _, at in _cue_hits(text, cues))


def _cue_hits(text: str, cues: Iterable[str]) -> Iterator[tuple[str, int]]:
    """Each cue found in ``text`` where a word starts, with where it starts."""
    for cue in cues:
        for hit in re.finditer(rf"(?<!\w){re.escape(cue)}", text):
            yield cue, hit.start()


def has_cue(kind: PointKind, sentences: Sequence[Sentence]) -> bool:
    """True when the cited sentences hold a word of this kind of point, not negated."""
    return _holds_cue(_folded(sentences), _CUES[kind], _NEGATION)


# Words of agreement that are as often about something else: a "joint press conference" that was
# cancelled, "a deal impossible", "would support", "backed neither". They show an agreement only
# in a sentence that proposes, hopes, plans, supposes or cancels nothing (``_TENTATIVE``).
_WEAK_AGREEMENT = frozenset(
    {"joint", "together", "both sides", "all sides", "deal", "support", "backed", "backs"}
    | {"welcom", "cooperat", "co-operat", "coordinat", "promis", "pledg", "commit", "decid"}
    | {"endors", "accord", "compromise"}
)
_TENTATIVE = re.compile(
    r"(?<!\w)(?:propos(?:ed|es|ing)\b|offer(?:ed|s|ing)\b|calls? for|called for|urg|want|hope|"
    r"plann|plans? to\b|cancel|impossible|would|could|might|whether|consider|neither|unless|if\b)"
)
# A word of agreement right after a modal, a purpose or a need is one not yet made: "would
# accept", "has to be approved", "to win approval", "will still need approval".
_MODALS = (
    r"\bwould|\bcould|\bmight|\bshould|\bmust|\bwhether|\bto be|\bto win|\bif|\bneeds?\b|"
    r"\bneeded|\brequir\w*|\bseek\w*|\bawait\w*"
)
_NOT_YET_AGREED = re.compile(rf"(?:{_NEGATORS}|{_REFUSALS}|{_MODALS}){_WITHIN_TWO_WORDS}")


# Words that begin like a cue and mean something else: a "committee", a "significant" rise, a
# "signal", "collected signatures", "according to". Masked before the agreement cues are read.
_FALSE_FRIENDS = re.compile(r"(?<!\w)(?:committee|significan|signal|signatur|according)\w*")
# An agreement named as a thing ("the agreement", "a treaty", "the summer deal") is not the news
# that one was made. It counts as a weak word does (not in a sentence that proposes or plans:
# "proposed a tribunal like those in E.U. trade agreements"), and not at all where a speaker
# only calls something by it or judges it: "Marsh called it a treaty between neighbours",
# "she called the summer deal proof", "said the agreement was the best day".
_AGREEMENT_NOUN = re.compile(
    r"(?:agreements?|treat(?:y|ies)|pacts?|arrangements?|memorand\w*|truces?|ceasefires?|"
    r"cease-fires?|deals?|accords?|promises?|compromises?)\b"
)
_REACTION = re.compile(
    r"(?<!\w)(?:call(?:ed|s)?|describ\w*|hail\w*|prais\w*|(?:said|says) (?:that )?the)"
    r"(?:\W+\w+){0,3}\W+$"
)


# Words that name the sides, not what they did: "officials from both sides had spent a week
# preparing", "attended, together with the head of …" report no agreement; "both sides agreed"
# has its own word of agreeing.
_NAMES_THE_SIDES = frozenset({"both sides", "all sides", "together"})
# Words of a body's decision that show an agreement but are not among the leads the passes are
# shown (``_CUES``; changing those changes every prompt): a council "adopted a plan", a
# parliament "ratified the treaty".
_DECIDED = ("adopt", "ratif")
# A word of agreement in a clause that waits for one or supposes one: "until a deal is
# reached", "unless both sign", "pending approval", "if a private contract was signed".
_AWAITED = re.compile(r"(?<!\w)(?:until|till|unless|pending|if)(?:\W+\w+){0,4}\W+$")
# An agreement named with "a"/"an"/"any" is one spoken of, not one made ("we will not wait for
# an agreement", "hopes for a deal"), unless a verb of making one comes just before it ("struck
# a deal", "signed an agreement", "reached a compromise").
_INDEFINITE = re.compile(r"(?<!\w)(?:a|an|any)\W+(?:\w+\W+)?$")
_MADE = re.compile(
    r"(?<!\w)(?:struck|strike|sealed|clinched|concluded|reached|signed|brokered|made|agreed|"
    r"hammered out|worked out|settled on|came to|won|have|has|had|got|announced|unveiled|"
    r"approved|adopted|ratified|accepted|backed)\W+(?:\w+\W+){0,1}(?:a|an|any)\W+"
    r"(?:\w+\W+)?$"
)


def _counts_as_agreement(text: str, start: int, cue: str, tentative: bool) -> bool:
    before = text[max(0, start - 40) : start]
    if cue in _NAMES_THE_SIDES or _NOT_YET_AGREED.search(before) or _AWAITED.search(before):
        return False
    if _AGREEMENT_NOUN.match(text, start):
        if _INDEFINITE.search(before) and not _MADE.search(before):
            return False
        return not tentative and not _REACTION.search(before)
    return not (tentative and cue in _WEAK_AGREEMENT)


def shows_agreement(sentences: Sequence[Sentence]) -> bool:
    """True when a cited sentence holds a word of agreeing, signing or committing that no
    negation, refusal or modal turns ("Vardania refused to accept a body whose decisions could
    overrule its courts", "most residents would accept resettlement" are not agreements); a
    weak word ("joint", "deal", "support") or an agreement named as a thing ("the treaty")
    counts only in a sentence that proposes, plans or supposes nothing ("Carmody proposed a
    joint survey" is one side's offer), and a speaker calling something a deal reports none."""
    for sentence in sentences:
        text = _FALSE_FRIENDS.sub(lambda m: " " * len(m.group()), _folded([sentence]))
        tentative = bool(_TENTATIVE.search(text))
        if any(
            _counts_as_agreement(text, at, cue, tentative)
            for cue, at in _cue_hits(text, (*_CUES["agreement"], *_DECIDED))
        ):
            return True
    return False


def cue_sentences(kind: PointKind, sentences: Sequence[Sentence], first: int = 1) -> list[int]:
    """Positions (from ``first``, as the model numbers them) of the sentences that hold a cue of
    this kind: leads for the pass to check."""
    return [n for n, s in enumerate(sentences, start=first) if has_cue(kind, [s])]


@dataclass(frozen=True, slots=True)
class Candidate:
    """One point put to the verification pass."""

    number: int
    kind: PointKind
    claim: str  # statement or topic, with parties/positions
    sentences: list[Sentence]
    cited_as: list[int]  # the sentence numbers as the model cited them

    def render(self) -> str:
        cited = ", ".join(str(n) for n in self.cited_as) or "none"
        return f"{self.number}. {self.kind}: {self.claim} (sentences {cited})"


def render_candidates(candidates: Sequence[Candidate]) -> str:
    return "\n".join(c.render() for c in candidates)


def decide(
    candidates: Sequence[Candidate],
    checks: Sequence[Check] | None,
    *,
    article_has_difference: bool,
) -> tuple[set[int], VerificationCounts]:
    """The numbers of the candidates to keep, and the counts for ``meta.verification``.

    A candidate the model did not answer for is kept: silence is not evidence against it. With
    no verification pass at all (``checks`` None), only a cue keeps a candidate. In an
    article where no sentence speaks of refusal, opposition, criticism, suspicion or conditions
    (``article_has_difference`` false), the model's yes is not enough for a difference: it
    needs a cue in its own sentences, and there are none. A recorded run showed why: asked
    whether "approved the deal unanimously" shows a difference, the model said yes.
    """
    # No verification pass (``checks`` None): no verdict for anyone, so the cues decide alone.
    verdicts = {check.candidate: check.shown for check in checks or []}
    silence_keeps = checks is not None
    keep: set[int] = set()
    counts = VerificationCounts(checked=len(candidates))
    for candidate in candidates:
        cited = candidate.sentences
        shown = (
            shows_agreement(cited)
            if candidate.kind == "agreement"
            else has_cue(candidate.kind, cited)
        )
        cued = bool(cited) and shown
        said = verdicts.get(candidate.number, silence_keeps)
        # these need a cue in their own sentences, whatever the model said: see the docstring
        needs_cue = candidate.kind == "agreement" or not article_has_difference
        if (said and not needs_cue) or cued:
            keep.add(candidate.number)
            counts.kept_by_cue += not said
    counts.kept = len(keep)
    counts.dropped = counts.checked - counts.kept
    return keep, counts
