"""Settings of the read side's extractive answer: retrieval and fusion, the support and its
refusal threshold, the fitted judge and sentence ranker and what an answer quotes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field


class AnswerSettings(BaseModel):
    top_k: int = Field(5, ge=1, le=20, description="Citations returned with an answer (-k).")
    candidates: int = Field(
        40,
        ge=5,
        description="Candidates taken from each retriever (dense and keyword) before fusion.",
    )
    dense_weight: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Weight of the dense side in score fusion (keyword: 1 - this).",
    )
    adaptive_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Lower the dense weight by this much times the share of the question's words "
        "that the best keyword match contains (0: fixed weights).",
    )
    gram_weight: float = Field(
        0.7,
        ge=0,
        le=1,
        description="Share of character 4-grams in the keyword score (the rest: stemmed words, "
        "compounds split). Each side is scaled by its best score before mixing.",
    )
    section_boost: float = Field(
        0.25,
        ge=0,
        description="Added to a passage's fused score when the question names its section "
        '("bilagan", "konsekvenser"); scaled by the share of the section name the question '
        "names (at least section_boost_floor).",
    )
    section_boost_floor: float = Field(
        0.5,
        ge=0,
        le=1,
        description="A question naming one word of a long section name gets at least this share "
        "of section_boost (docs/experiments.md #22).",
    )
    fusion: Literal["minmax", "zscore", "rrf"] = Field(
        "minmax",
        description="How the dense and keyword scores are put on one scale before mixing: min-max "
        "over the candidates, z-scores, or reciprocal ranks (see docs/experiments.md).",
    )
    refusal_threshold: float = Field(
        0.817,
        description="Answer only when the best passage's support score reaches this; below it the "
        "answer is refused and the nearest passages are shown as such. Calibrated on eval data.",
    )
    support_keyword_weight: float = Field(
        0.25,
        ge=0,
        description="The support is max(cosine of the best passage, of the best sentence) + this "
        "× the share of the question's stems in the best sentence − support_missing_weight × "
        "the share of its content words the corpus never uses − type_penalty when the answer "
        "lacks the asked type; refused below refusal_threshold (calibrated with these weights).",
    )
    support_missing_weight: float = Field(
        0.3,
        ge=0,
        description="See support_keyword_weight: what a question's words that no document uses "
        "take from the support (a question about something the archive never mentions).",
    )
    type_penalty: float = Field(
        0.3,
        ge=0,
        description="Subtracted from the support when the chosen sentences lack what the question "
        "asks for (a name for 'Vem' or 'Vilken forskare', a number for 'Hur många', a date for "
        "'När', a school's name for 'Vilka skolor').",
    )
    support_keyword_share_en: float = Field(
        0.4,
        ge=0,
        le=1,
        description="The keyword share an English question is given in the support: its words "
        "cannot match the Swedish passages' stems, so a typical Swedish question's share.",
    )
    wrong_answer_cost: float = Field(
        1.5,
        ge=0,
        description="How many correct answers one confident wrong answer costs. The fitted judge "
        "gives the probability p that the chosen sentences answer; the bot answers when "
        "p > cost / (1 + cost) and otherwise shows the passages on the topic ('passages'). "
        "0: always answer once the support clears refusal_threshold.",
    )
    judge_model: Path | None = Field(
        None,
        description="The judge's fitted weights (JSON written by `python -m bot fit`). Unset: "
        "the file shipped in bot/data/judge.json.",
    )
    answer_sentences: int = Field(
        3, ge=1, le=5, description="Most sentences in an extractive answer."
    )
    answer_sentence_ratio: float = Field(
        0.3,
        gt=0,
        le=1,
        description="An extractive answer quotes, after the best sentence, those the sentence "
        "ranker finds at least this share as likely to answer (up to answer_sentences). Chosen "
        "on the tuning parts (docs/evaluation.md).",
    )
    answer_passages: int = Field(
        3,
        ge=1,
        le=10,
        description="How many of the best passages the answer's sentences come from.",
    )
    candidates_per_passage: int = Field(
        24,
        ge=1,
        description="How many of the first sentences of each of the best passages the ranker "
        "weighs (a signature block's lines count as one).",
    )
    rank_embedded: int = Field(
        40,
        ge=1,
        description="Most candidate sentences embedded per question for the sentence ranker; "
        "past it, those sharing the most words with the question are embedded.",
    )
    ranker_model: Path | None = Field(
        None,
        description="The sentence ranker's fitted weights (JSON written by `python -m bot "
        "fit-ranker`). Unset: the file shipped in bot/data/ranker.json.",
    )
