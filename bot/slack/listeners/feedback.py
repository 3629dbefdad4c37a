"""👍/👎 under an answer: stored in SQLite, thanked ephemerally; 👎 also asks for a comment."""

from __future__ import annotations

from bot.slack.blocks import (
    ACTION_FEEDBACK_DOWN,
    ACTION_FEEDBACK_UP,
    VIEW_FEEDBACK_COMMENT,
    feedback_modal,
)
from bot.slack.listeners.common import Deps, report_failure


def _ephemeral(respond):
    def send(message: dict) -> None:
        respond(response_type="ephemeral", replace_original=False, **message)

    return send


def register(app, deps: Deps) -> None:
    def record_vote(ack, body, action, client, respond):
        ack()
        send = _ephemeral(respond)
        try:
            vote = "up" if action["action_id"] == ACTION_FEEDBACK_UP else "down"
            vote_id = deps.store.vote(
                action["value"],
                user=body["user"]["id"],
                channel=(body.get("channel") or {}).get("id"),
                vote=vote,
            )
            if vote == "down":
                client.views_open(
                    trigger_id=body["trigger_id"], view=feedback_modal(deps.templates, vote_id)
                )
            send(deps.plain_message(deps.templates.render("feedback_thanks")))
        except Exception:
            report_failure(deps, send, "recording feedback")

    def record_comment(ack, view):
        ack()
        value = view["state"]["values"].get("comment", {}).get("comment", {}).get("value")
        deps.store.comment(int(view["private_metadata"]), value or "")

    app.action(ACTION_FEEDBACK_UP)(record_vote)
    app.action(ACTION_FEEDBACK_DOWN)(record_vote)
    app.view(VIEW_FEEDBACK_COMMENT)(record_comment)
