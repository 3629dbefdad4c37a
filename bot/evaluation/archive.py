"""The development archive through the engine: an index of the archive's documents (built once,
cached outside the repository, updated incrementally), then the tuning and/or blind part of its
question set, scored per part with the outcome verdicts (bot/evaluation/outcomes.py).

``subset`` indexes only N documents: the expected sources of the chosen questions first (in
question order), then other documents of the archive in name order as distractors; only the
answerable questions whose sources are all indexed are asked (every unanswerable one is).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.evaluation import runner
from bot.evaluation.splits import PARTS, split_path
from bot.evaluation.testset import EvalCase, load_testset
from ingest.errors import UtbotError

DOC_SUFFIXES = (".md", ".txt", ".pdf", ".docx")


class ArchiveError(UtbotError):
    """The archive folder or its questions cannot be used."""


@dataclass
class PartResult:
    part: str
    rows: list[dict[str, Any]]
    summary: dict[str, Any]


def default_cache() -> Path:
    """Where archive indexes live unless --cache says otherwise (beside the embedding models)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "utbot" / "archive-indexes"


def archive_documents(archive: Path) -> list[Path]:
    if not archive.is_dir():
        raise ArchiveError(f"{archive}: the archive folder does not exist (give --archive DIR)")
    docs = sorted(p for p in archive.rglob("*") if p.suffix.lower() in DOC_SUFFIXES)
    if not docs:
        raise ArchiveError(f"{archive}: no documents ({', '.join(DOC_SUFFIXES)}) in the folder")
    return docs


def choose_documents(
    docs: Sequence[Path], cases: Sequence[EvalCase], subset: int | None
) -> list[Path]:
    """All documents, or ``subset`` of them: the questions' sources first, then distractors."""
    if subset is None:
        return list(docs)
    by_name = {d.name: d for d in docs}
    chosen: dict[str, Path] = {}
    for case in cases:
        for name in case.expected_sources:
            if name in by_name and len(chosen) < subset:
                chosen.setdefault(name, by_name[name])
    for doc in docs:
        if len(chosen) >= subset:
            break
        chosen.setdefault(doc.name, doc)
    return sorted(chosen.values())


def askable(cases: Sequence[EvalCase], indexed: Sequence[Path]) -> list[EvalCase]:
    names = {d.name for d in indexed}
    return [c for c in cases if not c.answerable or all(s in names for s in c.expected_sources)]


def index_dir_for(settings: Any, cache: Path, archive: Path, docs: Sequence[Path]) -> Path:
    """One index per archive, embedding model and document set, so runs never mix them."""
    from ingest.embedding import model_id_for

    model = re.sub(r"[^\w.-]+", "-", model_id_for(settings)).strip("-")
    names = hashlib.sha256("\n".join(d.name for d in docs).encode()).hexdigest()[:10]
    return cache / f"{archive.resolve().name}-{len(docs)}docs-{names}-{model}"


def build_index(settings: Any, docs: Sequence[Path], embedder: Any = None) -> dict[str, Any]:
    """Ingest the documents (unchanged ones are skipped); others in the index are pruned."""
    from ingest.pipeline import Ingestor

    summary = Ingestor(settings, embedder, progress="log").run(list(docs), prune=True)
    if summary.files_failed:
        raise ArchiveError(f"{summary.files_failed} archive documents failed to ingest: see above")
    return summary.to_json()


def load_parts(questions: Path, splits_dir: Path, part: str) -> dict[str, list[EvalCase]]:
    parts = PARTS if part == "all" else (part,)
    return {p: load_testset(split_path(splits_dir, questions, p)) for p in parts}


def run_parts(
    engine: Any,
    parts: dict[str, list[EvalCase]],
    *,
    settings: Any,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[PartResult]:
    """Every part through ``engine.answer``; with two parts, a third result for both together."""
    results = []
    for name, cases in parts.items():

        def tick(i: int, _case: EvalCase, name: str = name, n: int = len(cases)) -> None:
            if progress:
                progress(name, i, n)

        rows = runner.run_cases(engine, cases, tick)
        results.append(PartResult(name, rows, _summary(rows, name, settings)))
    if len(results) > 1:
        rows = [r for res in results for r in res.rows]
        results.append(PartResult("all", rows, _summary(rows, "all", settings)))
    return results


def _summary(rows: list[dict[str, Any]], part: str, settings: Any) -> dict[str, Any]:
    return {
        "kind": "archive",
        "part": part,
        "created": runner.now_iso(),
        "config": runner.config_snapshot(settings),
        "metrics": runner.summarise(rows),
    }


def write_results(out: Path, results: Sequence[PartResult], meta: dict[str, Any]) -> None:
    for res in results:
        folder = out / res.part
        folder.mkdir(parents=True, exist_ok=True)
        runner.write_jsonl(folder / "results.jsonl", res.rows)
        runner.write_json(folder / "summary.json", {**res.summary, **meta})


TABLE_COLUMNS = (
    ("correct", "correct_rate"),
    ("wrong", "wrong_rate"),
    ("passages", "passages_rate"),
    ("refused", "refused_rate"),
    ("hit@3", "hit@3"),
    ("unans.answered", "unanswerable_answered_rate"),
    ("unans.passages", "unanswerable_passages_rate"),
)


def table(results: Sequence[PartResult]) -> list[str]:
    """The outcome rates per part, as printed by ``python -m bot eval-archive``."""
    head = f"{'part':<8}{'n':>5}{'answerable':>11}" + "".join(f"{c:>15}" for c, _ in TABLE_COLUMNS)
    lines = [head]
    for res in results:
        m = res.summary["metrics"]
        cells = "".join(f"{_fmt(m.get(key)):>15}" for _, key in TABLE_COLUMNS)
        lines.append(f"{res.part:<8}{m['n_questions']:>5}{m['n_answerable']:>11}{cells}")
    return lines


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}"
