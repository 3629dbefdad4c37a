"""Fitting the sentence ranker: ``python -m bot fit-ranker``.

Every tuning question of the given sets is asked; its candidate sentences (bot/ranker.py) are
labelled right when the text the answer would quote for them (the sentence with the list it
introduces or the sentence it refers back to) holds one of the question's evidence spans. A
conditional logit is fitted on the questions with a right candidate (features standardised, an
L2 penalty, Newton's method: the same data give the same weights), and written with the hash
of its data.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.ranker import FEATURES, fit_softmax


@dataclass(frozen=True)
class Group:
    set_name: str
    case_id: str
    features: np.ndarray  # one row of FEATURES per candidate
    labels: np.ndarray  # 1.0 where the candidate's quote holds the evidence


def collect(engine, cases, set_name: str) -> list[Group]:
    """One group per answerable question with evidence spans and candidates."""
    from bot.evaluation.outcomes import evidence_in
    from bot.extractive import extend

    groups = []
    for case in cases:
        if not case.answerable or not case.evidence:
            continue
        trace: dict = {}
        engine.answer(case.question, trace=trace)
        sentences, hits = trace.get("sentences") or [], trace.get("hits") or []
        if not sentences:
            continue
        labels = []
        for s in sentences:
            a, b = extend(s, hits[s.hit_index].text)
            labels.append(1.0 if evidence_in(hits[s.hit_index].text[a:b], case.evidence) else 0.0)
        groups.append(
            Group(set_name, case.id, np.stack([s.features for s in sentences]), np.array(labels))
        )
    return groups


def top_share(groups: Sequence[Group], weights: np.ndarray, k: int = 1) -> float:
    """Share of the groups whose best-scored k candidates include a right one."""
    if not groups:
        return 0.0
    hits = 0
    for g in groups:
        order = np.argsort(-(g.features @ weights), kind="stable")
        hits += bool(g.labels[order[:k]].any())
    return hits / len(groups)


def fit(groups: Sequence[Group], l2: float, sources: dict[str, str]) -> dict:
    """The ranker's JSON: features, their scale, weights and what they were fitted on."""
    usable = [g for g in groups if g.labels.any()]
    if not usable:
        raise ValueError("no tuning question has a candidate sentence holding its evidence")
    x = np.vstack([g.features for g in usable])
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    weights = fit_softmax([(g.features / scale, g.labels) for g in usable], l2)
    data = json.dumps(
        [
            [g.set_name, g.case_id, g.labels.tolist(), np.round(g.features, 6).tolist()]
            for g in groups
        ]
    )
    raw = weights / scale
    return {
        "features": list(FEATURES),
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in weights],
        "l2": l2,
        "questions": len(groups),
        "questions_with_a_right_candidate": len(usable),
        "top1_tuning": round(top_share(groups, raw, 1), 4),
        "top3_tuning": round(top_share(groups, raw, 3), 4),
        "data_sha256": hashlib.sha256(data.encode()).hexdigest(),
        "fitted_on": sources,
    }


def cross_validated(groups: Sequence[Group], l2: float, folds: int = 5) -> float:
    """Top-1 share over the groups, each scored by weights fitted without its fold (groups
    dealt to folds in turn, so the same data give the same figure)."""
    right = 0
    for f in range(folds):
        train = [g for i, g in enumerate(groups) if i % folds != f and g.labels.any()]
        test = [g for i, g in enumerate(groups) if i % folds == f]
        if not train or not test:
            continue
        x = np.vstack([g.features for g in train])
        scale = x.std(axis=0)
        scale[scale == 0] = 1.0
        w = fit_softmax([(g.features / scale, g.labels) for g in train], l2) / scale
        right += round(top_share(test, w, 1) * len(test))
    return right / len(groups) if groups else 0.0
