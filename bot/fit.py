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
from dataclasses import dataclass

import numpy as np

from bot.judge import FEATURES, confidence_needed

# the support, the answer type, and how sure the sentence ranker is of its best sentence (its
# probability, its lead over the next): of the sets compared by 5-fold log-loss on the tuning rows
# (with the cue phrase, a restated question, another year, the keyword shares, the cosines), the
# smallest with the lowest loss
DEFAULT_FEATURES = ("support", "typed", "rank_p", "margin")


@dataclass(frozen=True)
class Row:
    set_name: str
    case_id: str
    features: dict[str, float]
    correct: bool


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


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, iterations: int = 50):
    """Weights and bias maximising the L2-penalised log-likelihood (bias not penalised)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb * (p * (1 - p))[:, None]).T @ xb + np.diag(penalty) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-10:
            break
    return w[:-1], float(w[-1])


def fit(
    rows: Sequence[Row], l2: float, sources: dict[str, str], names: Sequence[str] = DEFAULT_FEATURES
) -> dict:
    """The judge's JSON: features, standardisation, weights and what they were fitted on."""
    if len({r.correct for r in rows}) < 2:
        raise ValueError("the tuning rows are all right or all wrong: nothing to fit")
    unknown = set(names) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown judge features {sorted(unknown)}; known: {', '.join(FEATURES)}")
    x = np.array([[r.features[f] for f in names] for r in rows], dtype=float)
    y = np.array([float(r.correct) for r in rows])
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    weights, bias = fit_logistic((x - mean) / scale, y, l2)
    data = json.dumps(
        [[r.set_name, r.case_id, r.correct, [round(r.features[f], 6) for f in names]] for r in rows]
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
