"""The judge: does the chosen sentence answer, or only the passages around it?

Once the support score says the index holds something relevant, a small logistic model over
features the engine has already computed gives the probability that the quoted sentences answer
the question. Below the confidence set by ``Settings.wrong_answer_cost`` the bot shows the
passages instead of a confident miss. The weights are fitted by ``python -m bot fit`` on the
tuning parts of the labelled question sets and saved as JSON (bot/data/judge.json) with the hash
of the data they were fitted on; nothing here is tuned by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from bot.question import Question
from bot.weights import read_weights
from ingest.errors import UtbotError
from ingest.lexicon import years
from ingest.lexicon.questions import CUE_PATTERNS, RESTATES

FEATURES = (
    "support",  # the calibrated support score (dense, keyword, missing words, answer type)
    "sentence_dense",  # cosine of the question with the best sentence
    "passage_dense",  # cosine of the question with the best passage
    "keyword",  # share of the question's stems in the best sentence
    "missing",  # share of the question's content words the corpus never uses
    "typed",  # the question wants a type (name, number, date) and the answer has it: 1, lacks it: -1
    "margin",  # the sentence ranker's score of the best sentence minus the next one
    "rank_p",  # the sentence ranker's probability that the best sentence answers
    "restates",  # the best sentence restates a question ("… med en fråga om …")
    "cue",  # the question's kind has a cue phrase (deadline, reason, decision): found 1, absent -1
    "rank",  # rank of the passage the best sentence comes from (0 = best passage)
    "other_year",  # the question names a year, the quote names years but not that one: 1
    "coverage",  # share of the question's stems (weighted by rarity) in the answering passage
)


class JudgeModelError(UtbotError):
    """The judge's weights file is missing or does not fit the features the engine computes."""


def bundled_judge() -> Path:
    from importlib.resources import files

    return Path(str(files("bot").joinpath("data", "judge.json")))


def features(
    question: Question, hits, sentences, picked, parts: dict[str, float | None]
) -> dict[str, float | None]:
    """The judge's inputs for one question and its chosen sentences; None where a feature cannot
    be computed for this question (coverage of an English question by Swedish passages)."""
    best = picked[0]
    text = " ".join(s.text for s in picked)
    second = next((s for s in sentences if s not in picked), None)
    cue = 0.0
    if question.cue:
        cue = 1.0 if CUE_PATTERNS[question.cue].search(text) else -1.0
    typed = 0.0
    if question.expects_type:
        typed = 1.0 if parts.get("typed", 1.0) else -1.0
    return {
        "support": parts["support"],
        "sentence_dense": best.dense,
        "passage_dense": hits[0].dense if hits else 0.0,
        "keyword": best.keyword,
        "missing": parts.get("missing", 0.0),
        "typed": typed,
        "margin": best.score - second.score if second else None,  # no runner-up: unknown
        "rank_p": best.prob,
        "restates": 1.0 if RESTATES.search(best.text) else 0.0,
        "cue": cue,
        "rank": float(best.hit_index),
        "coverage": parts.get("coverage", 1.0),
        "other_year": 1.0
        if question.years and (quoted := years(text)) and not question.years & quoted
        else 0.0,
    }


@dataclass(frozen=True)
class Judge:
    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    meta: dict

    @classmethod
    def load(cls, path: Path) -> Judge:
        return cls(
            **read_weights(
                path,
                ("mean", "scale", "weights"),
                ("bias",),
                FEATURES,
                JudgeModelError,
                "Refit with `python -m bot fit` or set UTBOT_JUDGE_MODEL to a valid file.",
            )
        )

    def confidence(self, feats: dict[str, float | None]) -> float:
        """Probability that the chosen sentences answer the question. A feature the engine could
        not compute for this question (None) weighs as its mean over the fitted rows: nothing."""
        z = self.bias + sum(
            w * (feats[n] - m) / s
            for n, m, s, w in zip(self.names, self.mean, self.scale, self.weights, strict=True)
            if feats[n] is not None
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def confidence_needed(wrong_answer_cost: float) -> float:
    """Answer when p * 1 > (1 - p) * cost: a confident wrong answer costs ``cost`` correct ones."""
    return wrong_answer_cost / (1.0 + wrong_answer_cost)
