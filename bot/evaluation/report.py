"""report.md and the chart: what a person reads after ``python -m bot eval``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.evaluation.gate import GateResult

CHART_NAME = "chart.png"
RATE_LABELS = {
    "correct_rate": "correct",
    "wrong_rate": "wrong",
    "passages_rate": "passages",
    "refused_rate": "refused",
    "unanswerable_answered_rate": "unanswerable answered",
    "hit@1": "hit@1",
    "hit@3": "hit@3",
    "hit@5": "hit@5",
    "mrr": "MRR",
    "refusal_precision": "refusal P",
    "refusal_recall": "refusal R",
    "answerable_refused_rate": "answerable refused",
    "keyword_recall": "keyword recall",
    "evidence_in_answer": "evidence in answer",
    "passages_with_evidence": "passages with evidence",
    "passages_showing_evidence": "excerpts with evidence",
    "grounded_rate": "grounded",
    "mrr@10": "MRR@10",
    "ndcg@10": "nDCG@10",
    "recall@1": "recall@1",
    "recall@5": "recall@5",
    "recall@10": "recall@10",
}
KIND_COLUMNS = (
    "correct_rate",
    "wrong_rate",
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "refusal_recall",
    "keyword_recall",
    "evidence_in_answer",
    "grounded_rate",
)


def fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def mismatch(summary: dict, baseline: dict) -> list[str]:
    """Why a comparison is not like for like: another test set, corpus or number of questions."""
    notes = []
    for key in ("testset_sha256", "corpus_sha256"):
        if summary.get(key) and baseline.get(key) and summary[key] != baseline[key]:
            notes.append(f"the baseline was made on different data ({key} differs)")
    for key in ("n_questions", "n_queries"):
        cur, base = summary["metrics"].get(key), baseline.get("metrics", {}).get(key)
        if cur is not None and base is not None and cur != base:
            notes.append(f"this run has {key} = {cur}, the baseline {base} (--limit?)")
    return notes


def metrics_table(summary: dict, baseline: dict | None, gate: GateResult | None) -> list[str]:
    status = {c.metric: c.status for c in gate.comparisons} if gate else {}
    base = (baseline or {}).get("metrics", {})
    lines = ["| metric | value | baseline | change | gate |", "|---|---|---|---|---|"]
    for name, value in summary["metrics"].items():
        b = base.get(name)
        delta = ""
        if isinstance(value, int) and isinstance(b, int):
            delta = f"{value - b:+d}"
        elif isinstance(value, int | float) and isinstance(b, int | float):
            delta = f"{value - b:+.3f}"
        lines.append(
            f"| {name} | {fmt(value)} | {fmt(b) if baseline else ''} | {delta} | "
            f"{status.get(name, '')} |"
        )
    return lines


def kind_table(by_kind: dict[str, dict]) -> list[str]:
    head = "| kind | n | " + " | ".join(RATE_LABELS[c] for c in KIND_COLUMNS) + " |"
    lines = [head, "|---" * (len(KIND_COLUMNS) + 2) + "|"]
    for kind, m in by_kind.items():
        cells = " | ".join(fmt(m.get(c)) for c in KIND_COLUMNS)
        lines.append(f"| {kind} | {m.get('n_questions')} | {cells} |")
    return lines


def failures(rows: Sequence[dict], limit: int = 60) -> list[str]:
    """Questions that failed a check: wrong refusal or no hit among the citations."""
    out = []
    for r in rows:
        reasons = []
        if not r["checks"]["refusal_correct"]:
            reasons.append("refused" if r["refused"] else "answered an unanswerable question")
        elif r["scorable"] and r["hit_rank"] is None:
            reasons.append("no cited passage holds the evidence")
        if r["checks"].get("grounded") is False:
            reasons.append("grounding check failed")
        if reasons:
            cited = ", ".join(sorted({c["source"] for c in r["citations"]})) or "-"
            out.append(
                f"- `{r['id']}` ({r['kind']}) {r['question']} — {'; '.join(reasons)}. "
                f"Cited: {cited}"
            )
    return out[:limit] + ([f"- … {len(out) - limit} more"] if len(out) > limit else [])


def write_report(
    out_dir: Path,
    summary: dict,
    *,
    baseline: dict | None = None,
    gate: GateResult | None = None,
    rows: Sequence[dict] = (),
    chart: bool = True,
) -> Path:
    title = summary.get("testset") or summary.get("dataset")
    lines = [f"# Evaluation: {title}", "", f"Run {summary.get('created')}."]
    if baseline is not None and gate is not None:
        verdict = "PASSED" if gate.passed else "FAILED"
        lines += [
            "",
            f"**Gate {verdict}** against baseline created {baseline.get('created')} "
            f"(tolerance {gate.tolerance} absolute; latency not gated).",
        ]
        lines += [f"- {text}" for text in gate.describe_regressions()]
        lines += [f"- Note: {text}" for text in mismatch(summary, baseline)]
    lines += ["", "## Metrics", "", *metrics_table(summary, baseline, gate)]
    if summary.get("by_kind"):
        lines += ["", "## By kind", "", *kind_table(summary["by_kind"])]
    if chart:
        lines += ["", f"![metrics]({CHART_NAME})"]
    if summary.get("config"):
        lines += ["", "## Configuration", ""]
        lines += [f"- {k}: `{v}`" for k, v in summary["config"].items()]
    if rows and summary.get("kind") == "testset":
        lines += ["", "## Failed checks", "", *(failures(rows) or ["None."])]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_chart(out_dir: Path, summary: dict, baseline: dict | None = None) -> Path:
    """Rates beside the baseline, and (for a test set) hit@k and MRR by kind. No pyplot state."""
    from matplotlib.figure import Figure

    names = [m for m in RATE_LABELS if isinstance(summary["metrics"].get(m), int | float)]
    by_kind = summary.get("by_kind") or {}
    fig = Figure(figsize=(11, 8 if by_kind else 4.5), layout="constrained")
    axes = fig.subplots(2 if by_kind else 1, 1, squeeze=False)[:, 0]
    width = 0.4 if baseline else 0.8
    xs = range(len(names))
    cur = [summary["metrics"][m] for m in names]
    axes[0].bar([x - (width / 2 if baseline else 0) for x in xs], cur, width, label="this run")
    if baseline:
        base = [_or_zero(baseline.get("metrics", {}).get(m)) for m in names]
        axes[0].bar([x + width / 2 for x in xs], base, width, label="baseline", alpha=0.6)
    axes[0].set_xticks(list(xs), [RATE_LABELS[m] for m in names], rotation=30, ha="right")
    axes[0].set_ylim(0, 1.18)
    axes[0].set_title("Overall")
    axes[0].legend(loc="upper center", ncols=2)
    if by_kind:
        kinds = list(by_kind)
        cols = ("hit@1", "hit@3", "hit@5", "mrr")
        w = 0.8 / len(cols)
        for j, col in enumerate(cols):
            vals = [_or_zero(by_kind[k].get(col)) for k in kinds]
            axes[1].bar(
                [i + (j - 1.5) * w for i in range(len(kinds))], vals, w, label=RATE_LABELS[col]
            )
        axes[1].set_xticks(range(len(kinds)), kinds, rotation=30, ha="right")
        axes[1].set_ylim(0, 1.18)
        axes[1].set_title("Evidence hits by kind (answerable questions)")
        axes[1].legend(loc="upper center", ncols=4)
    path = out_dir / CHART_NAME
    fig.savefig(path, dpi=100)
    return path


def _or_zero(value: Any) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
