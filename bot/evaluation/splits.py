"""Seeded tuning / blind splits of the question sets, written once and committed.

Fit and choose on the tuning part only; report the blind part too. The split is stratified by
(answerable, kind) so both parts get every kind of question and their unanswerable ones, and it is
a pure function of the seed, the set's name and its question ids: rerunning ``python -m bot
eval-split`` rewrites byte-identical files (tests/test_eval_splits.py checks that).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.evaluation.runner import file_sha256
from bot.evaluation.testset import load_testset
from ingest.errors import UtbotError

PARTS = ("tuning", "blind")
MANIFEST = "MANIFEST.json"
DEFAULT_SEED = 12
DEFAULT_BLIND_FRACTION = 0.5
# the sets split by default (run from the repository root); offdomain.jsonl is a probe, not split
DEFAULT_SETS = (
    "eval/testset.jsonl",
    "eval/holdout.jsonl",
    "eval/holdout3.jsonl",
    "eval/holdout4.jsonl",
    "eval/dev_questions.jsonl",
    "eval/swequad_mc_dev.jsonl",
)


class SplitMissingError(UtbotError):
    """A question set has not been split (or not into this folder)."""


def assign(
    ids_by_stratum: dict[tuple[bool, str], list[str]],
    *,
    seed: int,
    name: str,
    blind_fraction: float,
) -> dict[str, str]:
    """Question id -> "tuning" or "blind".

    Each stratum's ids are sorted, then shuffled by a generator seeded with (seed, set name,
    stratum); walking the strata in sorted order, a question goes to the blind part whenever the
    running count of blind questions falls below ``blind_fraction`` of those seen, so every stratum
    and the whole set are split to within one question of the fraction.
    """
    out: dict[str, str] = {}
    seen = blind = 0
    for stratum in sorted(ids_by_stratum):
        ids = sorted(ids_by_stratum[stratum])
        random.Random(f"{seed}:{name}:{stratum[0]}:{stratum[1]}").shuffle(ids)
        for qid in ids:
            seen += 1
            if blind < round(seen * blind_fraction):
                out[qid] = "blind"
                blind += 1
            else:
                out[qid] = "tuning"
    return out


def split_file(path: Path, out_dir: Path, *, seed: int, blind_fraction: float) -> dict[str, Any]:
    """Write ``<stem>.tuning.jsonl`` and ``<stem>.blind.jsonl`` (the original lines, in file
    order) and return the set's manifest entry."""
    cases = load_testset(path)  # validates every line, names the bad one
    lines = {c.line: raw for c, raw in _raw_lines(path, cases)}
    strata: dict[tuple[bool, str], list[str]] = {}
    for c in cases:
        strata.setdefault((c.answerable, c.kind), []).append(c.id)
    parts = assign(strata, seed=seed, name=path.stem, blind_fraction=blind_fraction)
    entry: dict[str, Any] = {"source": str(path), "source_sha256": file_sha256(path)}
    for part in PARTS:
        chosen = [c for c in cases if parts[c.id] == part]
        target = out_dir / f"{path.stem}.{part}.jsonl"
        target.write_text("".join(lines[c.line] + "\n" for c in chosen), encoding="utf-8")
        entry[part] = {
            "file": target.name,
            "sha256": file_sha256(target),
            "n": len(chosen),
            "n_answerable": sum(1 for c in chosen if c.answerable),
            "n_unanswerable": sum(1 for c in chosen if not c.answerable),
        }
    return entry


def write_splits(
    sets: Sequence[Path],
    out_dir: Path,
    *,
    seed: int = DEFAULT_SEED,
    blind_fraction: float = DEFAULT_BLIND_FRACTION,
) -> dict[str, Any]:
    """Split every set into out_dir and write MANIFEST.json; returns the manifest."""
    if not 0 < blind_fraction < 1:
        raise ValueError(f"blind_fraction must be between 0 and 1, not {blind_fraction}")
    out_dir.mkdir(parents=True, exist_ok=True)
    stems = [Path(s).stem for s in sets]
    if len(set(stems)) != len(stems):
        raise ValueError(f"two question sets share a file name: {stems}")
    manifest = {
        "seed": seed,
        "blind_fraction": blind_fraction,
        "stratified_by": ["answerable", "kind"],
        "sets": {
            Path(s).stem: split_file(Path(s), out_dir, seed=seed, blind_fraction=blind_fraction)
            for s in sets
        },
    }
    (out_dir / MANIFEST).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def split_path(splits_dir: Path, questions: Path, part: str) -> Path:
    """The committed part of a question set, or an error saying how to make it."""
    path = Path(splits_dir) / f"{Path(questions).stem}.{part}.jsonl"
    if not path.is_file():
        raise SplitMissingError(
            f"{path}: no {part} split of {questions}; run "
            f"`python -m bot eval-split {questions} --out {splits_dir}` first"
        )
    return path


def _raw_lines(path: Path, cases: Sequence[Any]) -> list[tuple[Any, str]]:
    raw = Path(path).read_text(encoding="utf-8").splitlines()
    return [(c, raw[c.line - 1].rstrip()) for c in cases]
