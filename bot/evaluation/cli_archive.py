"""``python -m bot eval-split`` and ``python -m bot eval-archive``.

Module-level imports stay light: the engine and the ingest pipeline load inside the commands.
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.evaluation.splits import DEFAULT_BLIND_FRACTION, DEFAULT_SEED, DEFAULT_SETS

DEFAULT_ARCHIVE = Path("../shared/archive/dev")
DEFAULT_QUESTIONS = Path("eval/dev_questions.jsonl")
DEFAULT_SPLITS = Path("eval/splits")


@click.command("eval-split")
@click.argument("sets", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_SPLITS,
    show_default=True,
    help="Where <set>.tuning.jsonl, <set>.blind.jsonl and MANIFEST.json go.",
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True)
@click.option(
    "--blind-fraction",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_BLIND_FRACTION,
    show_default=True,
    help="Share of each set (per answerable/kind stratum) that goes to the blind part.",
)
def eval_split_cmd(sets: tuple[Path, ...], out_dir: Path, seed: int, blind_fraction: float) -> None:
    """Split question SETS (default: the bundled sets and eval/dev_questions.jsonl) into a tuning
    and a blind part, reproducibly. Tune on tuning only; report both."""
    from bot.evaluation.splits import write_splits
    from ingest.errors import UtbotError

    paths = list(sets) or [Path(s) for s in DEFAULT_SETS]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise click.ClickException(
            f"question sets not found: {', '.join(missing)} (run from the repository root)"
        )
    try:
        manifest = write_splits(paths, out_dir, seed=seed, blind_fraction=blind_fraction)
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, entry in manifest["sets"].items():
        t, b = entry["tuning"], entry["blind"]
        click.echo(
            f"{name:>16}: tuning {t['n']:>3} ({t['n_unanswerable']} unanswerable), "
            f"blind {b['n']:>3} ({b['n_unanswerable']} unanswerable)"
        )
    click.echo(f"Wrote {out_dir}/ (seed {seed}) and {out_dir}/MANIFEST.json")


@click.command("eval-archive")
@click.option(
    "--archive",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_ARCHIVE,
    show_default=True,
    help="The folder of archive documents.",
)
@click.option(
    "--questions",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=DEFAULT_QUESTIONS,
    show_default=True,
    help="The question set (its parts are read from --splits).",
)
@click.option(
    "--splits",
    "splits_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_SPLITS,
    show_default=True,
)
@click.option(
    "--split",
    "part",
    type=click.Choice(["tuning", "blind", "all"]),
    default="tuning",
    show_default=True,
    help="Which part to ask; all = both, reported apart and together.",
)
@click.option(
    "--subset",
    type=click.IntRange(min=1),
    help="Index only N documents: the questions' sources first, then distractors.",
)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use (and build or update) this index folder instead of one in --cache.",
)
@click.option(
    "--cache",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of cached archive indexes [default: ~/.cache/utbot/archive-indexes].",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out/eval-archive"),
    show_default=True,
    help="Where <part>/results.jsonl and <part>/summary.json go.",
)
@click.pass_context
def eval_archive_cmd(
    ctx: click.Context,
    archive: Path,
    questions: Path,
    splits_dir: Path,
    part: str,
    subset: int | None,
    index_dir: Path | None,
    cache: Path | None,
    out_dir: Path,
) -> None:
    """Index the development archive (once; cached) and ask its questions: outcome rates per part."""
    from bot.evaluation import archive as arc
    from bot.evaluation.cli import _settings
    from bot.evaluation.testset import load_testset
    from ingest.errors import UtbotError

    settings = _settings(ctx)
    # a caller (the tests) may pass {"settings": ..., "embedder": ...} to share a loaded model
    embedder = ctx.obj.get("embedder") if isinstance(ctx.obj, dict) else None
    try:
        parts = arc.load_parts(questions, splits_dir, part)
        # documents chosen from the whole set, so that every --split shares one index
        whole = load_testset(questions)
        docs = arc.choose_documents(arc.archive_documents(archive), whole, subset)
        index = index_dir or arc.index_dir_for(
            settings, cache or arc.default_cache(), archive, docs
        )
        settings = settings.model_copy(update={"index_dir": index})
        click.echo(f"Index {index}: {len(docs)} documents …", err=True)
        if embedder is None:
            from ingest.embedding import create_embedder

            embedder = create_embedder(settings)
        ingest = arc.build_index(settings, docs, embedder)
        click.echo(f"Index ready ({ingest.get('files_new', 0)} new documents).", err=True)
        parts = {name: arc.askable(cases, docs) for name, cases in parts.items()}
        results = _ask(settings, embedder, parts)
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc
    meta = {"archive": str(archive), "questions": str(questions), "documents": len(docs)}
    arc.write_results(out_dir, results, {**meta, "index": str(index)})
    for line in arc.table(results):
        click.echo(line)
    click.echo(f"Wrote {out_dir}/<part>/results.jsonl and summary.json")


def _ask(settings, embedder, parts):
    from bot.engine import Engine
    from bot.evaluation.archive import run_parts

    engine = Engine.from_settings(settings, embedder)

    def progress(part: str, i: int, n: int) -> None:
        if i == 1 or i % 20 == 0 or i == n:
            click.echo(f"[{part} {i}/{n}]", err=True)

    return run_parts(engine, parts, settings=settings, progress=progress)
