"""Metric functions: pure and small, checked on hand-computed cases (tests/test_eval_metrics.py)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath

from ingest.lexicon import WRITTEN_OUT

HIT_KS = (1, 3, 5)


_DASHES = str.maketrans("‐‑‒–—−", "------")


def normalise(text: str) -> str:
    """Case-folded, every run of whitespace one space, every dash a hyphen and a few common
    abbreviations written out: how evidence and keywords are matched (statements write
    "2021-2024" in one section and "2021–2024" in the next)."""
    out = " ".join(text.translate(_DASHES).split()).casefold()
    for short, long in WRITTEN_OUT.items():
        out = out.replace(short, long)
    return out


def contains(haystack: str, needle: str) -> bool:
    return normalise(needle) in normalise(haystack)


def contains_words(haystack: str, needle: str) -> bool:
    """``contains`` at word boundaries: "fem" is not found in "femte"."""
    pattern = r"(?<!\w)" + re.escape(normalise(needle)) + r"(?!\w)"
    return re.search(pattern, normalise(haystack)) is not None


def source_matches(source: str | None, expected: Iterable[str]) -> bool:
    """A source matches an expected file name by its full value or its file name."""
    if not source:
        return False
    names = {source, PurePath(source).name}
    return any(e in names or PurePath(e).name in names for e in expected)


def citation_is_hit(
    evidence: Sequence[str], expected_sources: Sequence[str], passage: str, source: str | None
) -> bool:
    """Hit: the passage contains any evidence string; with no evidence, its source is expected."""
    if evidence:
        return any(contains(passage, e) for e in evidence)
    return source_matches(source, expected_sources)


def first_hit_rank(flags: Sequence[bool]) -> int | None:
    """1-based rank of the first hit, None when there is none."""
    return next((i for i, flag in enumerate(flags, start=1) if flag), None)


def hit_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of questions whose first hit is within the top k (None for no questions)."""
    if not ranks:
        return None
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mrr(ranks: Sequence[int | None], k: int | None = None) -> float | None:
    """Mean reciprocal rank of the first hit; ranks past k (when given) count as misses."""
    if not ranks:
        return None
    return sum(1 / r for r in ranks if r is not None and (k is None or r <= k)) / len(ranks)


def ndcg_at_k(retrieved: Sequence[str], relevant: Mapping[str, float], k: int = 10) -> float:
    """nDCG@k with the qrels grade as gain (trec_eval's convention; binary qrels: gain 1)."""
    dcg = sum(
        relevant.get(doc, 0) / math.log2(i + 1) for i, doc in enumerate(retrieved[:k], start=1)
    )
    ideal = sorted((g for g in relevant.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 1) for i, g in enumerate(ideal, start=1))
    return dcg / idcg if idcg else 0.0


def recall_at_k(retrieved: Sequence[str], relevant: Mapping[str, float], k: int) -> float:
    """Share of the relevant documents found in the top k."""
    wanted = {doc for doc, grade in relevant.items() if grade > 0}
    if not wanted:
        return 0.0
    return len(wanted & set(retrieved[:k])) / len(wanted)


def reciprocal_rank(retrieved: Sequence[str], relevant: Mapping[str, float], k: int = 10) -> float:
    for i, doc in enumerate(retrieved[:k], start=1):
        if relevant.get(doc, 0) > 0:
            return 1 / i
    return 0.0


def refusal_precision_recall(
    should_refuse: Sequence[bool], refused: Sequence[bool]
) -> tuple[float | None, float | None]:
    """Precision and recall with refusal as the positive class; None where undefined (0/0)."""
    pairs = list(zip(should_refuse, refused, strict=True))
    true_pos = sum(1 for want, got in pairs if want and got)
    predicted = sum(1 for _, got in pairs if got)
    actual = sum(1 for want, _ in pairs if want)
    precision = true_pos / predicted if predicted else None
    recall = true_pos / actual if actual else None
    return precision, recall


def keyword_recall(answer: str, keywords: Sequence[str]) -> float | None:
    """Share of the keywords found as whole words in the answer text (None when there are none)."""
    if not keywords:
        return None
    return sum(1 for kw in keywords if contains_words(answer, kw)) / len(keywords)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy's default), q in [0, 100]."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def mean(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def summarise_rows(rows: Sequence[Mapping]) -> dict[str, float | int | None]:
    """Aggregate metrics over results.jsonl rows (see runner.result_row for the fields)."""
    scored = [r for r in rows if r["answerable"] and r["scorable"]]
    ranks = [r["hit_rank"] for r in scored]
    precision, recall = refusal_precision_recall(
        [not r["answerable"] for r in rows], [r["refused"] for r in rows]
    )
    answerable = [r for r in rows if r["answerable"]]
    # the grounding check ran on every answer shown, and on refusals it caused (grounded false)
    checked = [r for r in rows if not r["refused"] or not r["grounded"]]
    refused_answerable = sum(1 for r in answerable if r["refused"])
    latencies = [r["latency_ms"] for r in rows]
    out: dict[str, float | int | None] = {
        "n_questions": len(rows),
        "n_answerable": len(answerable),
        "n_scored": len(scored),
    }
    for k in HIT_KS:
        out[f"hit@{k}"] = hit_at_k(ranks, k)
    out["mrr"] = mrr(ranks)
    out["refusal_precision"] = precision
    out["refusal_recall"] = recall
    out["answerable_refused"] = refused_answerable
    out["answerable_refused_rate"] = refused_answerable / len(answerable) if answerable else None
    out["keyword_recall"] = mean(r["keyword_recall"] for r in answerable)
    # the answer text itself (not only a cited passage) quotes an evidence span
    out["evidence_in_answer"] = mean(
        None if r.get("evidence_in_answer") is None else float(r["evidence_in_answer"])
        for r in answerable
    )
    # of the answerable questions that got the passages instead of an answer, the share whose
    # evidence is in the passages shown (the answer is there to read, only not claimed)
    out["passages_with_evidence"] = mean(
        None if r.get("evidence_in_passages") is None else float(r["evidence_in_passages"])
        for r in answerable
    )
    # the same, in the excerpt of each passage the reader is shown
    out["passages_showing_evidence"] = mean(
        None if r.get("evidence_in_excerpts") is None else float(r["evidence_in_excerpts"])
        for r in answerable
    )
    out["grounded_rate"] = mean(1.0 if r["grounded"] else 0.0 for r in checked)
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    return out


def rounded(metrics: Mapping[str, float | int | None], digits: int = 4) -> dict:
    return {k: round(v, digits) if isinstance(v, float) else v for k, v in metrics.items()}
