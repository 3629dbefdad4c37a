"""What became of a question: its verdict, from the answer's outcome and the answer text.

Answerable questions:
  ``correct``   answered, and the answer text quotes one of the question's evidence spans (the
                sentence that answers), compared after ``answer_text_for_matching``;
  ``wrong``     answered, but no evidence span is in the answer text (a confident miss);
  ``passages``  the bot said it found no direct answer and showed passages (``outcome ==
                "passages"``);
  ``refused``   nothing relevant found.
Unanswerable questions: ``answered``, ``passages`` or ``refused``.

A question without evidence spans (two of the bundled set, whose wording is shared by two
statements) is correct when answered from an expected source with every answer keyword in the
answer text; there is nothing else to check it against.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from bot.evaluation import metrics
from bot.evaluation.testset import EvalCase

ANSWER_OUTCOMES = ("answer", "passages", "refused")
ANSWERABLE_VERDICTS = ("correct", "wrong", "passages", "refused")
UNANSWERABLE_VERDICTS = ("answered", "passages", "refused")

# the engine writes "quote [1]" for each quoted sentence; the markers are not the document's text
_CITATION_MARK = re.compile(r"\s*\[\d+\]")


def outcome_of(answer: Any) -> str:
    """``answer``, ``passages`` or ``refused``: the answer's ``outcome`` when it has one (the
    three-outcome engine), else read from ``refused``."""
    outcome = getattr(answer, "outcome", None)
    if outcome in ANSWER_OUTCOMES:
        return str(outcome)
    if outcome is not None:
        raise ValueError(f"unknown answer outcome {outcome!r} (expected one of {ANSWER_OUTCOMES})")
    return "refused" if answer.refused else "answer"


def answer_text_for_matching(text: str) -> str:
    """The answer text without citation markers, so that evidence spanning two quoted sentences
    ("… år. [1]\\nDet …") still matches."""
    return _CITATION_MARK.sub("", text)


def evidence_in(answer_text: str, evidence: Sequence[str]) -> bool:
    text = answer_text_for_matching(answer_text)
    return any(metrics.contains(text, e) for e in evidence)


def verdict(
    case: EvalCase, outcome: str, answer_text: str, cited_sources: Sequence[str] = ()
) -> str:
    """The verdict of one question (see the module docstring)."""
    if outcome not in ANSWER_OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    if outcome != "answer":
        return outcome
    if not case.answerable:
        return "answered"
    if case.evidence:
        return "correct" if evidence_in(answer_text, case.evidence) else "wrong"
    from_expected = bool(cited_sources) and metrics.source_matches(
        cited_sources[0], case.expected_sources
    )
    keywords = metrics.keyword_recall(answer_text_for_matching(answer_text), case.answer_keywords)
    return "correct" if from_expected and keywords in (None, 1.0) else "wrong"


def verdict_of(case: EvalCase, answer: Any) -> tuple[str, str]:
    """(outcome, verdict) of an engine Answer."""
    outcome = outcome_of(answer)
    sources = [c.source for c in answer.citations]
    return outcome, verdict(case, outcome, answer.answer, sources)


def rates(rows: Sequence[Mapping[str, Any]]) -> dict[str, float | int | None]:
    """The outcome rates over results rows carrying ``answerable`` and ``verdict``:
    correct / wrong / passages / refused over the answerable questions and answered / passages /
    refused over the unanswerable ones (None where a group is empty)."""
    answerable = [r["verdict"] for r in rows if r["answerable"]]
    unanswerable = [r["verdict"] for r in rows if not r["answerable"]]
    out: dict[str, float | int | None] = {}
    for name in ANSWERABLE_VERDICTS:
        out[f"{name}_rate"] = _share(answerable, name)
    for name in UNANSWERABLE_VERDICTS:
        out[f"unanswerable_{name}_rate"] = _share(unanswerable, name)
    out["n_unanswerable"] = len(unanswerable)
    return out


def _share(verdicts: Sequence[str], name: str) -> float | None:
    return sum(1 for v in verdicts if v == name) / len(verdicts) if verdicts else None
