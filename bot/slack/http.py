"""``bot slack --http``: waitress in front of bolt, with each request checked before bolt reads it.

Why waitress: bolt acknowledges in the request thread and answers in its own listener threads, so
the HTTP server only has to accept many short requests at once and keep slow or idle clients from
holding threads. Waitress does that with a fixed pool of worker threads behind one async
acceptor (no fork, so the in-memory retry guard and rate limit stay shared), a listen backlog of
1024, a connection limit, a body-size limit (HTTP 413) and a timeout for idle or slow
connections. It is pure Python and maintained by the Pylons project.

In front of bolt, :class:`SlackEndpoint` checks in this order and stops at the first failure:

1. path and method: ``GET /healthz`` (liveness, no Slack involved), ``POST /slack/events``;
2. body size (413) and the Slack signature over the raw bytes (401), before anything is parsed;
3. the body parses as bolt will parse it: UTF-8, a JSON object, or a form whose ``payload`` is a
   JSON object, and the fields bolt and the listeners read have the types Slack gives them (400).

Only then does bolt see the request. A rejected request is logged as one line with its length
and a short hash, never its content (bot/slack/logs.py).
"""

from __future__ import annotations

import io
import logging
import threading
import uuid
from typing import TYPE_CHECKING

from bot.slack.logs import digest

if TYPE_CHECKING:
    from slack_bolt import App

    from ingest.settings import Settings

log = logging.getLogger("bot.slack.http")

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


class SlackEndpoint:
    """The WSGI application: health route, request checks, then bolt's WSGI adapter."""

    def __init__(self, app: App, signing_secret: str, max_body_bytes: int):
        from slack_bolt.adapter.wsgi import SlackRequestHandler
        from slack_sdk.signature import SignatureVerifier

        self.bolt = SlackRequestHandler(app, path=EVENTS_PATH)
        self.verifier = SignatureVerifier(signing_secret)
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ, start_response):
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == HEALTH_PATH:
            if method not in ("GET", "HEAD"):
                return _reply(start_response, 405, "Method Not Allowed", [("Allow", "GET, HEAD")])
            return _reply(start_response, 200, "ok")
        if path != EVENTS_PATH:
            return _reply(start_response, 404, "Not Found")
        if method != "POST":
            return _reply(start_response, 405, "Method Not Allowed", [("Allow", "POST")])
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _reply(start_response, 400, "Bad Request")
        if length > self.max_body_bytes:
            log.warning(
                "refused a request body of %d bytes (limit %d)", length, self.max_body_bytes
            )
            return _reply(start_response, 413, "Request Entity Too Large")
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        if not self._signed(body, environ):
            log.warning(
                "refused a request with a missing, wrong or stale signature (%s)", digest(body)
            )
            return _reply(start_response, 401, "Unauthorized")
        problem = _unparsable(body, environ.get("CONTENT_TYPE", ""))
        if problem:
            log.warning("refused a signed request: %s (%s)", problem, digest(body))
            return _reply(start_response, 400, "Bad Request")
        inner = dict(environ, **{"wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))})
        try:
            return self.bolt(inner, start_response)
        except Exception:  # bolt handles listener errors; this is the adapter itself failing
            error_id = uuid.uuid4().hex[:8]
            log.exception("handling a request failed [error_id=%s] (%s)", error_id, digest(body))
            return _reply(start_response, 500, f"Internal Server Error [error_id={error_id}]")

    def _signed(self, body: bytes, environ: dict) -> bool:
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP")
        signature = environ.get("HTTP_X_SLACK_SIGNATURE")
        try:
            return self.verifier.is_valid(body, timestamp, signature)
        except ValueError:  # a timestamp that is not a number
            return False


def _unparsable(body: bytes, content_type: str) -> str | None:
    """Why bolt could not read this body as a Slack request, or None if it can."""
    from slack_bolt.request.internals import parse_body

    try:
        parsed = parse_body(body.decode("utf-8"), content_type)
    except UnicodeDecodeError:
        return "the body is not UTF-8"
    except ValueError:  # json.JSONDecodeError included
        return "the body is not valid JSON"
    if not isinstance(parsed, dict) or not parsed:  # a form's payload is parsed in its place
        return "the body is not a JSON object or a form with fields"
    return _misshapen(parsed)


# The fields bolt and the listeners read, and what they must be when present (None is allowed:
# Slack sends null for some). Anything else is no Slack request, even correctly signed.
_OBJECTS = ("event", "user", "team", "view", "container", "channel", "enterprise", "message")
_STRINGS = (
    "type command text user_id team_id channel_id channel_name response_url trigger_id event_id "
    "enterprise_id api_app_id"
).split()
_EVENT_STRINGS = (
    "type subtype user channel channel_type ts thread_ts event_ts text client_msg_id bot_id team "
    "user_team"
).split()


def _misshapen(body: dict) -> str | None:
    for key in _OBJECTS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            return f"field {key} is not an object"
    for key in _STRINGS:
        if body.get(key) is not None and not isinstance(body[key], str):
            return f"field {key} is not a string"
    event = body.get("event") or {}
    for key in _EVENT_STRINGS:
        if event.get(key) is not None and not isinstance(event[key], str):
            return f"field event.{key} is not a string"
    if body.get("type") == "block_actions":
        actions = body.get("actions")
        if not (
            isinstance(actions, list) and actions and all(isinstance(a, dict) for a in actions)
        ):
            return "block_actions without a list of actions"
    if body.get("type") in ("view_submission", "view_closed") and not body.get("view"):
        return f"{body['type']} without a view"
    return None


def _reply(start_response, status: int, text: str, headers: list | None = None) -> list[bytes]:
    from http import HTTPStatus

    data = text.encode("utf-8")
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(data)))]
        + (headers or []),
    )
    return [data]


class HttpServer:
    """A waitress server for :class:`SlackEndpoint`, sized by the ``slack_http_*`` settings."""

    def __init__(self, endpoint: SlackEndpoint, settings: Settings, host: str, port: int):
        from waitress.server import create_server

        self._server = create_server(
            endpoint,
            host=host,
            port=port,
            threads=settings.slack_http_threads,
            connection_limit=settings.slack_http_connection_limit,
            max_request_body_size=settings.slack_http_max_body_bytes,
            channel_timeout=settings.slack_http_timeout_s,
            cleanup_interval=max(1, settings.slack_http_timeout_s // 3),
            ident="utbot",
            expose_tracebacks=False,
        )
        self.host = host
        self._stopping = threading.Event()
        self._stopped = threading.Event()

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def url(self, path: str = EVENTS_PATH) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{path}"

    def serve_forever(self) -> None:
        """Serve until :meth:`shutdown` (from another thread) or Ctrl-C."""
        from waitress import wasyncore

        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, map=self._server._map, use_poll=True, count=1)
        except (SystemExit, KeyboardInterrupt):
            pass
        finally:  # closed in the loop's own thread, so no socket is closed under its feet
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._server._map)
            self._stopped.set()

    def start(self) -> HttpServer:
        """Serve in a daemon thread (tests, bench); :meth:`shutdown` stops it."""
        threading.Thread(target=self.serve_forever, name="utbot-http", daemon=True).start()
        return self

    def shutdown(self, timeout_s: float = 10.0) -> None:
        self._stopping.set()
        if self._stopped.is_set():
            return
        try:
            self._server.pull_trigger()  # wake the loop at once
        except OSError:  # the loop closed its trigger meanwhile; it wakes within 1 s anyway
            pass
        self._stopped.wait(timeout_s)


def serve_http(app: App, settings: Settings, host: str = "0.0.0.0", port: int = 3000) -> HttpServer:
    """The server for ``bot slack --http`` (not yet serving; call serve_forever or start)."""
    secret = settings.slack_signing_secret
    endpoint = SlackEndpoint(
        app, secret.get_secret_value().strip() if secret else "", settings.slack_http_max_body_bytes
    )
    return HttpServer(endpoint, settings, host, port)
