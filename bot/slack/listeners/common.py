"""What the listeners share: the dependencies, reading a question, asking the engine, errors."""

from __future__ import annotations

import html
import logging
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.models import Answer, Filters
from bot.slack import guard
from bot.slack.blocks import Templates, answer_blocks, escape, fallback_text, text_blocks
from bot.slack.feedback import FeedbackStore

log = logging.getLogger("bot.slack")

MAX_HISTORY = 5
_USER_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


class AnswerEngine(Protocol):
    def answer(
        self,
        question: str,
        *,
        history: list[str] | None = None,
        filters: Filters | None = None,
        k: int | None = None,
    ) -> Answer: ...


@dataclass
class Deps:
    """Built once in ``create_app`` and handed to every listener's ``register``."""

    engine: AnswerEngine
    templates: Templates
    store: FeedbackStore
    rate_limit_per_minute: int
    max_question_chars: int = 1000
    engine_lock: threading.Lock = field(default_factory=threading.Lock)

    def ask(
        self, question: str, history: list[str], *, user: str | None, channel: str | None
    ) -> tuple[Answer, str]:
        """The engine's answer (the same ``answer()`` the CLI uses) and its stored id."""
        with self.engine_lock:  # the engine is not promised to be thread-safe
            answer = self.engine.answer(question, history=history or None)
        answer_id = self.store.save_answer(answer, history=history, user=user, channel=channel)
        return answer, answer_id

    def gate_message(self, gate: str | None) -> str:
        if gate == guard.RATE_LIMITED:
            return self.templates.render("rate_limited", limit=self.rate_limit_per_minute)
        if gate == guard.DMS_OFF:
            return self.templates.render("dms_off")
        if gate == guard.USER_NOT_ALLOWED:
            return self.templates.render("user_not_allowed")
        return self.templates.render("channel_not_allowed")

    def answer_message(self, answer: Answer, answer_id: str, **options: bool) -> dict:
        """Keyword arguments for chat.postMessage / respond carrying an answer."""
        return {
            "text": fallback_text(answer, self.templates),
            "blocks": answer_blocks(answer, self.templates, answer_id, **options),
        }

    def refusal_before_asking(self, question: str) -> str | None:
        """What to tell the asker instead of queueing for the engine: an empty or too long
        question is answered at once (the engine refuses a long one too, but after the queue)."""
        if not question:
            return self.templates.render("empty_question")
        if len(question) > self.max_question_chars:
            return self.templates.render(
                "question_too_long", length=len(question), limit=self.max_question_chars
            )
        return None

    def plain_message(self, text: str) -> dict:
        return {"text": text, "blocks": text_blocks(text)}


def question_text(text: str | None) -> str:
    """A Slack message as a plain question: mentions dropped, links unwrapped, entities decoded."""
    text = _USER_MENTION.sub(" ", text or "")
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    return " ".join(html.unescape(text).split())


def thread_history(
    client, *, channel: str, thread_ts: str, before_ts: str, bot_user_id: str | None, is_dm: bool
) -> list[str]:
    """Earlier questions in a thread, oldest first, read with conversations.replies.

    In a DM every message a person wrote is a question; in a channel only those that mention
    the bot are (other replies in the thread are conversation between people).
    """
    messages: list[dict] = []
    cursor = None
    while True:
        page = client.conversations_replies(channel=channel, ts=thread_ts, limit=100, cursor=cursor)
        messages.extend(page.get("messages") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not page.get("has_more") or not cursor:
            break
    mention = f"<@{bot_user_id}>" if bot_user_id else None
    earlier = []
    for m in sorted(messages, key=lambda m: float(m.get("ts", 0))):
        if float(m.get("ts", 0)) >= float(before_ts) or not guard.is_user_message(m):
            continue
        if m.get("user") == bot_user_id or (not is_dm and mention and mention not in m["text"]):
            continue
        q = question_text(m.get("text"))
        if q:
            earlier.append(q)
    return earlier[-MAX_HISTORY:]


def earlier_questions(client, event: dict, bot_user_id: str | None, is_dm: bool) -> list[str]:
    """The thread's earlier questions; none (answered alone) if the thread cannot be read."""
    from slack_sdk.errors import SlackApiError

    try:
        return thread_history(
            client,
            channel=event["channel"],
            thread_ts=event["thread_ts"],
            before_ts=event["ts"],
            bot_user_id=bot_user_id,
            is_dm=is_dm,
        )
    except SlackApiError as e:  # e.g. missing_scope when channels:history was not granted
        log.warning("conversations.replies failed (%s); answering without history", e)
        return []


def new_error_id() -> str:
    return uuid.uuid4().hex[:8]


def report_failure(deps: Deps, send: Callable[[dict], object], what: str) -> str:
    """Log the current exception under a fresh error id and tell the user, in Swedish, with it.

    Call from an ``except`` block. Returns the error id.
    """
    error_id = new_error_id()
    log.exception("%s failed [error_id=%s]", what, error_id)
    try:
        send(deps.plain_message(deps.templates.render("error", error_id=error_id)))
    except Exception:
        log.exception("could not tell the user about error %s", error_id)
    return error_id


def add_eyes(client, channel: str, ts: str) -> None:
    """👀 on the question, so the asker sees at once that it was received."""
    from slack_sdk.errors import SlackApiError

    try:
        client.reactions_add(channel=channel, timestamp=ts, name="eyes")
    except SlackApiError as e:  # already_reacted, missing scope: never block the answer
        log.warning("reactions.add failed: %s", e.response.get("error"))


def searching_text(deps: Deps, question: str) -> str:
    return deps.templates.render("searching", question=escape(question))


def answer_event(deps: Deps, event: dict, context: dict, client, *, reply_in_thread: bool) -> None:
    """Answer a mention or a DM where it was asked: 👀 on the question, then the answer."""
    channel, ts, user = event["channel"], event["ts"], event.get("user", "")
    is_dm = event.get("channel_type") == "im"
    thread_ts = event.get("thread_ts") or (ts if reply_in_thread else None)

    def post(message: dict) -> None:
        client.chat_postMessage(
            channel=channel, thread_ts=thread_ts, unfurl_links=False, unfurl_media=False, **message
        )

    def tell_asker(text: str) -> None:
        if is_dm:
            post(deps.plain_message(text))
        else:
            client.chat_postEphemeral(
                channel=channel, user=user, thread_ts=thread_ts, **deps.plain_message(text)
            )

    try:
        gate = context.get("gate")
        if gate != guard.ANSWER:
            tell_asker(deps.gate_message(gate))
            return
        question = question_text(event.get("text"))
        refusal = deps.refusal_before_asking(question)
        if refusal:
            tell_asker(refusal)
            return
        add_eyes(client, channel, ts)
        history: list[str] = []
        if event.get("thread_ts") and event["thread_ts"] != ts:
            history = earlier_questions(client, event, context.get("bot_user_id"), is_dm)
        answer, answer_id = deps.ask(question, history, user=user, channel=channel)
        post(deps.answer_message(answer, answer_id))
    except Exception:
        report_failure(deps, post, "answering a message")
