"""Verdicts (correct / wrong / passages / refused; answered for unanswerable questions), their
rates, and the gate on them, on constructed answers."""

from __future__ import annotations

import json

import pytest

from bot.evaluation import outcomes
from bot.evaluation.gate import BaselineError, compare, is_gated, load_baseline
from bot.evaluation.runner import result_row, summarise
from bot.evaluation.testset import EvalCase
from bot.models import Answer
from tests.test_eval_metrics import V, citation

DEADLINE = EvalCase(
    "d",
    "När ska uppdraget redovisas?",
    expected_sources=(V,),
    evidence=("Uppdraget ska redovisas senast den 1 juni 2025.",),
    kind="date",
)
UNANSWERABLE = EvalCase("u", "Hur många elever har Grimstaskolan?", answerable=False)


def answer(text: str, refused: bool = False, outcome: str | None = None, source: str = V):
    a = Answer("q", text, refused, [] if refused else [citation(1, text, source)])
    if outcome is not None:
        a.outcome = outcome  # type: ignore[attr-defined]  # the three-outcome engine's field
    return a


def test_answer_quoting_the_evidence_is_correct_even_across_quotes_and_markers():
    quoted = "Uppdraget ska redovisas\nsenast den 1 juni 2025. [1]"
    assert outcomes.verdict_of(DEADLINE, answer(quoted)) == ("answer", "correct")
    split = "Uppdraget ska redovisas senast [1]\nden 1 juni 2025. [2]"
    assert outcomes.verdict_of(DEADLINE, answer(split))[1] == "correct"


def test_confident_answer_without_the_evidence_is_wrong_even_with_the_keywords():
    topic = "Uppdraget gäller stöd till skolor; redovisning 1 juni 2025 av Skolverket. [1]"
    assert outcomes.verdict_of(DEADLINE, answer(topic)) == ("answer", "wrong")


def test_passages_and_refusals_come_from_the_outcome_with_a_fallback_on_refused():
    shown = answer("Jag hittar inget direkt svar …", refused=True, outcome="passages")
    assert outcomes.verdict_of(DEADLINE, shown) == ("passages", "passages")
    old_engine_refusal = answer("Jag hittar inget om det.", refused=True)
    assert outcomes.verdict_of(DEADLINE, old_engine_refusal) == ("refused", "refused")
    assert (
        outcomes.verdict_of(DEADLINE, answer("x", refused=True, outcome="refused"))[1] == "refused"
    )
    with pytest.raises(ValueError, match="unknown answer outcome"):
        outcomes.outcome_of(answer("x", outcome="maybe"))


def test_unanswerable_questions_are_answered_passages_or_refused():
    assert (
        outcomes.verdict_of(UNANSWERABLE, answer("Grimstaskolan har elever. [1]"))[1] == "answered"
    )
    shown = answer("…", refused=True, outcome="passages")
    assert outcomes.verdict_of(UNANSWERABLE, shown)[1] == "passages"
    assert outcomes.verdict_of(UNANSWERABLE, answer("…", refused=True))[1] == "refused"


def test_without_evidence_the_source_and_every_keyword_must_match():
    case = EvalCase("f", "Vad föreslås?", expected_sources=(V,), answer_keywords=("godkänner",))
    assert outcomes.verdict_of(case, answer("Nämnden godkänner svaret. [1]"))[1] == "correct"
    assert outcomes.verdict_of(case, answer("Nämnden godkänner. [1]", source="x.txt"))[1] == "wrong"
    assert outcomes.verdict_of(case, answer("Nämnden avslår. [1]"))[1] == "wrong"


def test_rates_count_answerable_and_unanswerable_questions_apart():
    rows = [
        result_row(DEADLINE, answer("Uppdraget ska redovisas senast den 1 juni 2025."), 1.0),
        result_row(DEADLINE, answer("Något annat. [1]"), 1.0),
        result_row(DEADLINE, answer("…", refused=True, outcome="passages"), 1.0),
        result_row(DEADLINE, answer("…", refused=True), 1.0),
        result_row(UNANSWERABLE, answer("Svar. [1]"), 1.0),
        result_row(UNANSWERABLE, answer("…", refused=True, outcome="passages"), 1.0),
    ]
    assert [r["verdict"] for r in rows] == [
        "correct",
        "wrong",
        "passages",
        "refused",
        "answered",
        "passages",
    ]
    m = summarise(rows)
    assert list(m)[:4] == ["correct_rate", "wrong_rate", "passages_rate", "refused_rate"]
    assert (m["correct_rate"], m["wrong_rate"], m["passages_rate"], m["refused_rate"]) == (
        0.25,
        0.25,
        0.25,
        0.25,
    )
    assert m["unanswerable_answered_rate"] == m["unanswerable_passages_rate"] == 0.5
    assert m["unanswerable_refused_rate"] == 0.0
    assert (
        outcomes.rates([r for r in rows if r["answerable"]])["unanswerable_answered_rate"] is None
    )


def test_passages_shown_instead_of_an_answer_are_checked_for_the_evidence():
    def shown(text: str) -> Answer:
        a = Answer("q", "Jag hittar inget direkt svar …", True, [], nearest=[citation(1, text)])
        a.outcome = "passages"  # type: ignore[attr-defined]
        return a

    there = result_row(DEADLINE, shown("Bakgrund. Uppdraget ska redovisas senast den 1 juni 2025."), 1.0)
    elsewhere = result_row(DEADLINE, shown("Uppdraget gäller stöd till skolor."), 1.0)
    answered = result_row(DEADLINE, answer("Uppdraget ska redovisas senast den 1 juni 2025."), 1.0)
    assert (there["evidence_in_passages"], elsewhere["evidence_in_passages"]) == (True, False)
    assert answered["evidence_in_passages"] is None  # an answer is judged by its own text
    assert summarise([there, elsewhere, answered])["passages_with_evidence"] == 0.5
    assert not is_gated("passages_with_evidence")
    # the excerpt the reader is shown counts apart from the passage's whole text
    cut = shown("Uppdraget gäller stöd till skolor.")
    cut.nearest[0].full_text = "Uppdraget gäller stöd. Uppdraget ska redovisas senast den 1 juni 2025."
    hidden = result_row(DEADLINE, cut, 1.0)
    assert (hidden["evidence_in_passages"], hidden["evidence_in_excerpts"]) == (True, False)
    assert there["evidence_in_excerpts"] is True
    assert summarise([there, hidden])["passages_showing_evidence"] == 0.5


# --- the gate on the outcome rates ---------------------------------------------------------------


def base(**gate) -> dict:
    metrics = {
        "correct_rate": 0.80,
        "wrong_rate": 0.10,
        "unanswerable_answered_rate": 0.0,
        "passages_rate": 0.05,
    }
    return {"metrics": metrics, **({"gate": gate} if gate else {})}


def test_gate_fails_on_fewer_correct_more_wrong_or_an_answered_unanswerable():
    def worse(**changes):
        return [
            c.metric
            for c in compare({"metrics": {**base()["metrics"], **changes}}, base()).regressions
        ]

    assert worse(correct_rate=0.75) == ["correct_rate"]
    assert worse(wrong_rate=0.15) == ["wrong_rate"]
    assert worse(unanswerable_answered_rate=0.1) == ["unanswerable_answered_rate"]
    assert worse(wrong_rate=0.0, correct_rate=0.9, passages_rate=0.0) == []
    assert not is_gated("passages_rate") and is_gated("wrong_rate")


def test_gate_tolerances_come_from_the_baseline_file(tmp_path):
    strict = base(tolerance=0.05, tolerances={"unanswerable_answered_rate": 0.0})
    current = {
        "metrics": {**strict["metrics"], "correct_rate": 0.76, "unanswerable_answered_rate": 0.01}
    }
    result = compare(current, strict, tolerance=0.5)  # the file's section wins over the default
    assert [c.metric for c in result.regressions] == ["unanswerable_answered_rate"]
    assert "tolerance 0.0" in result.describe_regressions()[0]
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps(base(tolerance="small")), encoding="utf-8")
    with pytest.raises(BaselineError, match="field 'gate'.tolerance"):
        load_baseline(path)
