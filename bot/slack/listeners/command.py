"""``/fraga <fråga>``: "Söker…" in the ack, then the answer to the asker only ("Dela i kanalen")."""

from __future__ import annotations

from bot.slack import guard
from bot.slack.listeners.common import Deps, report_failure, searching_text

COMMAND = "/fraga"


def register(app, deps: Deps) -> None:
    def ack_question(ack, command, context):
        question = (command.get("text") or "").strip()
        gate = context.get("gate")
        if gate != guard.ANSWER:
            text = deps.gate_message(gate)
        else:
            text = deps.refusal_before_asking(question) or searching_text(deps, question)
        ack(response_type="ephemeral", text=text)  # only the asker sees it

    def answer_command(command, context, respond):
        question = (command.get("text") or "").strip()
        if context.get("gate") != guard.ANSWER or deps.refusal_before_asking(question):
            return

        def send(message: dict) -> None:
            respond(response_type="ephemeral", replace_original=False, **message)

        try:
            answer, answer_id = deps.ask(
                question, [], user=command.get("user_id"), channel=command.get("channel_id")
            )
            send(deps.answer_message(answer, answer_id, shareable=True))
        except Exception:
            report_failure(deps, send, "answering /fraga")

    app.command(COMMAND)(ack=ack_question, lazy=[answer_command])
