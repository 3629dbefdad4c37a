"""Fitting the judge: ``python -m bot fit``.

Every tuning question of the given sets is asked with the judge off (wrong_answer_cost 0); each
one the support lets through gives one row: the judge's features and whether the answer text
holds the question's evidence (an unanswerable question answered is a miss). A logistic model,
features standardised and an L2 penalty, is fitted by Newton's method: deterministic, so the
same data give the same weights. The weights are written with the hash of the data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.judge import FEATURES, confidence_needed

# the support, the answer type, how sure the sentence ranker is of its best sentence (its
# probability, its lead over the next), how much of the question the answering passage covers
# (docs/experiments.md #73), and since session 9 which passage the sentence comes from and the
# best passage's cosine: `python -m bot fit --compare` (5-fold, by question) on the tuning rows,
# adding them lowered the cross-validated log-loss 0.572 -> 0.539 (AUC 0.730 -> 0.763).
# "missing" lowered it further but took a weight against its meaning (it offsets the support's
# own missing-word term), so it is left out; cue phrase, restated question, other year: nothing
DEFAULT_FEATURES = ("support", "typed", "rank_p", "margin", "coverage", "rank", "passage_dense")


@dataclass(frozen=True)
class Row:
    set_name: str
    case_id: str
    features: dict[str, float]
    correct: bool
    weight: float = 1.0  # a question left without its source counts for less (see fit_rows)


def collect(engine, cases, set_name: str) -> list[Row]:
    """The judge's training rows for one question set, asked with the judge off: each question
    the support lets through, labelled by the evaluation's verdict (correct or not)."""
    from bot.evaluation.outcomes import verdict_of

    rows = []
    for case in cases:
        answer = engine.answer(case.question)
        if answer.outcome != "answer" or not answer.features:
            continue  # refused on support, or a named document's summary (not judged)
        _, verdict = verdict_of(case, answer)
        rows.append(Row(set_name, case.id, dict(answer.features), verdict == "correct"))
    return rows


def collect_without_source(engine, cases, set_name: str) -> list[Row]:
    """Near-topic questions the index cannot answer, made from the answerable ones: each question
    with evidence is asked again with the documents it was written from left out of retrieval.
    The passages left are about the same things (other statements, the documents beside it in
    the archive), which is what the judge must tell from an answer. A row is correct only if the
    answer still quotes the evidence (another document may say the same)."""
    from bot.evaluation.outcomes import evidence_in
    from bot.models import Filters

    rows = []
    for case in cases:
        if not leaves_out_source(case):
            continue
        left_out = Filters(exclude_sources=tuple(Path(s).name for s in case.expected_sources))
        answer = engine.answer(case.question, filters=left_out)
        if answer.outcome != "answer" or not answer.features:
            continue
        rows.append(
            Row(
                f"{set_name} (source left out)",
                case.id,
                dict(answer.features),
                evidence_in(answer.answer, case.evidence),
            )
        )
    return rows


def fit_rows(
    answered: Sequence[Row], left_out: Sequence[Row], unanswerable: int, asked: int
) -> list[Row]:
    """The judge's training rows: the tuning questions as asked, plus the questions asked without
    their source. These stand in for the near-topic questions the archive cannot answer, at the
    share the sets have, not at the share made up here: the ``asked`` questions count together as
    much as the sets' own ``unanswerable`` ones (those the support refuses give no row, as for
    real unanswerable questions)."""
    share = unanswerable / asked if asked else 0.0
    return [*answered, *(replace(r, weight=round(share, 6)) for r in left_out)]


def leaves_out_source(case) -> bool:
    """Is this a question ``collect_without_source`` asks again without its source?"""
    return bool(case.answerable and case.evidence and case.expected_sources)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    l2: float,
    iterations: int = 50,
    sample_weight: np.ndarray | None = None,
):
    """Weights and bias maximising the L2-penalised, sample-weighted log-likelihood (bias not
    penalised): Newton's method with step halving, as ``bot.ranker.fit_softmax``."""
    n, d = x.shape
    sw = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0

    def loss(v: np.ndarray) -> float:
        z = xb @ v
        return float(sw @ (np.logaddexp(0.0, z) - y * z) + 0.5 * penalty @ (v * v))

    current = loss(w)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (sw * (p - y)) + penalty * w
        hess = (xb * (sw * p * (1 - p))[:, None]).T @ xb + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        size, trial = 1.0, loss(w - step)
        while trial > current and size > 1e-6:  # halve the step until the loss falls
            size /= 2
            trial = loss(w - size * step)
        if trial > current:  # no step lowers it: the optimum, to rounding
            break
        w, current = w - size * step, trial
        if np.max(np.abs(size * step)) < 1e-10:
            break
    return w[:-1], float(w[-1])


def _matrix(rows: Sequence[Row], names: Sequence[str]) -> np.ndarray:
    """The rows' features; NaN where one could not be computed (None)."""
    return np.array(
        [[np.nan if r.features[f] is None else r.features[f] for f in names] for r in rows],
        dtype=float,
    )


def _standardisation(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and spread of each feature over the rows that have it."""
    mean, scale = np.nan_to_num(np.nanmean(x, axis=0)), np.nan_to_num(np.nanstd(x, axis=0))
    scale[scale == 0] = 1.0
    return mean, scale


def _standardised(x: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Standardised features; a missing one is the mean (0), as Judge.confidence weighs it."""
    return np.nan_to_num((x - mean) / scale, nan=0.0)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def fit(
    rows: Sequence[Row], l2: float, sources: dict[str, str], names: Sequence[str] = DEFAULT_FEATURES
) -> dict:
    """The judge's JSON: features, standardisation, weights and what they were fitted on."""
    if len({r.correct for r in rows}) < 2:
        raise ValueError("the tuning rows are all right or all wrong: nothing to fit")
    unknown = set(names) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown judge features {sorted(unknown)}; known: {', '.join(FEATURES)}")
    x = _matrix(rows, names)
    y = np.array([float(r.correct) for r in rows])
    sw = np.array([r.weight for r in rows])
    mean, scale = _standardisation(x)
    weights, bias = fit_logistic(_standardised(x, mean, scale), y, l2, sample_weight=sw)
    data = json.dumps(
        [
            [r.set_name, r.case_id, r.correct, [_rounded(r.features[f]) for f in names]]
            + ([r.weight] if r.weight != 1.0 else [])
            for r in rows
        ]
    )
    return {
        "features": list(names),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in weights],
        "bias": round(bias, 6),
        "l2": l2,
        "rows": len(rows),
        "rows_correct": int(y.sum()),
        "rows_left_out": sum(1 for r in rows if r.weight != 1.0),
        "left_out_weight": next((r.weight for r in rows if r.weight != 1.0), None),
        "data_sha256": hashlib.sha256(data.encode()).hexdigest(),
        "fitted_on": sources,
    }


def outcomes_at(rows: Sequence[Row], confidence: Callable[[dict], float], cost: float) -> dict:
    """Correct / wrong answers and passages among the rows at one wrong-answer cost."""
    need = confidence_needed(cost)
    out = {
        "correct": 0,
        "wrong": 0,
        "passages_instead_of_correct": 0,
        "passages_instead_of_wrong": 0,
    }
    for r in rows:
        answered = confidence(r.features) >= need
        key = (
            ("correct" if r.correct else "wrong")
            if answered
            else ("passages_instead_of_" + ("correct" if r.correct else "wrong"))
        )
        out[key] += 1
    return out


def out_of_fold(
    rows: Sequence[Row], names: Sequence[str], l2: float, folds: int = 5, seed: int = 0
) -> np.ndarray:
    """Each row's probability from a judge fitted without its fold: each question's rows (as
    asked, and without its source) fall in one fold, drawn with a fixed seed, so the same rows
    give the same figures."""
    cases = sorted({r.case_id for r in rows})
    order = np.random.default_rng(seed).permutation(len(cases))
    fold_of = {c: int(order[i]) % folds for i, c in enumerate(cases)}
    fold = np.array([fold_of[r.case_id] for r in rows])
    x = _matrix(rows, names)
    y = np.array([float(r.correct) for r in rows])
    sw = np.array([r.weight for r in rows])
    p = np.zeros(len(rows))
    for k in range(folds):
        train, test = fold != k, fold == k
        if not test.any() or len(set(y[train])) < 2:
            continue
        mean, scale = _standardisation(x[train])
        w, b = fit_logistic(
            _standardised(x[train], mean, scale), y[train], l2, sample_weight=sw[train]
        )
        p[test] = 1.0 / (1.0 + np.exp(-(_standardised(x[test], mean, scale) @ w + b)))
    return p


def out_of_fold_outcomes(
    rows: Sequence[Row], names: Sequence[str], l2: float, costs: Sequence[float], seeds: int = 5
) -> dict[float, dict[str, float]]:
    """How the tuning questions come out at each wrong-answer cost when each is judged by weights
    fitted without it (mean over ``seeds`` fold draws): the figures to choose settings and the
    cost by, as the in-sample ones favour whatever the fit can memorise."""
    asked = np.array([r.weight == 1.0 for r in rows])
    y = np.array([bool(r.correct) for r in rows])
    out = {c: {"correct": 0.0, "wrong": 0.0, "left_out_answered": 0.0} for c in costs}
    for seed in range(seeds):
        p = out_of_fold(rows, names, l2, seed=seed)
        for cost, totals in out.items():
            answered = p >= confidence_needed(cost)
            totals["correct"] += float((answered & y & asked).sum()) / seeds
            totals["wrong"] += float((answered & ~y & asked).sum()) / seeds
            totals["left_out_answered"] += float((answered & ~asked).sum()) / seeds
    return out


def cross_validated(
    rows: Sequence[Row], names: Sequence[str], l2: float, folds: int = 5, seed: int = 0
) -> dict[str, float]:
    """Out-of-fold weighted log-loss and AUC (correct against wrong rows) of a judge with these
    features (``out_of_fold``)."""
    p = out_of_fold(rows, names, l2, folds, seed)
    y = np.array([float(r.correct) for r in rows])
    sw = np.array([r.weight for r in rows])
    eps = 1e-9
    loss = -(sw * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))).sum() / sw.sum()
    pos, neg = y == 1, y == 0
    wins = (p[pos][:, None] > p[neg][None, :]) + 0.5 * (p[pos][:, None] == p[neg][None, :])
    pairs = sw[pos][:, None] * sw[neg][None, :]
    auc = float((wins * pairs).sum() / pairs.sum()) if pos.any() and neg.any() else 0.5
    return {"log_loss": float(loss), "auc": auc}
