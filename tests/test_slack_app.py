"""The Slack app end to end: the real bolt App served over HTTP on 127.0.0.1, signed requests
sent as Slack sends them, a real WebClient talking to the stand-in Web API (tests/slack_stub.py),
and the real engine over the bundled corpus (the session fixture ``engine``)."""

from __future__ import annotations

import json
import logging
import re
import threading
import time

import pytest
from click.testing import CliRunner

from bot.slack.cli import slack as slack_command
from bot.slack.feedback import FeedbackStore
from tests.slack_bot import QUESTION, BrokenEngine, buttons, section_texts
from tests.slack_stub import BOT_ID, BOT_USER_ID, TEAM_ID


def test_forged_or_stale_signature_is_rejected_and_nothing_is_posted(make_bot, stub):
    bot = make_bot()
    forged = bot.mention(QUESTION, ts="1700000000.000100", signature="v0=" + "0" * 64)
    stale = bot.mention(QUESTION, ts="1700000000.000200", timestamp=int(time.time()) - 600)
    assert (forged.status, stale.status) == (401, 401)
    # rejected inside the request, before any listener: nothing can be pending
    assert stub.calls == []
    assert bot.engine.calls == []


def test_mention_gets_eyes_at_once_then_a_cited_answer_in_its_thread(make_bot, stub):
    bot = make_bot()
    started = time.perf_counter()
    reply = bot.mention(QUESTION, ts="1700000000.000100")
    assert reply.status == 200
    assert time.perf_counter() - started < 3, "Slack's 3-second limit"

    (eyes,) = stub.wait_for("reactions.add")
    assert (
        eyes.params.items()
        >= {"channel": "C0SKOLA", "timestamp": "1700000000.000100", "name": "eyes"}.items()
    )
    (post,) = stub.wait_for("chat.postMessage")
    assert post.at >= eyes.at
    assert post.params["channel"] == "C0SKOLA"
    assert post.params["thread_ts"] == "1700000000.000100"
    assert post.params["text"]  # notification fallback
    texts = section_texts(post.params["blocks"])
    citations = [t for t in texts if t.startswith("*[1]")]
    assert citations, texts
    assert "Rinkebyskolan" in "\n".join(texts)
    assert {"feedback_up", "feedback_down"} <= buttons(post.params["blocks"]).keys()
    assert bot.engine.calls == [{"question": QUESTION, "history": None}]


def test_dm_is_answered_in_the_dm(make_bot, stub):
    bot = make_bot()
    assert bot.dm(QUESTION, ts="1700000001.000100").status == 200
    (post,) = stub.wait_for("chat.postMessage")
    assert post.params["channel"] == "D0ASKER"
    assert "thread_ts" not in post.params
    assert any(t.startswith("*[1]") for t in section_texts(post.params["blocks"]))
    assert stub.calls_to("reactions.add")[0].params["channel"] == "D0ASKER"


def test_slash_command_answers_only_the_asker_and_can_be_shared(make_bot, stub):
    bot = make_bot()
    reply = bot.send.command(
        QUESTION, user="U0ASKER", channel="C0SKOLA", response_url=stub.response_url("cmd")
    )
    assert reply.status == 200
    assert "Söker" in reply.json()["text"]
    assert reply.json()["response_type"] == "ephemeral"

    (answer,) = stub.wait_for("response_url")
    assert answer.path == "/response/cmd"
    assert answer.params["response_type"] == "ephemeral"
    assert any(t.startswith("*[1]") for t in section_texts(answer.params["blocks"]))
    share = buttons(answer.params["blocks"])["share_answer"]
    assert stub.calls_to("chat.postMessage") == []  # nobody else saw anything

    bot.click("share_answer", share["value"], user="U0ASKER", ephemeral=True)
    shared, done = stub.wait_for("response_url", count=3)[1:]
    assert shared.params["response_type"] == "in_channel"
    assert "<@U0ASKER>" in json.dumps(shared.params["blocks"])
    assert done.params["replace_original"] is True


def test_retried_event_is_answered_exactly_once(make_bot, stub):
    bot = make_bot()
    first = bot.mention(QUESTION, ts="1700000002.000100", event_id="Ev0RETRY")
    retry = bot.mention(QUESTION, ts="1700000002.000100", event_id="Ev0RETRY", retry=1)
    assert (first.status, retry.status) == (200, 200)
    # a later, different question: once it is answered, a duplicate would have been too
    bot.mention("Vilket stöd har Grimstaskolan fått?", ts="1700000002.000200", user="U0OTHER")
    posts = stub.wait_for("chat.postMessage", count=2)
    time.sleep(0.2)  # a duplicate would be as slow as the answers already seen
    posts = stub.calls_to("chat.postMessage")
    assert sorted(p.params["thread_ts"] for p in posts) == [
        "1700000002.000100",
        "1700000002.000200",
    ]
    assert len(stub.calls_to("reactions.add")) == 2
    assert len(bot.engine.calls) == 2


def test_thread_follow_up_is_read_with_the_threads_earlier_question(make_bot, stub):
    bot = make_bot()
    root, follow_up = "1700000003.000100", "1700000003.000300"
    stub.seed_replies(
        "C0SKOLA",
        root,
        [
            {
                "type": "message",
                "user": "U0ASKER",
                "ts": root,
                "thread_ts": root,
                "text": f"<@{BOT_USER_ID}> {QUESTION}",
            },
            {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "ts": "1700000003.000200",
                "thread_ts": root,
                "text": "Svar på: Vilket stöd har Rinkebyskolan fått?",
            },
            {
                "type": "message",
                "user": "U0PEER",
                "ts": "1700000003.000250",
                "thread_ts": root,
                "text": "intressant!",
            },
            {
                "type": "message",
                "user": "U0ASKER",
                "ts": follow_up,
                "thread_ts": root,
                "text": f"<@{BOT_USER_ID}> och Grimstaskolan?",
            },
        ],
    )
    bot.mention("och Grimstaskolan?", ts=follow_up, thread_ts=root)

    (post,) = stub.wait_for("chat.postMessage")
    (replies,) = stub.calls_to("conversations.replies")
    assert (replies.params["channel"], replies.params["ts"]) == ("C0SKOLA", root)
    assert bot.engine.calls == [{"question": "och Grimstaskolan?", "history": [QUESTION]}]
    assert post.params["thread_ts"] == root
    first_citation = next(t for t in section_texts(post.params["blocks"]) if t.startswith("*[1]"))
    assert "Grimstaskolan" in first_citation


def test_a_thread_that_cannot_be_read_is_answered_without_history(make_bot, stub):
    bot = make_bot()  # conversations.replies is not seeded: the stand-in says thread_not_found
    bot.mention(
        "Vilket stöd har Grimstaskolan fått?", ts="1700000003.000900", thread_ts="1700000003.000800"
    )
    (post,) = stub.wait_for("chat.postMessage")
    assert stub.calls_to("conversations.replies")
    assert bot.engine.calls == [
        {"question": "Vilket stöd har Grimstaskolan fått?", "history": None}
    ]
    assert any(t.startswith("*[1]") for t in section_texts(post.params["blocks"]))


def test_feedback_clicks_are_stored_and_a_thumbs_down_asks_for_a_comment(make_bot, stub):
    bot = make_bot()
    bot.mention(QUESTION, ts="1700000004.000100")
    (post,) = stub.wait_for("chat.postMessage")
    answer_id = buttons(post.params["blocks"])["feedback_up"]["value"]

    assert bot.click("feedback_up", answer_id, user="U0FAN").status == 200
    assert bot.click("feedback_down", answer_id, user="U0CRITIC").status == 200
    thanks = stub.wait_for("response_url", count=2)
    assert all("Tack" in c.params["text"] for c in thanks)
    assert all(c.params["response_type"] == "ephemeral" for c in thanks)
    (modal,) = stub.wait_for("views.open")
    assert modal.params["trigger_id"] == "4242.1337.trigger"
    view = modal.params["view"]

    submission = {
        "type": "view_submission",
        "team": {"id": TEAM_ID, "domain": "utbot-test"},
        "user": {"id": "U0CRITIC", "username": "critic", "team_id": TEAM_ID},
        "api_app_id": "A0UTBOT",
        "token": "legacy-verification-token",
        "trigger_id": "4243.1337.trigger",
        "view": {
            **view,
            "id": "V0000001",
            "team_id": TEAM_ID,
            "state": {
                "values": {
                    "comment": {
                        "comment": {"type": "plain_text_input", "value": "Fel skola i svaret"}
                    }
                }
            },
        },
    }
    assert bot.send.interaction(submission).status == 200

    store = FeedbackStore.beside_index(bot.settings.index_path)
    votes = _poll(lambda: [v for v in store.votes() if v["comment"]] and store.votes())
    by_user = {v["user"]: v for v in votes}
    assert by_user["U0FAN"]["vote"] == "up"
    assert by_user["U0CRITIC"]["vote"] == "down"
    assert by_user["U0CRITIC"]["comment"] == "Fel skola i svaret"
    assert by_user["U0FAN"]["question"] == QUESTION
    assert json.loads(by_user["U0FAN"]["citations"])


def test_more_sources_click_updates_the_message_with_every_source(make_bot, stub):
    bot = make_bot()
    bot.mention(QUESTION, ts="1700000005.000100")
    (post,) = stub.wait_for("chat.postMessage")
    answer_id = buttons(post.params["blocks"])["feedback_up"]["value"]
    stored = FeedbackStore.beside_index(bot.settings.index_path).get_answer(answer_id)

    bot.click("show_more_sources", answer_id, ts=post.params.get("ts", "1700000005.000200"))
    (update,) = stub.wait_for("chat.update")
    assert update.params["channel"] == "C0SKOLA"
    shown = [t for t in section_texts(update.params["blocks"]) if re.match(r"\*\[\d+\]", t)]
    assert len(shown) == len(stored.answer.citations)
    assert "show_more_sources" not in buttons(update.params["blocks"])


def test_rate_limit_gives_a_polite_message_instead_of_an_answer(make_bot, stub):
    bot = make_bot(slack_rate_limit_per_minute=1)
    bot.mention(QUESTION, ts="1700000006.000100")
    bot.mention("Vilket stöd har Grimstaskolan fått?", ts="1700000006.000200")
    (polite,) = stub.wait_for("chat.postEphemeral")
    assert polite.params["user"] == "U0ASKER"
    assert "Vänta en minut" in polite.params["text"]
    assert "1 frågor per minut" in polite.params["text"]
    stub.wait_for("chat.postMessage")
    assert len(stub.calls_to("reactions.add")) == 1
    assert len(bot.engine.calls) == 1


def test_channels_outside_the_allow_list_are_not_answered(make_bot, stub):
    bot = make_bot(slack_allowed_channels=["C0SKOLA"])
    bot.mention(QUESTION, ts="1700000007.000100", channel="C0RANDOM")
    (notice,) = stub.wait_for("chat.postEphemeral")
    assert notice.params["channel"] == "C0RANDOM"
    assert "inte på frågor i den här kanalen" in notice.params["text"]
    bot.mention(QUESTION, ts="1700000007.000200", channel="C0SKOLA", user="U0OTHER")
    (post,) = stub.wait_for("chat.postMessage")
    assert post.params["channel"] == "C0SKOLA"
    assert [c.params["channel"] for c in stub.calls_to("reactions.add")] == ["C0SKOLA"]
    assert len(bot.engine.calls) == 1


def test_dms_are_not_answered_when_turned_off(make_bot, stub):
    bot = make_bot(slack_answer_dms=False)
    bot.dm(QUESTION, ts="1700000008.000100")
    (post,) = stub.wait_for("chat.postMessage")
    assert post.params["channel"] == "D0ASKER"
    assert "inte på direktmeddelanden" in post.params["text"]
    assert bot.engine.calls == []
    assert stub.calls_to("reactions.add") == []


def test_engine_failure_gives_a_swedish_message_with_an_error_id(make_bot, stub, caplog):
    bot = make_bot(answer_engine=BrokenEngine())
    with caplog.at_level(logging.ERROR, logger="bot.slack"):
        bot.mention(QUESTION, ts="1700000009.000100")
        (post,) = stub.wait_for("chat.postMessage")
    match = re.search(r"felkod `([0-9a-f]{8})`", post.params["text"])
    assert match, post.params["text"]
    assert "Något gick fel" in post.params["text"]
    assert post.params["thread_ts"] == "1700000009.000100"
    logged = [r for r in caplog.records if match.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info and "index is on fire" in str(logged[0].exc_info[1])


@pytest.mark.parametrize(
    ("env", "args", "variable"),
    [
        ({}, [], "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, [], "xoxb-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, [], "SLACK_APP_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"}, [], "xapp-"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["--http"], "SLACK_SIGNING_SECRET"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "not hex!"},
            ["--http"],
            "SLACK_SIGNING_SECRET looks malformed",
        ),
    ],
)
def test_missing_or_malformed_credentials_name_the_variable(monkeypatch, env, args, variable):
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(slack_command, args)
    assert result.exit_code != 0
    assert variable in result.output


def _poll(get, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = get()
        if value:
            return value
        threading.Event().wait(0.02)
    raise AssertionError("condition not met in time")
