"""A stand-in for Slack on 127.0.0.1: its Web API, response_urls, and signed requests to an app.

``SlackStub`` is a small threaded HTTP server that speaks the Web API's protocol (form or JSON
bodies, ``GET`` query strings, ``Authorization: Bearer`` tokens, ``{"ok": ...}`` answers with
the fields real clients read) and records every call as ``Call(method, params)``. Point a real
``slack_sdk.WebClient(base_url=stub.api_url)`` at it. ``SlackSender`` plays Slack's side of the
Events API: it signs requests like Slack (v0 HMAC-SHA256 of ``v0:{ts}:{body}``) and posts them.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
TEAM_ID = "T0TEST"
JSON_FIELDS = ("blocks", "attachments", "view", "metadata")


@dataclass
class Call:
    method: str  # Web API method, or "response_url" for a POST to a response_url
    params: dict
    path: str = ""
    token: str | None = None
    at: float = 0.0  # time.perf_counter() when it arrived


class SlackStub:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.replies: dict[tuple[str, str], list[dict]] = {}
        self.usergroups: dict[str, list[str]] = {}  # what usergroups.users.list returns
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._ts = itertools.count(1)
        self._views = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    # --- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> SlackStub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/"

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def response_url(self, name: str = "r1") -> str:
        return self.url + f"response/{name}"

    # --- seeding and assertions -------------------------------------------------------------
    def seed_replies(self, channel: str, thread_ts: str, messages: list[dict]) -> None:
        """What conversations.replies returns for that thread."""
        self.replies[(channel, thread_ts)] = messages

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 10.0, where=None
    ) -> list[Call]:
        """Block until ``count`` calls to ``method`` (matching ``where(params)``) have arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [
                    c
                    for c in self.calls
                    if c.method == method and (where is None or where(c.params))
                ]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"{count} × {method} not called in {timeout}s; got {seen}")
                self._changed.wait(left)

    def next_ts(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    # --- the Web API -------------------------------------------------------------------------
    def api(self, method: str, p: dict, token: str | None) -> dict:
        if not token:
            return {"ok": False, "error": "not_authed"}
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(p)

    def _auth_test(self, p: dict) -> dict:
        return {
            "ok": True,
            "url": "https://utbot-test.slack.com/",
            "team": "Utbot Test",
            "user": "utbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _message(self, p: dict, ts: str) -> dict:
        message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
        message.update({k: p[k] for k in ("text", "blocks", "thread_ts") if k in p})
        return message

    def _chat_postMessage(self, p: dict) -> dict:
        if not p.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        ts = self.next_ts()
        return {"ok": True, "channel": p["channel"], "ts": ts, "message": self._message(p, ts)}

    def _chat_update(self, p: dict) -> dict:
        if not p.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        return {
            "ok": True,
            "channel": p.get("channel"),
            "ts": p["ts"],
            "text": p.get("text", ""),
            "message": self._message(p, p["ts"]),
        }

    def _chat_postEphemeral(self, p: dict) -> dict:
        if not p.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        return {"ok": True, "message_ts": self.next_ts()}

    def _reactions_add(self, p: dict) -> dict:
        if not (p.get("channel") and p.get("timestamp") and p.get("name")):
            return {"ok": False, "error": "invalid_arguments"}
        return {"ok": True}

    def _conversations_replies(self, p: dict) -> dict:
        messages = self.replies.get((p.get("channel", ""), p.get("ts", "")))
        if messages is None:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "messages": messages, "has_more": False}

    def _usergroups_users_list(self, p: dict) -> dict:
        users = self.usergroups.get(p.get("usergroup", ""))
        if users is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": users}

    def _views_open(self, p: dict) -> dict:
        if not p.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = dict(p.get("view") or {})
        view.update(id=f"V{next(self._views):08d}", team_id=TEAM_ID, state={"values": {}})
        return {"ok": True, "view": view}


def _parse(content_type: str, raw: bytes, query: str) -> dict:
    params: dict = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
    if raw and "json" in content_type:
        params.update(json.loads(raw.decode("utf-8")))
    elif raw:
        params.update({k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode("utf-8")).items()})
    for k in JSON_FIELDS:  # form-encoded clients send these as JSON strings
        if isinstance(params.get(k), str):
            params[k] = json.loads(params[k])
    return params


def _handler(stub: SlackStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002 - the stdlib's name
            pass

        def _handle(self) -> None:
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            params = _parse(self.headers.get("Content-Type", ""), raw, query)
            auth = self.headers.get("Authorization", "")
            token = (
                auth.removeprefix("Bearer ")
                if auth.startswith("Bearer ")
                else params.pop("token", None)
            )
            arrived = time.perf_counter()
            if path.startswith("/api/"):
                method = path.removeprefix("/api/")
                stub._record(Call(method, params, path, token, arrived))
                self._send(200, json.dumps(stub.api(method, params, token)), "application/json")
            elif path.startswith("/response/"):
                stub._record(Call("response_url", params, path, None, arrived))
                self._send(200, "ok", "text/plain")
            else:
                self._send(404, "not found", "text/plain")

        do_GET = do_POST = _handle

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type + "; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


# --- Slack's side of the Events API ------------------------------------------------------------


def sign(secret: str, timestamp: str, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    status: int
    body: str

    def json(self) -> dict:
        return json.loads(self.body)


class SlackSender:
    """Posts signed requests to an app's /slack/events, as Slack does."""

    def __init__(self, app_url: str, signing_secret: str):
        self.app_url = app_url
        self.signing_secret = signing_secret

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict | None = None,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Reply:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(self.signing_secret, ts, body),
            **(headers or {}),
        }
        req = urllib.request.Request(self.app_url, body.encode(), all_headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return Reply(resp.status, resp.read().decode("utf-8"))
        except urllib.error.HTTPError as e:
            with e:
                return Reply(e.code, e.read().decode("utf-8"))

    def event(self, event: dict, *, event_id: str, retry: int | None = None, **kw) -> Reply:
        body = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0UTBOT",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
        }
        headers = {}
        if retry:  # Slack's redelivery of an event it thinks was not acknowledged in time
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(body), "application/json", headers=headers, **kw)

    def command(self, text: str, *, user: str, channel: str, response_url: str, **kw) -> Reply:
        form = {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "utbot-test",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "skolfragor",
            "user_id": user,
            "user_name": "asker",
            "command": "/fraga",
            "text": text,
            "api_app_id": "A0UTBOT",
            "response_url": response_url,
            "trigger_id": "1337.42.abcdef",
        }
        body = urllib.parse.urlencode(form)
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def interaction(self, payload: dict, **kw) -> Reply:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kw)
