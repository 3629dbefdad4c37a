"""``python -m ingest repair [--index DIR] [--json]``: reconcile the catalogue, Chroma and the
keyword index, and say what was repaired (ingest/reconcile.py lists each repair and its cost)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ingest.errors import UtbotError


@click.command(name="repair")
@click.option("--index", type=click.Path(path_type=Path), help="Index folder (default: ./index).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line.")
def repair_cmd(index, as_json) -> None:
    """Re-embed vectors missing from Chroma, remove orphaned ones, rebuild the keyword index,
    and rebuild a lost catalogue from the source files (reusing Chroma's vectors)."""
    from ingest.cli import _settings
    from ingest.pipeline import Ingestor

    settings = _settings(index)
    mode = "off" if as_json else "bar" if sys.stderr.isatty() else "log"
    try:
        result = Ingestor(settings, progress=mode).repair()
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    before, after = result["before"], result["after"]
    click.echo(
        f"Before: {before['catalogue']} catalogue chunks, {before['vectors']} vectors, "
        f"{before['keywords']} in the keyword index"
        + (f" ({'; '.join(before['problems'])})" if before["problems"] else "")
    )
    for line in result["repaired"] or ["nothing to repair"]:
        click.echo(f"Repaired: {line}")
    for path in result["gone"]:
        click.echo(f"Gone:   {path} (named in Chroma, no longer on disk; its vectors removed)")
    click.echo(
        f"After:  {after['catalogue']} catalogue chunks, {after['vectors']} vectors, "
        f"{after['keywords']} in the keyword index"
        + ("" if after["consistent"] else f" — STILL INCONSISTENT: {'; '.join(after['problems'])}")
    )
    if not after["consistent"]:
        sys.exit(1)
