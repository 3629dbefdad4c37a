"""The Slack app factory and Socket Mode (HTTP mode: bot/slack/http.py).

Nothing here talks to Slack when imported or when :func:`create_app` runs: the bot token is
checked (auth.test) on the first request, not in bolt's constructor.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Literal

from ingest.errors import UtbotError
from ingest.settings import Settings

if TYPE_CHECKING:
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.slack.listeners.common import AnswerEngine

log = logging.getLogger("bot.slack")


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

    from bot.slack.access import USER_NOT_ALLOWED, Access
    from bot.slack.blocks import Templates
    from bot.slack.feedback import FeedbackStore
    from bot.slack.guard import Deduper, RateLimiter, make_guard
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
        max_question_chars=settings.max_question_chars,
    )

    def tell_refused(body: dict, context) -> None:
        """A click from someone who may not ask: told so, only they see it."""
        respond = context.get("respond") if body.get("response_url") else None
        if respond is not None:
            message = deps.plain_message(deps.gate_message(USER_NOT_ALLOWED))
            respond(response_type="ephemeral", replace_original=False, **message)

    app.use(
        make_guard(
            Deduper(),
            RateLimiter(settings.slack_rate_limit_per_minute),
            Access.from_settings(settings),
            on_refused=tell_refused,
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


def run_socket_mode(app: App, settings: Settings) -> None:
    """Connect to Slack over a WebSocket (no public URL needed) and serve until interrupted; the
    heartbeat file is rewritten while the connection is up."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.health import Heartbeat

    handler = SocketModeHandler(app, app_token=_secret(settings.slack_app_token))
    Heartbeat(
        settings.heartbeat_path, settings.slack_heartbeat_s, handler.client.is_connected
    ).start()
    handler.start()
