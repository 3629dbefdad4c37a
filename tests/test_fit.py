"""The judge: fitted reproducibly by ``python -m bot fit``, loaded with clear errors, and deciding
between an answer, the passages on the topic, and a refusal."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from bot.fit import (
    Row,
    collect_without_source,
    cross_validated,
    fit,
    fit_logistic,
    fit_rows,
    out_of_fold_outcomes,
    outcomes_at,
)
from bot.judge import FEATURES, Judge, JudgeModelError, bundled_judge, confidence_needed


def rows() -> list[Row]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(60):
        feats = {f: float(rng.normal()) for f in FEATURES}
        out.append(Row("set", f"q{i}", feats, bool(feats["support"] + 0.5 * rng.normal() > 0)))
    return out


def test_the_same_rows_give_the_same_weights_and_data_hash():
    a = fit(rows(), 1.0, {"set": "60 tuning questions"})
    b = fit(list(rows()), 1.0, {"set": "60 tuning questions"})
    assert json.dumps(a) == json.dumps(b)
    changed = rows()
    changed[0] = Row("set", "q0", changed[0].features, not changed[0].correct)
    assert fit(changed, 1.0, {})["data_sha256"] != a["data_sha256"]


def test_a_feature_that_cannot_be_computed_weighs_as_its_mean(tmp_path):
    """An English question's coverage by Swedish stems is unknown (None): the fit standardises
    over the rows that have it, and the judge weighs it as the mean, i.e. not at all."""
    data = rows()
    for r in data[:10]:
        r.features["coverage"] = None
    model = fit(data, 1.0, {})
    i = model["features"].index("coverage")
    assert model["mean"][i] == round(float(np.mean([r.features["coverage"] for r in data[10:]])), 6)
    path = tmp_path / "judge.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    judge = Judge.load(path)
    feats = dict(data[0].features)
    at_mean = dict(feats, coverage=model["mean"][i])
    assert feats["coverage"] is None
    assert judge.confidence(feats) == pytest.approx(judge.confidence(at_mean))
    assert cross_validated(data, model["features"], 1.0)["auc"] > 0.5



def test_a_chosen_sentence_without_a_runner_up_has_no_margin_to_weigh():
    from bot.extractive import Sentence
    from bot.judge import features
    from bot.question import parse

    q = parse("Vilket stöd får skolorna?")
    best = Sentence(0, 0, 40, "Förvaltningen ger stöd till fem skolor.", score=2.0)
    other = Sentence(0, 41, 70, "Skolorna ligger i Vantör.", score=0.5)
    assert features(q, [], [best, other], [best], {"support": 0.9})["margin"] == pytest.approx(1.5)
    assert features(q, [], [best], [best], {"support": 0.9})["margin"] is None

def test_out_of_fold_outcomes_judge_each_question_by_weights_fitted_without_it():
    rng = np.random.default_rng(3)
    data = []
    for i in range(80):
        feats = {f: float(rng.normal()) for f in FEATURES}
        asked = i < 60
        if not asked:  # a near-topic question the index cannot answer: less support
            feats["support"] = -abs(feats["support"])
        data.append(Row("set", f"q{i}", feats, asked and feats["support"] > 0, 1.0 if asked else 0.3))
    names = ["support", "margin"]
    by_cost = out_of_fold_outcomes(data, names, 1.0, costs=(1.5, 6))
    assert by_cost == out_of_fold_outcomes(list(data), names, 1.0, costs=(1.5, 6))  # seeded
    a = by_cost[1.5]
    # a dearer wrong answer: fewer answers, right ones and wrong ones alike
    assert by_cost[6]["correct"] <= a["correct"] and by_cost[6]["wrong"] <= a["wrong"]
    assert by_cost[6]["correct"] < a["correct"]  # the least sure right ones drop
    right = sum(1 for r in data[:60] if r.correct)
    # a separable feature: out of fold, most right rows answered (those near the boundary are not
    # sure enough at cost 1.5) and no wrong one
    assert a["correct"] >= 0.7 * right and a["wrong"] <= 2
    # the rows asked without their source count apart: never as correct answers
    assert a["correct"] <= right and a["left_out_answered"] <= 20
    # labels that no feature explains: what an in-sample fit could memorise is not credited
    noise = [Row(r.set_name, r.case_id, r.features, bool(rng.random() < 0.5)) for r in data[:60]]
    n = out_of_fold_outcomes(noise, list(FEATURES), 1.0, costs=(1.5,))[1.5]
    assert n["correct"] - 1.5 * n["wrong"] < a["correct"] - 1.5 * a["wrong"]


def test_newton_finds_the_penalised_maximum_likelihood():
    x = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0], [0.2], [-0.2]])
    y = np.array([0, 0, 1, 0, 1, 1, 1, 0], dtype=float)
    w, b = fit_logistic(x, y, l2=1.0)
    p = 1 / (1 + np.exp(-(x[:, 0] * w[0] + b)))
    assert abs(np.sum((p - y) * x[:, 0]) + 1.0 * w[0]) < 1e-8  # gradient zero
    assert abs(np.sum(p - y)) < 1e-8 and w[0] > 0


def test_a_row_of_weight_two_counts_as_the_same_row_twice():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(30, 2))
    y = (x[:, 0] + rng.normal(size=30) > 0).astype(float)
    weights = np.where(np.arange(30) < 10, 2.0, 1.0)
    twice = np.vstack([x, x[:10]]), np.concatenate([y, y[:10]])
    assert np.allclose(
        fit_logistic(x, y, 1.0, sample_weight=weights)[0], fit_logistic(*twice, 1.0)[0]
    )


def test_questions_left_without_their_source_count_as_the_sets_unanswerable_ones():
    asked = rows()[:40]
    left_out = [
        Row("set (source left out)", f"q{i}", r.features, False) for i, r in enumerate(rows())
    ]
    got = fit_rows(asked, left_out, unanswerable=15, asked=60)
    assert got[:40] == asked and all(r.weight == 0.25 for r in got[40:])  # 15 of 60
    model = fit(got, 1.0, {})
    assert model["rows_left_out"] == 60 and model["left_out_weight"] == 0.25
    assert model["data_sha256"] != fit(asked + left_out, 1.0, {})["data_sha256"]


def test_a_question_asked_without_its_source_never_sees_that_document(engine):
    from bot.evaluation.testset import load_testset

    cases = [c for c in load_testset("eval/splits/testset.tuning.jsonl") if c.evidence][:8]
    sure = type(engine)(engine.settings.model_copy(update={"wrong_answer_cost": 0.0}), engine.embedder)
    seen = []
    real = sure.answer
    sure.answer = lambda q, **kw: seen.append(real(q, **kw)) or seen[-1]
    got = collect_without_source(sure, cases, "testset.tuning.jsonl")
    assert len(seen) == len(cases)
    for case, answer in zip(cases, seen, strict=True):
        shown = [c.source for c in answer.citations + answer.nearest]
        assert shown and not set(shown) & set(case.expected_sources), case.id
    assert got and all(r.set_name.endswith("(source left out)") for r in got)
    assert not any(r.correct for r in got)  # the bundled statements do not repeat each other
    again = real(cases[0].question)  # asked as usual afterwards, its source is found again
    assert {c.source for c in again.citations + again.nearest} & set(cases[0].expected_sources)


def test_a_feature_that_separates_right_from_wrong_gets_the_weight(tmp_path):
    model = fit(rows(), 1.0, {}, names=("support", "rank"))
    path = tmp_path / "judge.json"
    path.write_text(json.dumps(model))
    judge = Judge.load(path)
    assert judge.weights[0] > 1.0 and abs(judge.weights[1]) < 0.5
    high = judge.confidence({"support": 2.0, "rank": 0.0})
    low = judge.confidence({"support": -2.0, "rank": 0.0})
    assert high > 0.9 > 0.1 > low
    counts = outcomes_at(rows(), judge.confidence, 3.0)
    assert counts["wrong"] < sum(not r.correct for r in rows())


def test_feature_choice_is_judged_out_of_fold_and_reproducibly():
    rng = np.random.default_rng(3)
    rows = []
    for i in range(120):
        right = bool(i % 2)
        feats = {f: float(rng.normal()) for f in FEATURES}
        feats["rank"] = float(rng.normal()) - (1.0 if right else 0.0)  # fewer passages down
        rows.append(Row("s", f"q{i // 2}", feats, right))  # two rows per question
    with_signal = cross_validated(rows, ["support", "rank"], 1.0)
    noise_only = cross_validated(rows, ["support", "missing"], 1.0)
    assert with_signal["log_loss"] < noise_only["log_loss"] and with_signal["auc"] > 0.65
    assert 0.35 < noise_only["auc"] < 0.65
    assert cross_validated(rows, ["support", "rank"], 1.0) == with_signal


def test_the_cost_of_a_wrong_answer_sets_the_confidence_needed():
    assert confidence_needed(0) == 0 and confidence_needed(1) == 0.5
    assert confidence_needed(3) == 0.75


def test_a_bad_weights_file_says_how_to_refit(tmp_path):
    path = tmp_path / "judge.json"
    with pytest.raises(JudgeModelError, match="python -m bot fit"):
        Judge.load(path)
    path.write_text(json.dumps({**fit(rows(), 1.0, {}), "features": ["no_such_feature"]}))
    with pytest.raises(JudgeModelError, match="no_such_feature"):
        Judge.load(path)


def test_the_shipped_judge_loads_and_names_its_data():
    judge = Judge.load(bundled_judge())
    assert set(judge.names) <= set(FEATURES)
    assert len(judge.meta["data_sha256"]) == 64 and judge.meta["fitted_on"]


def test_fit_refuses_a_blind_part():
    from bot.fit_cli import fit_cmd

    result = CliRunner().invoke(fit_cmd, ["--set", "eval/splits/testset.blind.jsonl=index"])
    assert result.exit_code != 0 and "tuning part only" in result.output


def test_the_judge_turns_an_unsure_answer_into_the_passages_on_the_topic(
    bundled_settings, embedder, tmp_path
):
    from bot.engine import Engine

    model = {**fit(rows(), 1.0, {}, names=("support",)), "bias": -50.0}  # never sure
    path = tmp_path / "judge.json"
    path.write_text(json.dumps(model))
    engine = Engine(bundled_settings.model_copy(update={"judge_model": path}), embedder)
    answer = engine.answer("Varför ingår inte Skärholmen i rektorsnätverket?")
    assert answer.outcome == "passages" and answer.refused
    assert answer.answer.startswith("Jag hittar inget direkt svar") and answer.nearest
    assert answer.to_json()["outcome"] == "passages"
    off_topic = engine.answer("Vad kostar en flygbiljett till Bangkok?")
    assert off_topic.outcome == "refused" and off_topic.confidence is None
    sure = Engine(bundled_settings.model_copy(update={"wrong_answer_cost": 0.0}), embedder)
    answered = sure.answer("Varför ingår inte Skärholmen i rektorsnätverket?")
    assert answered.outcome == "answer" and not answered.refused and answered.citations


def test_an_answer_outcome_must_agree_with_refused():
    from bot.models import Answer

    assert Answer("q", "a", True, []).outcome == "refused"
    assert Answer("q", "a", False, []).outcome == "answer"
    with pytest.raises(ValueError):
        Answer("q", "a", False, [], outcome="passages")
    with pytest.raises(ValueError):
        Answer("q", "a", True, [], outcome="maybe")


def test_terminal_and_slack_say_which_outcome_they_show():
    from bot.cli_ask import format_answer
    from bot.models import Answer, Citation
    from bot.slack.blocks import Templates, answer_blocks
    from ingest.settings import Settings

    settings = Settings()
    cite = Citation(
        1,
        "c1",
        "d1",
        "a.txt",
        "Att vända skolresultat",
        None,
        None,
        None,
        None,
        "Stöd från central förvaltning.",
        "Stöd från central förvaltning.",
        0.9,
    )
    shown = {}
    for outcome in ("passages", "refused"):
        a = Answer("Vad händer 2030?", "…", True, [], nearest=[cite], outcome=outcome)
        blocks = json.dumps(
            answer_blocks(a, Templates.from_prompts_dir(settings.prompts_dir), "id"),
            ensure_ascii=False,
        )
        shown[outcome] = (format_answer(a, settings.prompts_dir), blocks)
    assert "Avsnitt som handlar om frågan" in shown["passages"][0]
    assert (
        "Inget direkt svar" in shown["passages"][1]
        and "Närmaste träffar" not in shown["passages"][1]
    )
    assert "Närmaste träffar" in shown["refused"][0] and "Närmaste träffar" in shown["refused"][1]
