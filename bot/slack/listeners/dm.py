"""A direct message: 👀 at once, then the answer in the DM (in its thread if asked in one).

Runs after bolt's automatic ack, like the mention listener.
"""

from __future__ import annotations

from bot.slack.guard import is_user_message
from bot.slack.listeners.common import Deps, answer_event


def _is_dm_question(event: dict) -> bool:
    return event.get("channel_type") == "im" and is_user_message(event)


def register(app, deps: Deps) -> None:
    def answer_dm(event, context, client):
        answer_event(deps, event, context, client, reply_in_thread=False)

    def ignore_other_messages():
        """Edits, deletions, bot posts and channel messages: acknowledged, not answered."""

    app.event("message", matchers=[_is_dm_question])(answer_dm)
    app.event("message")(ignore_other_messages)
