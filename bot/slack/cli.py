"""``python -m bot slack``, ``python -m bot health`` and ``python -m bot feedback export``; bolt
and the engine load late."""

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
    """The settings, or exit 1 with a message naming each malformed variable (no traceback)."""
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from ingest.settings import Settings, env_var

    try:
        return Settings(index_dir=index_dir) if index_dir is not None else Settings()
    except ValidationError as e:
        lines = []
        for err in e.errors():
            name = str(err["loc"][0]) if err["loc"] else ""
            where = env_var(name) if name in Settings.model_fields else name
            lines.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
        raise click.ClickException("Malformed setting:\n  " + "\n  ".join(lines)) from None
    except SettingsError as e:  # a value pydantic-settings could not even decode
        raise click.ClickException(f"Malformed setting: {e}") from None


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

    from bot.slack import logs

    logs.configure(logging.INFO)
    from bot.engine import Engine
    from bot.slack.app import create_app, run_socket_mode

    try:
        engine = Engine.from_settings(settings)
    except UtbotError as e:
        raise click.ClickException(str(e)) from None
    app = create_app(settings, engine)
    if use_http:
        serve(app, settings, host, port)
    else:
        click.echo("Connecting to Slack (Socket Mode)…", err=True)
        run_socket_mode(app, settings)


def serve(app, settings, host: str, port: int) -> None:
    """HTTP mode until interrupted, with the heartbeat probing the server's own /healthz."""
    from bot.slack.health import Heartbeat, probe_url
    from bot.slack.http import HEALTH_PATH, serve_http

    server = serve_http(app, settings, host, port)
    heartbeat = Heartbeat(
        settings.heartbeat_path, settings.slack_heartbeat_s, probe_url(server.url(HEALTH_PATH))
    )
    click.echo(f"Slack events at {server.url()} (health: {HEALTH_PATH})", err=True)
    heartbeat.start()
    try:
        server.serve_forever()  # until Ctrl-C
    finally:
        heartbeat.stop()


@click.command()
@_INDEX
@click.option(
    "--max-age",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="Seconds the last heartbeat may be old.",
)
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Heartbeat file (default: UTBOT_SLACK_HEARTBEAT_FILE, or slack-heartbeat in the index).",
)
def health(index_dir: Path | None, max_age: float, path: Path | None) -> None:
    """Exit 0 if the running Slack bot wrote its heartbeat within --max-age seconds, else 1
    (for a container HEALTHCHECK). The bot writes it while it is healthy: HTTP mode when its
    /healthz answers, Socket Mode while connected."""
    from bot.slack.health import heartbeat_age

    path = path or _settings(index_dir).heartbeat_path
    try:
        age = heartbeat_age(path)
    except FileNotFoundError:
        raise click.ClickException(
            f"no heartbeat at {path}: the bot is not running (yet)"
        ) from None
    if age > max_age:
        raise click.ClickException(f"heartbeat {age:.0f} s old (limit {max_age:.0f} s): {path}")
    click.echo(f"ok: heartbeat {age:.1f} s old ({path})")


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
