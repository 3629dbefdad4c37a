"""``python -m bot eval``: a test set or a BEIR folder through the engine, gated on a baseline.

Module-level imports stay light: the engine, matplotlib and the settings load inside the command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

TOLERANCE = 0.02


@click.command("eval")
@click.argument(
    "testset", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--beir",
    "beir_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A BEIR folder (corpus.jsonl, queries.jsonl, qrels.tsv): retrieval benchmark instead.",
)
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Index folder (default UTBOT_INDEX_DIR). With --beir: kept and reused between runs; "
    "without it the BEIR corpus goes into a temporary index.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where results.jsonl, summary.json, report.md and chart.png go "
    "[default: out/eval, or out/beir-NAME].",
)
@click.option(
    "--baseline",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A previous summary.json; exit 1 when a metric falls more than --tolerance below it.",
)
@click.option(
    "--tolerance",
    type=click.FloatRange(min=0),
    default=TOLERANCE,
    show_default=True,
    help="Allowed absolute fall of a rate against the baseline (latency is not gated); the "
    "baseline's own 'gate' section, when it has one, takes precedence.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N questions or queries.")
@click.pass_context
def eval_cmd(
    ctx: click.Context,
    testset: Path | None,
    beir_dir: Path | None,
    index_dir: Path | None,
    out_dir: Path | None,
    baseline: Path | None,
    tolerance: float,
    limit: int | None,
) -> None:
    """Evaluate the bot on TESTSET.jsonl (format: docs/evaluation.md) or on a BEIR folder."""
    from ingest.errors import UtbotError

    if (testset is None) == (beir_dir is None):
        raise click.UsageError("give either TESTSET.jsonl or --beir DIR (one of them).")
    settings = _settings(ctx)
    try:
        if beir_dir is not None:
            out = out_dir or Path("out") / f"beir-{beir_dir.resolve().name}"
            passed = _run_beir(settings, beir_dir, index_dir, out, baseline, tolerance, limit)
        else:
            assert testset is not None
            if index_dir is not None:
                settings = settings.model_copy(update={"index_dir": index_dir})
            out = out_dir or Path("out") / "eval"
            passed = _run_testset(settings, testset, out, baseline, tolerance, limit)
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc
    if not passed:
        ctx.exit(1)


def _settings(ctx: click.Context) -> Any:
    """The Settings in ctx.obj (a Settings, or a dict with "settings"), else a new one."""
    from ingest.settings import Settings

    obj = ctx.obj
    if isinstance(obj, dict):
        obj = obj.get("settings")
    return obj if isinstance(obj, Settings) else Settings()


def _run_testset(
    settings: Any,
    testset: Path,
    out: Path,
    baseline_path: Path | None,
    tol: float,
    limit: int | None,
) -> bool:
    from bot.engine import Engine
    from bot.evaluation import runner
    from bot.evaluation.gate import load_baseline
    from bot.evaluation.testset import load_testset

    cases = load_testset(testset)[:limit]
    baseline = load_baseline(baseline_path) if baseline_path else None
    engine = Engine.from_settings(settings)

    def progress(i: int, case: Any) -> None:
        if i == 1 or i % 10 == 0 or i == len(cases):
            click.echo(f"[{i}/{len(cases)}] {case.id}", err=True)

    rows = runner.run_cases(engine, cases, progress)
    summary = runner.build_summary(rows, testset=testset, settings=settings)
    if baseline is not None and "gate" in baseline:
        summary["gate"] = baseline["gate"]  # accepting these numbers keeps the tolerances
    return _finish(out, rows, summary, baseline, tol)


def _run_beir(
    settings: Any,
    beir_dir: Path,
    index_dir: Path | None,
    out: Path,
    baseline_path: Path | None,
    tol: float,
    limit: int | None,
) -> bool:
    from bot.evaluation.beir import run_beir
    from bot.evaluation.gate import load_baseline

    baseline = load_baseline(baseline_path) if baseline_path else None

    def progress(i: int, n: int) -> None:
        if i == 1 or i % 25 == 0 or i == n:
            click.echo(f"[{i}/{n}] queries", err=True)

    click.echo(f"Indexing {beir_dir} into {index_dir or 'a temporary index'} …", err=True)
    rows, summary = run_beir(
        settings, beir_dir, index_dir=index_dir, limit=limit, progress=progress
    )
    return _finish(out, rows, summary, baseline, tol)


def _finish(out: Path, rows: list, summary: dict, baseline: dict | None, tol: float) -> bool:
    """Write the four files, print the metrics and the gate; True when the gate passes."""
    from bot.evaluation import report, runner
    from bot.evaluation.gate import compare

    out.mkdir(parents=True, exist_ok=True)
    runner.write_jsonl(out / "results.jsonl", rows)
    runner.write_json(out / "summary.json", summary)
    gate = compare(summary, baseline, tol) if baseline is not None else None
    report.write_chart(out, summary, baseline)
    report.write_report(out, summary, baseline=baseline, gate=gate, rows=rows)
    for name, value in summary["metrics"].items():
        click.echo(f"{name:>24}  {report.fmt(value)}")
    click.echo(f"Wrote {out}/results.jsonl, summary.json, report.md, {report.CHART_NAME}")
    if gate is None:
        return True
    for note in report.mismatch(summary, baseline or {}):
        click.echo(f"Note: {note}; the comparison is not like for like.", err=True)
    if gate.passed:
        click.echo(f"Gate passed (tolerance {tol}).")
        return True
    click.echo("Gate FAILED: metrics below the baseline by more than the tolerance:", err=True)
    for line in gate.describe_regressions():
        click.echo(f"  {line}", err=True)
    return False
