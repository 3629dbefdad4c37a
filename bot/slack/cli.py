"""``python -m bot slack`` and ``python -m bot feedback export``; bolt and the engine load late."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

_INDEX = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index folder (default: UTBOT_INDEX_DIR or ./index).",
)


def _settings(index_dir: Path | None):
    from ingest.settings import Settings

    return Settings(index_dir=index_dir) if index_dir is not None else Settings()


@click.command()
@_INDEX
@click.option(
    "--http", "use_http", is_flag=True, help="Serve the Events API over HTTP, not Socket Mode."
)
@click.option("--port", type=int, default=3000, show_default=True, help="Port for --http.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Interface for --http.")
def slack(index_dir: Path | None, use_http: bool, port: int, host: str) -> None:
    """Run the Slack bot: Socket Mode (SLACK_BOT_TOKEN, SLACK_APP_TOKEN) or, with --http,
    the Events API at /slack/events (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)."""
    from bot.slack.app import check_credentials
    from ingest.errors import UtbotError

    settings = _settings(index_dir)
    try:
        check_credentials(settings, "http" if use_http else "socket")
    except UtbotError as e:
        raise click.ClickException(str(e)) from None

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from bot.engine import Engine
    from bot.slack.app import create_app, run_socket_mode, serve_http

    try:
        engine = Engine.from_settings(settings)
    except UtbotError as e:
        raise click.ClickException(str(e)) from None
    app = create_app(settings, engine)
    if use_http:
        server = serve_http(app, host, port)
        click.echo(f"Slack events at http://{host}:{server.server_port}/slack/events", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    else:
        click.echo("Connecting to Slack (Socket Mode)…", err=True)
        run_socket_mode(app, settings)


@click.group()
def feedback() -> None:
    """Votes given on the Slack bot's answers."""


@feedback.command("export")
@_INDEX
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSONL file to write (default: standard output).",
)
def export(index_dir: Path | None, out: Path | None) -> None:
    """Write the votes as JSONL in the evaluation's test-set format (a 👎 becomes a test case)."""
    from bot.slack.feedback import FILENAME, FeedbackStore, export_jsonl

    settings = _settings(index_dir)
    path = settings.index_path / FILENAME
    if not path.is_file():
        raise click.ClickException(f"No feedback yet: {path} does not exist.")
    store = FeedbackStore(path)
    if out is None:
        n = export_jsonl(store, sys.stdout)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as f:
            n = export_jsonl(store, f)
    click.echo(f"{n} votes exported" + (f" to {out}" if out else ""), err=True)
