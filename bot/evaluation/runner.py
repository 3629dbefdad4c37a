"""Run a test set through the bot's engine: one results row per question, then a summary."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.evaluation import metrics, outcomes
from bot.evaluation.testset import EvalCase

if TYPE_CHECKING:
    from bot.models import Answer, Citation
    from ingest.settings import Settings

# Settings that change what the engine answers; recorded with every summary.
CONFIG_FIELDS = (
    "embed_backend",
    "embed_model",
    "embed_precision",
    "chunk_chars",
    "chunk_overlap_chars",
    "top_k",
    "candidates",
    "dense_weight",
    "refusal_threshold",
    "answer_sentences",
    "answer_sentence_ratio",
    "wrong_answer_cost",
    "ranker_model",
    "judge_model",
    "answer_mode",
    "llm_provider",
    "llm_model",
)


def config_snapshot(settings: Settings) -> dict[str, Any]:
    return {name: _plain(getattr(settings, name, None)) for name in CONFIG_FIELDS}


def citation_row(case: EvalCase, c: Citation) -> dict[str, Any]:
    passages = [p for p in (c.full_text, c.text) if p]
    hit = any(
        metrics.citation_is_hit(case.evidence, case.expected_sources, p, c.source) for p in passages
    ) or (not passages and metrics.citation_is_hit((), case.expected_sources, "", c.source))
    return {
        "n": c.n,
        "source": c.source,
        "doc_id": c.doc_id,
        "chunk_id": c.chunk_id,
        "score": round(float(c.score), 4),
        "hit": hit,
        "text": c.text,
        "full_text": c.full_text,
        "metadata": {
            "title": c.title,
            "dnr": c.dnr,
            "date": c.date,
            "section": c.section,
            "page": c.page,
            "doc_type": c.doc_type,
        },
    }


def result_row(case: EvalCase, answer: Answer, latency_ms: float) -> dict[str, Any]:
    """One line of results.jsonl: the answer, its cited passages and which checks passed."""
    # "passages": the bot shows the passages on the topic instead of an answer; they are what
    # retrieval found, so hit@k reads them
    shown = answer.nearest if getattr(answer, "outcome", "") == "passages" else answer.citations
    citations = [citation_row(case, c) for c in shown]
    rank = metrics.first_hit_rank([c["hit"] for c in citations])
    scorable = case.answerable and case.has_targets
    kw = metrics.keyword_recall(answer.answer if not answer.refused else "", case.answer_keywords)
    in_answer = (
        (not answer.refused and any(metrics.contains(answer.answer, e) for e in case.evidence))
        if case.answerable and case.evidence
        else None
    )
    outcome, verdict = outcomes.verdict_of(case, answer)
    # when the bot shows the passages instead of an answer: can the reader find the answer there?
    on_topic = outcome == "passages" and case.answerable and case.evidence
    in_passages = (
        outcomes.evidence_in(" ".join(c.full_text for c in shown), case.evidence)
        if on_topic
        else None
    )
    # and in the excerpts the reader is shown (the terminal's and Slack's quote of each passage)
    in_excerpts = (
        outcomes.evidence_in(" ".join(c.text for c in shown), case.evidence) if on_topic else None
    )
    checks: dict[str, bool | float | None] = {
        "refusal_correct": answer.refused == (not case.answerable),
        # the engine turns a failed grounding check into a refusal with grounded=False
        "grounded": answer.grounded if not answer.refused or not answer.grounded else None,
        "keyword_recall": round(kw, 4) if kw is not None else None,
        "evidence_in_answer": in_answer,
    }
    for k in metrics.HIT_KS:
        checks[f"hit@{k}"] = (rank is not None and rank <= k) if scorable else None
    return {
        "id": case.id,
        "kind": case.kind,
        "question": case.question,
        "answerable": case.answerable,
        "answer": answer.answer,
        "outcome": outcome,
        "verdict": verdict,
        "refused": answer.refused,
        "grounded": answer.grounded,
        # who answered: extractive, or generative with provider/model (fallback: it fell back)
        "mode": answer.mode,
        "llm": answer.llm,
        "llm_fallback": answer.fallback,
        "support": _plain(getattr(answer, "support", None)),
        "scorable": scorable,
        "hit_rank": rank,
        "keyword_recall": kw,
        "evidence_in_answer": in_answer,
        "evidence_in_passages": in_passages,
        "evidence_in_excerpts": in_excerpts,
        "checks": checks,
        "latency_ms": round(latency_ms, 2),
        "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
        "citations": citations,
        "nearest_sources": [c.source for c in answer.nearest],
    }


def run_cases(
    engine: Any,
    cases: Sequence[EvalCase],
    progress: Callable[[int, EvalCase], None] | None = None,
) -> list[dict[str, Any]]:
    """Ask every question with ``engine.answer`` (the same call the CLI and Slack make)."""
    rows = []
    for i, case in enumerate(cases, start=1):
        if progress:
            progress(i, case)
        start = time.perf_counter()
        answer = engine.answer(case.question)
        rows.append(result_row(case, answer, (time.perf_counter() - start) * 1000))
    return rows


def build_summary(
    rows: Sequence[dict[str, Any]], *, testset: Path, settings: Settings | None
) -> dict[str, Any]:
    return {
        "kind": "testset",
        "testset": str(testset),
        "testset_sha256": file_sha256(testset),
        "created": now_iso(),
        "config": config_snapshot(settings) if settings is not None else {},
        "metrics": summarise(rows),
        "by_kind": {
            kind: summarise([r for r in rows if r["kind"] == kind])
            for kind in sorted({r["kind"] for r in rows})
        },
    }


def summarise(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The headline outcome rates (correct first), then retrieval, refusal and latency."""
    return metrics.rounded({**outcomes.rates(rows), **metrics.summarise_rows(rows)})


def write_jsonl(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
