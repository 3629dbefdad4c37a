"""The Slack app factory and the two ways to serve it (Socket Mode, HTTP).

Nothing here talks to Slack when imported or when :func:`create_app` runs: the bot token is
checked (auth.test) on the first request, not in bolt's constructor.
"""

from __future__ import annotations

import logging
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

from ingest.errors import UtbotError
from ingest.settings import Settings

if TYPE_CHECKING:
    from wsgiref.simple_server import WSGIServer

    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.slack.listeners.common import AnswerEngine

log = logging.getLogger("bot.slack")

EVENTS_PATH = "/slack/events"


class SlackConfigError(UtbotError):
    """A Slack token or secret is missing or malformed; the message names the variable."""


def _secret(value) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def check_credentials(settings: Settings, mode: Literal["socket", "http"]) -> None:
    """Fail before anything starts if a credential the mode needs is missing or malformed."""
    problems = []
    bot = _secret(settings.slack_bot_token)
    if not bot:
        problems.append(
            "SLACK_BOT_TOKEN is not set (the bot token, xoxb-…, under OAuth & Permissions)."
        )
    elif not bot.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN must be a bot token starting with xoxb-.")
    if mode == "socket":
        app_token = _secret(settings.slack_app_token)
        if not app_token:
            problems.append(
                "SLACK_APP_TOKEN is not set (an app-level token, xapp-…, with connections:write, "
                "under Basic Information → App-Level Tokens); or run with --http."
            )
        elif not app_token.startswith("xapp-"):
            problems.append("SLACK_APP_TOKEN must be an app-level token starting with xapp-.")
    else:
        secret = _secret(settings.slack_signing_secret)
        if not secret:
            problems.append(
                "SLACK_SIGNING_SECRET is not set (Basic Information → App Credentials → "
                "Signing Secret)."
            )
        elif not re.fullmatch(r"[0-9a-f]{16,}", secret):
            problems.append("SLACK_SIGNING_SECRET looks malformed: Slack's is a hex string.")
    if problems:
        raise SlackConfigError("\n".join(problems))


def create_app(settings: Settings, engine: AnswerEngine, client: WebClient | None = None) -> App:
    """A bolt App answering through ``engine``.

    ``client`` defaults to a WebClient on settings.slack_api_url with the bot token.
    """
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.slack.blocks import Templates
    from bot.slack.feedback import FeedbackStore
    from bot.slack.guard import Access, Deduper, RateLimiter, make_guard
    from bot.slack.listeners import Deps, register_all

    if client is None:
        client = WebClient(
            token=_secret(settings.slack_bot_token) or None, base_url=_api_url(settings)
        )
    app = App(
        name="utbot",
        logger=_bolt_logger(),
        client=client,
        signing_secret=_secret(settings.slack_signing_secret) or None,
        token_verification_enabled=False,  # auth.test on the first request, not here
        process_before_response=False,  # ack first; answers run in the listener executor
        listener_executor=ThreadPoolExecutor(max_workers=16, thread_name_prefix="utbot-slack"),
    )
    deps = Deps(
        engine=engine,
        templates=Templates.from_prompts_dir(settings.prompts_dir),
        store=FeedbackStore.beside_index(settings.index_path),
        rate_limit_per_minute=settings.slack_rate_limit_per_minute,
    )
    app.use(
        make_guard(
            Deduper(),
            RateLimiter(settings.slack_rate_limit_per_minute),
            Access.of(settings.slack_allowed_channels, settings.slack_answer_dms),
        )
    )
    register_all(app, deps)
    app.error(_error_handler(deps))
    return app


class _NoTokenSkippedWarning(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN itself and warns that it is unused when a client is given."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def _bolt_logger() -> logging.Logger:
    logger = logging.getLogger("bot.slack.bolt")
    if not any(isinstance(f, _NoTokenSkippedWarning) for f in logger.filters):
        logger.addFilter(_NoTokenSkippedWarning())
    return logger


def _api_url(settings: Settings) -> str:
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def _error_handler(deps):
    from bot.slack.listeners.common import report_failure

    def on_error(error, body, context):
        """Anything a listener did not handle: logged under an error id, the user told."""
        respond = context.get("respond") if body.get("response_url") else None

        def send(message: dict) -> None:
            if respond is not None:
                respond(response_type="ephemeral", replace_original=False, **message)

        try:
            raise error
        except Exception:
            report_failure(deps, send, f"handling a {body.get('type', 'request')}")

    return on_error


def serve_http(app: App, host: str = "0.0.0.0", port: int = 3000) -> WSGIServer:
    """A threaded WSGI server with bolt's WSGI adapter at /slack/events (not yet serving)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from slack_bolt.adapter.wsgi import SlackRequestHandler

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Handler(WSGIRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
            log.debug("%s - " + format, self.address_string(), *args)

    return make_server(
        host,
        port,
        SlackRequestHandler(app, path=EVENTS_PATH),
        server_class=Server,
        handler_class=Handler,
    )


def serve_http_in_thread(app: App, host: str = "127.0.0.1", port: int = 0) -> WSGIServer:
    """Start :func:`serve_http` in a daemon thread (tests, bench); ``shutdown()`` stops it."""
    server = serve_http(app, host, port)
    threading.Thread(
        target=server.serve_forever, args=(0.05,), name="utbot-slack-http", daemon=True
    ).start()
    return server


def run_socket_mode(app: App, settings: Settings) -> None:
    """Connect to Slack over a WebSocket (no public URL needed) and serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    SocketModeHandler(app, app_token=_secret(settings.slack_app_token)).start()
