"""``python -m bot calibrate``: the refusal threshold from the support scores of an eval run.

Every row of results.jsonl records the question's support score, whatever threshold the run used,
so one run is enough: the threshold is chosen afterwards. It refuses as many unanswerable questions
as it can while refusing at most ``--max-answerable-refused`` answerable ones, and among the
thresholds that do it takes the middle of the widest gap between two scores. Needed whenever the
embedder changes: another model's cosine similarities live on another scale.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click

from ingest.errors import UtbotError


@dataclass(frozen=True)
class Scored:
    id: str
    support: float
    answerable: bool


@dataclass(frozen=True)
class Cut:
    threshold: float
    margin: float  # distance to the nearest score on either side
    answerable_refused: int
    unanswerable_answered: int


def load_scores(paths: list[Path]) -> list[Scored]:
    rows: list[Scored] = []
    for path in paths:
        for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                support = row["support"]
                if support is None and "id" in row:
                    # refused before any scoring (an id no document has, a question over the
                    # length limit): no threshold changes that, so it has no say in choosing one
                    continue
                rows.append(Scored(str(row["id"]), float(support), bool(row["answerable"])))
            except (ValueError, KeyError, TypeError) as exc:
                raise UtbotError(
                    f"{path}:{n}: not a results.jsonl row with 'id', 'support' and 'answerable' "
                    f"({exc!r}). Give the results.jsonl that `python -m bot eval TESTSET.jsonl` "
                    "writes (a BEIR run scores retrieval only and has no support scores)."
                ) from None
    if not any(r.answerable for r in rows) or all(r.answerable for r in rows):
        raise UtbotError(
            "calibration needs answerable and unanswerable questions; "
            f"got {sum(r.answerable for r in rows)} answerable of {len(rows)}"
        )
    return rows


def cuts(rows: list[Scored]) -> list[Cut]:
    """One candidate threshold between every two neighbouring scores, and one each side."""
    scores = sorted({r.support for r in rows})
    bounds = [scores[0] - 0.02] + scores + [scores[-1] + 0.02]
    out = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        if lo not in scores and hi not in scores:
            continue
        t = (lo + hi) / 2
        out.append(
            Cut(
                threshold=t,
                margin=(hi - lo) / 2,
                answerable_refused=sum(r.answerable and r.support < t for r in rows),
                unanswerable_answered=sum(not r.answerable and r.support >= t for r in rows),
            )
        )
    return out


def choose(rows: list[Scored], max_answerable_refused: int = 1) -> Cut:
    allowed = [c for c in cuts(rows) if c.answerable_refused <= max_answerable_refused]
    # the refusal budget is a limit, not a goal: within it, the widest gap is the safest choice
    return min(allowed, key=lambda c: (c.unanswerable_answered, -c.margin, c.answerable_refused))


@click.command("calibrate")
@click.argument(
    "results", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--max-answerable-refused",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Answerable questions the threshold may refuse (issue 6's target is at most one).",
)
def calibrate_cmd(results: tuple[Path, ...], max_answerable_refused: int) -> None:
    """Choose UTBOT_REFUSAL_THRESHOLD from one or more eval results.jsonl files."""
    try:
        rows = load_scores(list(results))
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc
    best = choose(rows, max_answerable_refused)
    n_ans = sum(r.answerable for r in rows)
    click.echo(f"{len(rows)} questions: {n_ans} answerable, {len(rows) - n_ans} unanswerable")
    click.echo(
        f"threshold {best.threshold:.3f} (±{best.margin:.3f} to the nearest score): "
        f"{best.answerable_refused} answerable refused, "
        f"{best.unanswerable_answered} unanswerable answered"
    )
    near = sorted(
        (r for r in rows if abs(r.support - best.threshold) <= 0.03), key=lambda r: r.support
    )
    for r in near:  # the questions the choice hinges on
        side = "refused " if r.support < best.threshold else "answered"
        kind = "answerable  " if r.answerable else "unanswerable"
        click.echo(f"  {r.support:.3f} {side} {kind} {r.id}")
    click.echo(f"UTBOT_REFUSAL_THRESHOLD={best.threshold:.3f}")
