""" "Visa fler källor": the answer message updated in place to show every source."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.slack.blocks import ACTION_MORE_SOURCES
from bot.slack.listeners.common import Deps, log, report_failure


def register(app, deps: Deps) -> None:
    def show_all_sources(ack, body, action, client, respond):
        ack()
        container = body.get("container") or {}
        ephemeral = bool(container.get("is_ephemeral"))
        try:
            stored = deps.store.get_answer(action["value"])
            if stored is None:
                raise KeyError(f"unknown answer {action['value']}")
            message = deps.answer_message(
                stored.answer, stored.id, expanded=True, shareable=ephemeral
            )
            if not ephemeral:
                try:
                    client.chat_update(
                        channel=container["channel_id"], ts=container["message_ts"], **message
                    )
                    return
                except SlackApiError as e:  # e.g. a message posted through a response_url
                    log.info("chat.update failed (%s); replacing through response_url", e)
            respond(replace_original=True, **message)
        except Exception:
            report_failure(
                deps,
                lambda m: respond(response_type="ephemeral", replace_original=False, **m),
                "showing more sources",
            )

    app.action(ACTION_MORE_SOURCES)(show_all_sources)
