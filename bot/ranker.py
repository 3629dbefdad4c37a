"""The sentence ranker: which candidate sentence of the top passages answers the question.

Each candidate gets features the engine already has or can read off the sentence (its cosine to
the question, the share of the question's words it holds and how rare those words are among the
candidates, the passage it comes from, the cue phrase of the question's kind, the answer type
the question wants …). A conditional logit (softmax over one question's candidates) weighs them;
the weights are fitted by ``python -m bot fit-ranker`` on the tuning parts of the labelled
question sets, where a candidate is right when the question's evidence is in the text the
answer would quote. The weights live in bot/data/ranker.json with the hash of their data;
nothing here is tuned by hand.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.question import Question
from bot.support import type_found
from bot.weights import read_weights
from ingest.errors import UtbotError
from ingest.lexicon import years
from ingest.lexicon.questions import CUE_PATTERNS, RESTATES

FEATURES = (
    "dense",  # cosine of the question with the sentence
    "keyword",  # share of the question's stems in the sentence
    "rare_keyword",  # the same, each stem weighted by how few candidates hold it
    "bigram",  # share of the question's adjacent stem pairs in the sentence
    "passage_rank",  # log(1 + rank) of the passage the sentence comes from
    "passage_dense",  # cosine of the question with that passage
    "passage_keyword",  # that passage's keyword (BM25) score over the best passage's
    "position",  # log(1 + ordinal) of the sentence within its passage
    "length",  # log of the sentence's length in characters
    "restates",  # restates a question put to the authors ("… med en fråga om …")
    "cue",  # the question's kind has a cue phrase (deadline, reason, decision) and it is here
    "typed",  # the question wants a type (name, number, date …) and the sentence has it
    "fallback",  # from below the top passages, brought in for its answer type
    "year",  # names a year the question names
    "other_year",  # the question names a year; the sentence names years, not that one
    "names",  # share of the question's proper names in the sentence
    "intro",  # introduces a list (ends with ':'), which the answer quotes with it
)


class RankerModelError(UtbotError):
    """The ranker's weights file is missing or does not fit the features the engine computes."""


def bundled_ranker() -> Path:
    from importlib.resources import files

    return Path(str(files("bot").joinpath("data", "ranker.json")))


def feature_matrix(
    q: Question, sentences: Sequence, hits: Sequence, analyzer, tokens: Sequence | None = None
) -> np.ndarray:
    """One row of FEATURES per candidate sentence (``bot.extractive.Sentence``); ``tokens``: the
    sentences' analyzer tokens when the caller already has them."""
    q_tokens = analyzer.tokens(q.resolved)
    q_stems = set(q_tokens)
    q_pairs = set(zip(q_tokens, q_tokens[1:], strict=False))
    tokens = tokens if tokens is not None else [analyzer.tokens(s.text) for s in sentences]
    stems = [set(t) for t in tokens]
    holders = {t: sum(t in st for st in stems) for t in q_stems}
    rare = {t: 1.0 / n for t, n in holders.items() if n}
    rare_total = sum(rare.values())
    cue = CUE_PATTERNS.get(q.cue or "")
    best_kw = max((h.keyword for h in hits), default=0.0)
    ordinals: dict[int, list[int]] = {}
    for s in sentences:
        ordinals.setdefault(s.hit_index, []).append(s.start)
    rows = []
    for s, st, toks in zip(sentences, stems, tokens, strict=True):
        pairs = set(zip(toks, toks[1:], strict=False))
        quoted = years(s.text)
        rows.append(
            (
                s.dense,
                len(q_stems & st) / len(q_stems) if q_stems else 0.0,
                sum(rare.get(t, 0.0) for t in q_stems & st) / rare_total if rare_total else 0.0,
                len(q_pairs & pairs) / len(q_pairs) if q_pairs else 0.0,
                math.log1p(s.hit_index),
                hits[s.hit_index].dense,
                hits[s.hit_index].keyword / best_kw if best_kw > 0 else 0.0,
                math.log1p(sorted(ordinals[s.hit_index]).index(s.start)),
                math.log(max(len(s.text), 1)),
                1.0 if RESTATES.search(s.text) else 0.0,
                1.0 if cue and cue.search(s.text) else 0.0,
                1.0 if q.expects_type and type_found(q.wanted, s.text) else 0.0,
                1.0 if s.fallback else 0.0,
                1.0 if q.years & quoted else 0.0,
                1.0 if q.years and quoted and not q.years & quoted else 0.0,
                sum(n in s.text for n in q.names) / len(q.names) if q.names else 0.0,
                1.0 if s.text.rstrip().endswith(":") else 0.0,
            )
        )
    return np.array(rows, dtype=float).reshape(len(rows), len(FEATURES))


@dataclass(frozen=True)
class Ranker:
    names: tuple[str, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    meta: dict

    @classmethod
    def load(cls, path: Path) -> Ranker:
        return cls(
            **read_weights(
                path,
                ("scale", "weights"),
                (),
                FEATURES,
                RankerModelError,
                "Refit with `python -m bot fit-ranker` or set UTBOT_RANKER_MODEL to a valid file.",
            )
        )

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        """The candidates' scores (log-odds up to a constant per question)."""
        cols = [FEATURES.index(n) for n in self.names]
        w = np.array(self.weights) / np.array(self.scale)
        return matrix[:, cols] @ w if len(matrix) else np.zeros(0)


def fit_softmax(
    groups: Sequence[tuple[np.ndarray, np.ndarray]], l2: float, iterations: int = 100
) -> np.ndarray:
    """Weights of a conditional logit: per question, the cross-entropy of P(i) = softmax(x_i . w)
    over that question's candidates against the right candidates (equal shares when several are
    right); an L2 penalty. Convex, solved by Newton's method with step halving (a full Newton step
    can overshoot and diverge: it did on 4 of 5 folds once SweQUAD-MC's questions joined the
    data); the same data give the same weights. ``groups``: (features, labels) per question,
    each with a right candidate."""
    d = groups[0][0].shape[1]
    targets = [y / y.sum() for _, y in groups]

    def loss(w: np.ndarray) -> float:
        total = 0.5 * l2 * float(w @ w)
        for (x, _), t in zip(groups, targets, strict=True):
            z = x @ w
            top = z.max()
            total += float(top + np.log(np.exp(z - top).sum()) - t @ z)
        return total

    w = np.zeros(d)
    current = loss(w)
    for _ in range(iterations):
        grad = l2 * w
        hess = l2 * np.eye(d)
        for (x, _), target in zip(groups, targets, strict=True):
            z = x @ w
            p = np.exp(z - z.max())
            p /= p.sum()
            mean_p = p @ x
            grad += mean_p - target @ x
            hess += (x * p[:, None]).T @ x - np.outer(mean_p, mean_p)
        step = np.linalg.solve(hess, grad)
        size = 1.0
        trial = loss(w - step)
        while trial > current and size > 1e-6:  # halve the step until the loss falls
            size /= 2
            trial = loss(w - size * step)
        if trial > current:  # no step lowers it: the optimum, to rounding
            break
        w, current = w - size * step, trial
        if np.max(np.abs(size * step)) < 1e-10:
            break
    return w
