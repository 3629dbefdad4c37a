"""Who may ask: workspaces, people and user groups, for mentions, DMs, /fraga and buttons.

The real bolt App over signed HTTP, as in tests/test_slack_app.py; usergroups.users.list and the
other Web API calls go to the stand-in (tests/slack_stub.py)."""

from __future__ import annotations

import json
import logging
import time

from bot.slack.feedback import FeedbackStore
from tests.slack_bot import QUESTION, buttons
from tests.slack_stub import BOT_USER_ID, TEAM_ID

NOT_ALLOWED = "inte behörighet"


def mention_from(bot, *, ts, user="U0ASKER", team=TEAM_ID, user_team=None, channel="C0SKOLA"):
    """An app_mention as Slack delivers it for workspace ``team``."""
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {QUESTION}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        **({"user_team": user_team} if user_team else {}),
    }
    body = {
        "team_id": team,
        "api_app_id": "A0UTBOT",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{ts.replace('.', '')}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": team, "user_id": BOT_USER_ID, "is_bot": True}],
    }
    return bot.send.post(json.dumps(body), "application/json")


def settle():
    time.sleep(0.5)  # anything the bot would still do for a dropped request has happened by now


def test_by_default_only_the_tokens_own_workspace_is_answered(make_bot, stub, caplog):
    bot = make_bot()
    with caplog.at_level(logging.INFO, logger="bot.slack"):
        assert mention_from(bot, ts="1700001000.000100", team="T0999").status == 200
        shared = mention_from(bot, ts="1700001000.000200", user="U0GUEST", user_team="T0PARTNER")
        assert shared.status == 200  # a guest from another organisation in a shared channel
    mention_from(bot, ts="1700001000.000300")
    (post,) = stub.wait_for("chat.postMessage")
    settle()
    assert post.params["thread_ts"] == "1700001000.000300"
    assert len(stub.calls_to("chat.postMessage")) == 1
    assert stub.calls_to("chat.postEphemeral") == []
    assert [c["question"] for c in bot.engine.calls] == [QUESTION]
    assert "workspace T0999" in caplog.text


def test_allowed_teams_replace_the_default(make_bot, stub):
    bot = make_bot(slack_allowed_teams=["T0999"])
    mention_from(bot, ts="1700001100.000100")  # the token's own workspace, no longer listed
    mention_from(bot, ts="1700001100.000200", team="T0999")
    (post,) = stub.wait_for("chat.postMessage")
    settle()
    assert post.params["thread_ts"] == "1700001100.000200"
    assert len(bot.engine.calls) == 1


def test_allowed_users_gate_mentions_dms_commands_and_buttons(make_bot, stub):
    bot = make_bot(slack_allowed_users=["U0ASKER"])
    bot.mention(QUESTION, ts="1700001200.000100", user="U0OTHER")
    (notice,) = stub.wait_for("chat.postEphemeral")
    assert notice.params["user"] == "U0OTHER" and NOT_ALLOWED in notice.params["text"]

    bot.dm(QUESTION, ts="1700001200.000200", user="U0OTHER", channel="D0OTHER")
    (dm_notice,) = stub.wait_for("chat.postMessage")
    assert dm_notice.params["channel"] == "D0OTHER" and NOT_ALLOWED in dm_notice.params["text"]

    reply = bot.send.command(
        QUESTION, user="U0OTHER", channel="C0SKOLA", response_url=stub.response_url("cmd")
    )
    assert NOT_ALLOWED in reply.json()["text"]
    assert bot.engine.calls == [] and stub.calls_to("reactions.add") == []

    bot.mention(QUESTION, ts="1700001200.000300", user="U0ASKER")
    (_, answer) = stub.wait_for("chat.postMessage", count=2)
    answer_id = buttons(answer.params["blocks"])["feedback_up"]["value"]
    assert bot.click("feedback_up", answer_id, user="U0OTHER").status == 200
    (refused,) = stub.wait_for("response_url")
    assert NOT_ALLOWED in refused.params["text"]
    assert bot.click("feedback_up", answer_id, user="U0ASKER").status == 200
    stub.wait_for("response_url", count=2)
    settle()
    votes = FeedbackStore.beside_index(bot.settings.index_path).votes()
    assert [v["user"] for v in votes] == ["U0ASKER"]
    assert len(bot.engine.calls) == 1


def test_user_group_members_may_ask_and_the_member_list_is_cached(make_bot, stub):
    stub.usergroups["S0STAFF"] = ["U0MEMBER"]
    bot = make_bot(slack_allowed_usergroups=["S0STAFF"])
    bot.mention(QUESTION, ts="1700001300.000100", user="U0MEMBER")
    stub.wait_for("chat.postMessage")
    bot.mention(QUESTION, ts="1700001300.000200", user="U0STRANGER")
    (notice,) = stub.wait_for("chat.postEphemeral")
    assert notice.params["user"] == "U0STRANGER" and NOT_ALLOWED in notice.params["text"]
    assert len(bot.engine.calls) == 1
    (lookup,) = stub.calls_to("usergroups.users.list")  # read once, then from the cache
    assert lookup.params["usergroup"] == "S0STAFF"


def test_a_group_slack_will_not_list_admits_nobody_and_says_why_in_the_log(make_bot, stub, caplog):
    bot = make_bot(slack_allowed_usergroups=["S0GONE"], slack_allowed_users=["U0BOSS"])
    with caplog.at_level(logging.WARNING, logger="bot.slack"):
        bot.mention(QUESTION, ts="1700001400.000100", user="U0MEMBER")
        stub.wait_for("chat.postEphemeral")
    assert "S0GONE" in caplog.text and "no_such_subteam" in caplog.text
    bot.mention(QUESTION, ts="1700001400.000200", user="U0BOSS")  # listed by name: still asks
    stub.wait_for("chat.postMessage")
    assert len(bot.engine.calls) == 1
