"""The Slack app as the tests drive it: the real bolt App behind the real HTTP server of
`bot slack --http` on 127.0.0.1, signed requests sent as Slack sends them, a real WebClient talking
to the stand-in Web API (tests/slack_stub.py), and the real engine over the bundled corpus.

The fixtures ``stub`` and ``make_bot`` are made available to every test by tests/conftest.py."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from pydantic import SecretStr

from bot.slack.app import create_app
from bot.slack.http import serve_http
from tests.slack_stub import BOT_USER_ID, TEAM_ID, SlackSender, SlackStub

SECRET = "8f742231b10e8888abcd99aa0b1c85a5"
QUESTION = "Vilket stöd har Rinkebyskolan fått?"


class RecordingEngine:
    """The real engine, with each call's arguments kept (to see the history it was given)."""

    def __init__(self, engine):
        self.engine = engine
        self.calls: list[dict] = []

    def answer(self, question, *, history=None, filters=None, k=None):
        self.calls.append({"question": question, "history": history})
        return self.engine.answer(question, history=history, filters=filters, k=k)


class BrokenEngine:
    def answer(self, question, *, history=None, filters=None, k=None):
        raise RuntimeError("index is on fire")


@dataclass
class Bot:
    stub: SlackStub
    send: SlackSender
    engine: object
    settings: object

    def mention(self, text, *, ts, channel="C0SKOLA", user="U0ASKER", event_id=None, **kw):
        event = {
            "type": "app_mention",
            "user": user,
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "client_msg_id": f"msg-{ts}",
            **({"thread_ts": kw.pop("thread_ts")} if "thread_ts" in kw else {}),
        }
        return self.send.event(event, event_id=event_id or f"Ev{ts.replace('.', '')}", **kw)

    def dm(self, text, *, ts, channel="D0ASKER", user="U0ASKER"):
        event = {
            "type": "message",
            "channel_type": "im",
            "user": user,
            "text": text,
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "client_msg_id": f"dm-{ts}",
        }
        return self.send.event(event, event_id=f"Ev{ts.replace('.', '')}")

    def click(self, action_id, value, *, user="U0VOTER", channel="C0SKOLA", ts="1.0", **extra):
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID, "domain": "utbot-test"},
            "user": {"id": user, "username": "voter", "team_id": TEAM_ID},
            "api_app_id": "A0UTBOT",
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": extra.pop("ephemeral", False),
            },
            "trigger_id": "4242.1337.trigger",
            "channel": {"id": channel, "name": "skolfragor"},
            "response_url": self.stub.response_url(f"action-{action_id}"),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "answer_actions",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        return self.send.interaction(payload)


@pytest.fixture
def stub():
    with SlackStub() as s:
        yield s


@pytest.fixture
def make_bot(stub, bundled_settings, engine, tmp_path):
    servers = []

    def make(answer_engine=None, **overrides) -> Bot:
        settings = bundled_settings.model_copy(
            update={
                "index_dir": tmp_path,  # feedback.sqlite3 goes here, not into the shared index
                "slack_bot_token": SecretStr("xoxb-test-token"),
                "slack_signing_secret": SecretStr(SECRET),
                "slack_api_url": stub.api_url,
                **overrides,
            }
        )
        answer_engine = answer_engine or RecordingEngine(engine)
        app = create_app(settings, answer_engine)  # a WebClient on SLACK_API_URL (the stub)
        assert stub.calls == [], "nothing may talk to Slack while the app is built"
        server = serve_http(app, settings, "127.0.0.1", 0).start()  # as `bot slack --http`
        servers.append(server)
        return Bot(stub, SlackSender(server.url(), SECRET), answer_engine, settings)

    yield make
    for server in servers:
        server.shutdown()


def section_texts(blocks):
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def buttons(blocks):
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}
