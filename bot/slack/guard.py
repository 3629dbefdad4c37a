"""What gets answered: retries dropped, access checked (bot/slack/access.py), a rate limit.

One global bolt middleware (:func:`make_guard`) runs after bolt's own signature check and
authorization. It drops a redelivered event (same ``event_id``, or the same message seen through
another event) and any request from a workspace that may not ask with a plain 200. For each
question (mention, DM, slash command) it puts its verdict in ``context["gate"]``: ``answer``,
``user_not_allowed``, ``channel_not_allowed``, ``dms_off`` or ``rate_limited``. Listeners read
the verdict; the ack part and the lazy part see the same one. A click or modal from a person who
may not ask is answered by ``on_refused`` and goes no further.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from bot.slack.access import (  # noqa: F401 - the verdicts are read as guard.<NAME>
    CHANNEL_NOT_ALLOWED,
    DMS_OFF,
    USER_NOT_ALLOWED,
    Access,
    asker_of,
)

log = logging.getLogger("bot.slack")

ANSWER = "answer"
RATE_LIMITED = "rate_limited"

Clock = Callable[[], float]


class Deduper:
    """Remembers keys for ``ttl_s`` seconds; :meth:`first_time` is True once per key."""

    def __init__(self, ttl_s: float = 15 * 60, clock: Clock = time.monotonic):
        self.ttl_s = ttl_s
        self._clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def first_time(self, *keys: str | None) -> bool:
        """True if none of the keys was seen within the TTL; records them all either way."""
        now = self._clock()
        keys_ = [k for k in keys if k]
        with self._lock:
            if len(self._seen) > 1000:
                self._seen = {k: t for k, t in self._seen.items() if now - t < self.ttl_s}
            seen = any(now - self._seen.get(k, -self.ttl_s - 1) < self.ttl_s for k in keys_)
            for k in keys_:
                self._seen[k] = now
        return not seen


class RateLimiter:
    """At most ``per_minute`` questions per user in any 60-second window."""

    def __init__(self, per_minute: int, clock: Clock = time.monotonic):
        self.per_minute = per_minute
        self._clock = clock
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, user: str) -> bool:
        now = self._clock()
        with self._lock:
            times = self._times.setdefault(user, deque())
            while times and now - times[0] >= 60:
                times.popleft()
            if len(times) >= self.per_minute:
                return False
            times.append(now)
            return True


@dataclass(frozen=True)
class Question:
    """Who asks where, as read from an event or slash-command payload."""

    user: str
    channel: str | None
    is_dm: bool
    message_key: str | None  # identifies the Slack message across events (None for commands)


def is_user_message(event: dict) -> bool:
    """A plain message typed by a person (no subtype such as message_changed, not from a bot)."""
    return not event.get("subtype") and not event.get("bot_id") and bool(event.get("user"))


def question_of(body: dict) -> Question | None:
    """The question in a request, or None if the request is not one (actions, other events)."""
    if body.get("command"):
        channel = body.get("channel_id")
        is_dm = body.get("channel_name") == "directmessage" or str(channel).startswith("D")
        return Question(body.get("user_id", ""), channel, is_dm, None)
    event = body.get("event") or {}
    kind = event.get("type")
    if kind == "app_mention" or (
        kind == "message" and event.get("channel_type") == "im" and is_user_message(event)
    ):
        channel = event.get("channel")
        msg_id = event.get("client_msg_id") or event.get("ts")
        is_dm = event.get("channel_type") == "im" or str(channel).startswith("D")
        return Question(event.get("user", ""), channel, is_dm, f"{channel}:{msg_id}")
    return None


def make_guard(
    deduper: Deduper,
    limiter: RateLimiter,
    access: Access,
    on_refused: Callable[[dict, dict], None] = lambda body, context: None,
) -> Callable:
    """The bolt middleware described in the module docstring."""
    from slack_bolt import BoltResponse

    def guard(body: dict, context, client, next: Callable) -> BoltResponse | None:
        question = question_of(body)
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id or (question and question.message_key):
            keys = [f"event:{event_id}" if event_id else None]
            if question and question.message_key:
                keys.append(f"msg:{question.message_key}")
            if not deduper.first_time(*keys):
                log.info("dropping a redelivered event %s", event_id)
                return BoltResponse(status=200, body="")
        asker = asker_of(body)
        if asker is not None:
            own_team = getattr(context.get("authorize_result"), "team_id", None)
            if not access.team_allowed(asker.teams, own_team):
                log.info("ignoring a request from workspace %s", ",".join(sorted(asker.teams)))
                return BoltResponse(status=200, body="")
        interactive = body.get("type") in ("block_actions", "view_submission", "shortcut")
        if question is None and not interactive:
            return next()
        if asker is not None and asker.user and not access.user_allowed(asker.user, client):
            if question is None:
                on_refused(body, context)
                return BoltResponse(status=200, body="")
            context["gate"] = USER_NOT_ALLOWED
            return next()
        if question is not None:
            refusal = access.verdict(question.channel, question.is_dm)
            if refusal is None and not limiter.allow(question.user):
                refusal = RATE_LIMITED
            context["gate"] = refusal or ANSWER
        return next()

    return guard
