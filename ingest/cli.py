"""``python -m ingest PATH... [--index DIR] [--json] [--prune] [--dry-run]``, ``python -m ingest
stats``, ``python -m ingest repair`` (ingest/cli_repair.py) and ``python -m ingest model build``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ingest.errors import UtbotError
from ingest.settings import Settings

INDEX_HELP = "Index folder (default: ./index, or UTBOT_INDEX_DIR)."


def _settings(index: Path | None) -> Settings:
    settings = Settings()
    if index is not None:
        settings = settings.model_copy(update={"index_dir": index})
    return settings


@click.command(name="ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--index", type=click.Path(path_type=Path), help=INDEX_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON summary as the last line.")
@click.option("--prune", is_flag=True, help="Remove files no longer among PATHS from the index.")
@click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
def ingest_cmd(paths, index, as_json, prune, dry_run) -> None:
    """Ingest statements (.txt, .md, .pdf, .docx; folders recursively) into the index."""
    from ingest.pipeline import Ingestor

    settings = _settings(index)
    # a bar on a terminal; on a log (cron, a container) a line per N files or per 30 s, on stderr
    mode = "log" if not sys.stderr.isatty() else "off" if as_json else "bar"
    try:
        summary = Ingestor(settings, progress=mode).run(
            list(paths), prune=prune, dry_run=dry_run
        )
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc
    for failure in summary.failures:
        click.echo(f"FAILED {failure['path']}: {failure['reason']}", err=True)
    for note in summary.notes:
        click.echo(f"note   {note['path']}: {note['note']}", err=True)
    for line in summary.repaired:
        click.echo(f"repaired: {line}", err=True)
    if as_json:
        click.echo(json.dumps(summary.to_json(), ensure_ascii=False))
    else:
        _print_summary(summary, settings)
    if summary.files_failed:
        sys.exit(1)


def _print_summary(s, settings: Settings) -> None:
    if s.dry_run:
        for item in s.planned:
            click.echo(f"would {item['action']:8} {item['path']}")
    click.echo(
        f"{'Dry run: ' if s.dry_run else ''}{s.files_new} new, {s.files_changed} changed, "
        f"{s.files_unchanged} unchanged, {s.files_removed} removed, {s.files_failed} failed | "
        f"chunks: {s.chunks_written} written, {s.chunks_deleted} deleted, {s.embedded} embedded | "
        f"{s.seconds:.1f} s | index: {settings.index_path}"
    )


@click.command(name="stats")
@click.option("--index", type=click.Path(path_type=Path), help=INDEX_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats_cmd(index, as_json) -> None:
    """Documents, chunks, model, last ingest and chunks per document."""
    from ingest.stats import index_stats

    settings = _settings(index)
    try:
        stats = index_stats(settings)
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False))
        return
    click.echo(f"Index:       {stats['index']}")
    click.echo(f"Model:       {stats['model']}")
    click.echo(f"Documents:   {stats['documents']}")
    click.echo(f"Chunks:      {stats['chunks']} (vectors in Chroma: {stats['vectors']})")
    click.echo(f"Keywords:    {stats['keywords']} chunks in the keyword index")
    if stats["problems"]:
        click.echo(
            f"WARNING: the index is inconsistent: {'; '.join(stats['problems'])}. "
            f"Repair: python -m ingest repair --index {stats['index']}"
        )
    click.echo(f"Last ingest: {stats['last_ingest']}")
    for doc in stats["per_document"]:
        click.echo(f"  {doc['chunks']:5d}  {doc['source']}  {doc['title'] or ''}")


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "stats":
        stats_cmd.main(args[1:], prog_name="python -m ingest stats")
    elif args and args[0] == "model":
        from ingest.model_cli import model_cmd

        model_cmd.main(args[1:], prog_name="python -m ingest model")
    elif args and args[0] == "repair":
        from ingest.cli_repair import repair_cmd

        repair_cmd.main(args[1:], prog_name="python -m ingest repair")
    else:
        ingest_cmd.main(args, prog_name="python -m ingest")
