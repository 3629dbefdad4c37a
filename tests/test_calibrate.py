"""``python -m bot calibrate``: choosing the refusal threshold from an eval run's support scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.evaluation.calibrate import Scored, calibrate_cmd, choose, load_scores
from bot.evaluation.cli import eval_cmd

ROOT = Path(__file__).resolve().parents[1]


def test_the_threshold_refuses_most_unanswerable_within_the_allowed_answerable_refusals():
    rows = [
        Scored("a1", 0.95, True),
        Scored("a2", 0.90, True),
        Scored("a3", 0.80, True),
        Scored("u1", 0.78, False),
        Scored("u2", 0.70, False),
        Scored("u3", 0.85, False),  # near-topic: scores above an answerable question
    ]
    strict = choose(rows, max_answerable_refused=1)
    assert (strict.answerable_refused, strict.unanswerable_answered) == (1, 0)
    assert strict.threshold == pytest.approx(0.875) and strict.margin == pytest.approx(0.025)
    lenient = choose(rows, max_answerable_refused=0)
    assert (lenient.answerable_refused, lenient.unanswerable_answered) == (0, 1)
    assert lenient.threshold == pytest.approx(0.79)  # the middle of the gap 0.78 … 0.80


def test_a_results_file_without_support_scores_is_named_in_the_error(tmp_path):
    beir = tmp_path / "results.jsonl"
    beir.write_text(json.dumps({"id": "q1", "retrieved": ["d1"], "rank": 1}) + "\n", "utf-8")
    result = CliRunner().invoke(calibrate_cmd, [str(beir)])
    assert result.exit_code == 1
    assert f"{beir}:1" in result.output and "python -m bot eval TESTSET.jsonl" in result.output


@pytest.fixture(scope="module")
def small_testset(tmp_path_factory) -> Path:
    """Every unanswerable question of the bundled test set and the first 24 answerable ones."""
    rows = [json.loads(line) for line in (ROOT / "eval" / "testset.jsonl").open(encoding="utf-8")]
    answerable = [r for r in rows if r.get("answerable", True)][:24]
    chosen = answerable + [r for r in rows if not r.get("answerable", True)]
    path = tmp_path_factory.mktemp("calibrate") / "small.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in chosen), "utf-8")
    return path


def _eval(testset: Path, settings, out: Path) -> dict:
    result = CliRunner().invoke(
        eval_cmd, [str(testset), "--index", str(settings.index_dir), "--out", str(out)], obj=settings
    )
    assert result.exit_code == 0, result.output
    return json.loads((out / "summary.json").read_text())["metrics"]


def test_a_threshold_calibrated_from_a_badly_set_run_holds_when_applied(
    small_testset, bundled_settings, tmp_path
):
    # as after a switch of embedder: the configured threshold no longer fits the scores. The
    # judge is off: the threshold is calibrated on the support alone, which is what it gates
    judge_off = {"wrong_answer_cost": 0.0}
    bad = bundled_settings.model_copy(update={"refusal_threshold": 0.95, **judge_off})
    before = _eval(small_testset, bad, tmp_path / "bad")
    assert before["answerable_refused"] >= 5

    result = CliRunner().invoke(calibrate_cmd, [str(tmp_path / "bad" / "results.jsonl")])
    assert result.exit_code == 0, result.output
    threshold = float(result.output.rsplit("UTBOT_REFUSAL_THRESHOLD=", 1)[1])
    predicted = choose(load_scores([tmp_path / "bad" / "results.jsonl"]))
    assert predicted.answerable_refused <= 1

    fixed = bundled_settings.model_copy(update={"refusal_threshold": threshold, **judge_off})
    after = _eval(small_testset, fixed, tmp_path / "fixed")
    assert after["answerable_refused"] == predicted.answerable_refused
    unanswerable = after["n_questions"] - after["n_answerable"]
    refused_unanswerable = round(after["refusal_recall"] * unanswerable)
    assert unanswerable - refused_unanswerable == predicted.unanswerable_answered
