"""@mention in a channel: 👀 at once, then the answer in the message's thread.

Bolt acknowledges an event before its listener runs (``process_before_response=False``), so this
runs after the ack, in the listener executor: the reaction first, then the engine.
"""

from __future__ import annotations

from bot.slack.listeners.common import Deps, answer_event


def register(app, deps: Deps) -> None:
    def answer_mention(event, context, client):
        answer_event(deps, event, context, client, reply_in_thread=True)

    app.event("app_mention")(answer_mention)
