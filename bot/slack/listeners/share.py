""" "Dela i kanalen" under a /fraga answer: the answer posted for everyone in the channel."""

from __future__ import annotations

from bot.slack.blocks import ACTION_SHARE, escape
from bot.slack.listeners.common import Deps, report_failure


def register(app, deps: Deps) -> None:
    def share_answer(ack, body, action, respond):
        ack()
        try:
            stored = deps.store.get_answer(action["value"])
            if stored is None:
                raise KeyError(f"unknown answer {action['value']}")
            message = deps.answer_message(stored.answer, stored.id)
            byline = deps.templates.render(
                "shared_by", user=body["user"]["id"], question=escape(stored.answer.question)
            )
            message["blocks"].insert(
                0, {"type": "context", "elements": [{"type": "mrkdwn", "text": byline}]}
            )
            # the response_url of an ephemeral message may post in the channel: no extra scope
            respond(response_type="in_channel", replace_original=False, **message)
            respond(
                replace_original=True, **deps.plain_message(deps.templates.render("shared_done"))
            )
        except Exception:
            report_failure(
                deps,
                lambda m: respond(response_type="ephemeral", replace_original=False, **m),
                "sharing an answer",
            )

    app.action(ACTION_SHARE)(share_answer)
