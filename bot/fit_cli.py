"""``python -m bot fit``: fit the judge on the tuning parts of labelled question sets."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _pair(value: str) -> tuple[Path, Path]:
    if "=" not in value:
        raise click.BadParameter(f"{value!r}: give QUESTIONS.jsonl=INDEX_DIR")
    questions, index = value.split("=", 1)
    if not questions.endswith(".tuning.jsonl"):
        raise click.BadParameter(
            f"{questions}: fit on a tuning part only (eval/splits/<set>.tuning.jsonl, written by "
            "`python -m bot eval-split`); the blind part is for reporting."
        )
    return Path(questions), Path(index)


_sets_option = click.option(
    "--set",
    "sets",
    multiple=True,
    required=True,
    metavar="QUESTIONS.jsonl=INDEX_DIR",
    help="A labelled question set and the index its documents are in (repeat for each set).",
)


@click.command(name="fit")
@_sets_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the weights (default: bot/data/judge.json, shipped with the bot).",
)
@click.option("--l2", type=float, default=1.0, show_default=True, help="L2 penalty on the weights.")
@click.option(
    "--features",
    default=None,
    help="Comma-separated judge features to fit (default: bot.fit.DEFAULT_FEATURES); any of "
    "bot.judge.FEATURES.",
)
@click.option(
    "--compare",
    is_flag=True,
    help="Also print the 5-fold log-loss and AUC of these features with each judge feature "
    "added or dropped (how the default features were chosen).",
)
@click.pass_context
def fit_cmd(
    ctx: click.Context,
    sets: tuple[str, ...],
    out: Path | None,
    l2: float,
    features: str | None,
    compare: bool,
) -> None:
    """Fit the judge (answer, or only show the passages) on the tuning parts of question sets.

    Questions are asked with the judge off, and those with evidence once more with their source
    documents left out of retrieval (near-topic questions the index cannot answer); the weights,
    the data hash and, per wrong-answer cost, how the tuning questions would come out are
    printed."""
    from bot.engine import Engine
    from bot.evaluation.testset import load_testset
    from bot.fit import (
        DEFAULT_FEATURES,
        collect,
        collect_without_source,
        fit,
        fit_rows,
        leaves_out_source,
        out_of_fold_outcomes,
        outcomes_at,
    )
    from bot.judge import Judge, bundled_judge
    from ingest.settings import Settings

    base = ctx.obj if isinstance(ctx.obj, Settings) else Settings()
    answered, left_out, sources, unanswerable, asked = [], [], {}, 0, 0
    for value in sets:
        questions, index = _pair(value)
        cases = load_testset(questions)
        settings = base.model_copy(update={"index_dir": index, "wrong_answer_cost": 0.0})
        click.echo(f"{questions}: {len(cases)} tuning questions …", err=True)
        engine = Engine.from_settings(settings)
        answered += collect(engine, cases, questions.name)
        left_out += collect_without_source(engine, cases, questions.name)
        unanswerable += sum(1 for c in cases if not c.answerable)
        asked += sum(1 for c in cases if leaves_out_source(c))
        sources[questions.name] = f"{len(cases)} tuning questions"
    rows = fit_rows(answered, left_out, unanswerable, asked)
    names = tuple(f.strip() for f in features.split(",")) if features else DEFAULT_FEATURES
    if compare:
        _compare_features(rows, names, l2)
    try:
        model = fit(rows, l2, sources, names)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    model["embedder"] = engine.embedder.model_id  # the features are that model's
    path = out or bundled_judge()
    path.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    judge = Judge.load(path)
    click.echo(
        f"{len(answered)} rows of questions as asked ({sum(r.correct for r in answered)} "
        f"correct); {len(left_out)} of {asked} asked without their source answered (weight "
        f"{model['left_out_weight']}: {unanswerable} unanswerable tuning questions); data "
        f"{model['data_sha256'][:12]}"
    )
    for name, w in zip(judge.names, judge.weights, strict=True):
        click.echo(f"  {name:15s} {w:+.3f}")
    costs = sorted({0.5, 1, 1.5, 2, 3, 4, 6, base.wrong_answer_cost})
    oof = out_of_fold_outcomes(rows, names, l2, costs)
    click.echo(
        "  per wrong-answer cost: in-sample; out of fold (each question judged by weights fitted "
        "without it, mean of 5 fold draws: the figure to choose by)"
    )
    for cost in costs:
        as_asked = outcomes_at(answered, judge.confidence, cost)
        missing = outcomes_at(left_out, judge.confidence, cost)["wrong"]
        o = oof[cost]
        mark = " (configured)" if cost == base.wrong_answer_cost else ""
        click.echo(
            f"  cost {cost:g}{mark}: {as_asked}; without their source, answered {missing}\n"
            f"    out of fold: correct {o['correct']:.1f}, wrong {o['wrong']:.1f}, without their "
            f"source answered {o['left_out_answered']:.1f}; correct - cost x wrong "
            f"{o['correct'] - cost * o['wrong']:.1f}"
        )
    click.echo(f"wrote {path}")


def _compare_features(rows, names, l2: float) -> None:
    """The cross-validated effect of adding or dropping each judge feature (bot.fit)."""
    from bot.fit import cross_validated
    from bot.judge import FEATURES

    def line(label: str, chosen) -> None:
        cv = cross_validated(rows, chosen, l2)
        click.echo(f"  {label:22s} 5-fold log-loss {cv['log_loss']:.3f}, AUC {cv['auc']:.3f}")

    line("these features", names)
    for name in FEATURES:
        if name in names:
            line(f"- {name}", [n for n in names if n != name])
        else:
            line(f"+ {name}", [*names, name])


@click.command(name="fit-ranker")
@_sets_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the weights (default: bot/data/ranker.json, shipped with the bot).",
)
@click.option(
    "--l2",
    type=float,
    multiple=True,
    default=(1.0,),
    show_default=True,
    help="L2 penalty; given several times, the one with the best 5-fold top-1 on the tuning "
    "questions is kept.",
)
@click.pass_context
def fit_ranker_cmd(
    ctx: click.Context, sets: tuple[str, ...], out: Path | None, l2: tuple[float, ...]
) -> None:
    """Fit the sentence ranker on the tuning parts of question sets.

    Prints the 5-fold top-1 share (the right sentence ranked first) per L2 penalty, the
    weights and the data hash."""
    from bot.engine import Engine
    from bot.evaluation.testset import load_testset
    from bot.fit_ranker import collect, cross_validated, fit
    from bot.ranker import Ranker, bundled_ranker
    from ingest.settings import Settings

    base = ctx.obj if isinstance(ctx.obj, Settings) else Settings()
    groups, sources = [], {}
    for value in sets:
        questions, index = _pair(value)
        cases = load_testset(questions)
        settings = base.model_copy(update={"index_dir": index})
        click.echo(f"{questions}: {len(cases)} tuning questions …", err=True)
        engine = Engine.from_settings(settings)
        groups += collect(engine, cases, questions.name)
        sources[questions.name] = f"{len(cases)} tuning questions"
    scores = {penalty: cross_validated(groups, penalty) for penalty in l2}
    for penalty, share in scores.items():
        click.echo(f"  l2 {penalty:g}: 5-fold top-1 {share:.3f}")
    best = max(scores, key=lambda p: (scores[p], -p))
    try:
        model = fit(groups, best, sources)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    model["cv_top1_tuning"] = round(scores[best], 4)
    model["embedder"] = engine.embedder.model_id  # the features are that model's
    path = out or bundled_ranker()
    path.write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")
    ranker = Ranker.load(path)
    click.echo(
        f"{model['questions']} questions ({model['questions_with_a_right_candidate']} with a right "
        f"candidate), l2 {best:g}; top-1 {model['top1_tuning']:.3f}, top-3 "
        f"{model['top3_tuning']:.3f} on the data fitted; data {model['data_sha256'][:12]}"
    )
    for name, w in zip(ranker.names, ranker.weights, strict=True):
        click.echo(f"  {name:16s} {w:+.3f}")
    click.echo(f"wrote {path}")
