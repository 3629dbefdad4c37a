"""Who may ask, and where: workspaces, people, user groups, channels and DMs.

Checked by the guard (bot/slack/guard.py) for every mention, DM, /fraga and button click:

- **Workspace.** A request names the workspace it comes from (and, for a person from another
  organisation in a shared channel, theirs). By default only the bot token's own workspace
  (auth.test, which bolt has already called) may ask; ``UTBOT_SLACK_ALLOWED_TEAMS`` replaces
  that list. Requests from elsewhere are acknowledged and dropped without a reply.
- **Person.** With ``UTBOT_SLACK_ALLOWED_USERS`` and/or ``UTBOT_SLACK_ALLOWED_USERGROUPS`` set,
  only the people listed or in one of the groups (usergroups.users.list, read again after
  ``UTBOT_SLACK_USERGROUP_CACHE_S``) may ask or click; others get a short notice. Both empty:
  everyone in an allowed workspace.
- **Place.** ``UTBOT_SLACK_ALLOWED_CHANNELS`` and ``UTBOT_SLACK_ANSWER_DMS``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

log = logging.getLogger("bot.slack")

CHANNEL_NOT_ALLOWED = "channel_not_allowed"
DMS_OFF = "dms_off"
USER_NOT_ALLOWED = "user_not_allowed"


@dataclass(frozen=True)
class Asker:
    """The person behind a request and the workspace/organisation ids the request names."""

    user: str | None
    teams: frozenset[str]


def _ids(*values: object) -> frozenset[str]:
    return frozenset(v for v in values if isinstance(v, str) and v)


def asker_of(body: dict) -> Asker | None:
    """Who sent an event, a slash command or an interaction; None for anything else."""
    if body.get("command"):
        return Asker(body.get("user_id"), _ids(body.get("team_id"), body.get("enterprise_id")))
    if body.get("type") == "event_callback":
        event = body.get("event") or {}
        teams = _ids(
            body.get("team_id"),
            body.get("enterprise_id"),
            event.get("user_team"),
            event.get("team"),
        )
        return Asker(event.get("user"), teams)
    if isinstance(body.get("user"), dict):  # block_actions, view_submission, shortcuts
        user = body["user"]
        teams = _ids(
            (body.get("team") or {}).get("id"),
            (body.get("enterprise") or {}).get("id"),
            user.get("team_id"),
        )
        return Asker(user.get("id"), teams)
    return None


class UserGroups:
    """Members of Slack user groups, read with usergroups.users.list and kept ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic):
        self.ttl_s = ttl_s
        self._clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def members(self, group: str, client) -> frozenset[str]:
        """The group's members; none (nobody admitted through it) if Slack will not say."""
        from slack_sdk.errors import SlackApiError

        now = self._clock()
        with self._lock:
            cached = self._members.get(group)
        if cached and now - cached[0] < self.ttl_s:
            return cached[1]
        try:
            users = frozenset(client.usergroups_users_list(usergroup=group).get("users") or [])
        except SlackApiError as e:  # missing_scope (usergroups:read), no_such_subteam, …
            log.warning(
                "usergroups.users.list for %s failed (%s); its members cannot ask until it works",
                group,
                e.response.get("error"),
            )
            return frozenset()
        with self._lock:
            self._members[group] = (now, users)
        return users


@dataclass
class Access:
    allowed_channels: frozenset[str]
    answer_dms: bool
    allowed_teams: frozenset[str] = frozenset()
    allowed_users: frozenset[str] = frozenset()
    allowed_usergroups: tuple[str, ...] = ()
    groups: UserGroups = field(default_factory=lambda: UserGroups(300.0))

    @classmethod
    def of(
        cls,
        allowed_channels: Iterable[str],
        answer_dms: bool,
        *,
        teams: Iterable[str] = (),
        users: Iterable[str] = (),
        usergroups: Iterable[str] = (),
        usergroup_cache_s: float = 300.0,
    ) -> Access:
        return cls(
            frozenset(allowed_channels),
            answer_dms,
            frozenset(teams),
            frozenset(users),
            tuple(usergroups),
            UserGroups(usergroup_cache_s),
        )

    @classmethod
    def from_settings(cls, settings) -> Access:
        return cls.of(
            settings.slack_allowed_channels,
            settings.slack_answer_dms,
            teams=settings.slack_allowed_teams,
            users=settings.slack_allowed_users,
            usergroups=settings.slack_allowed_usergroups,
            usergroup_cache_s=settings.slack_usergroup_cache_s,
        )

    def team_allowed(self, teams: frozenset[str], own_team: str | None) -> bool:
        """Every workspace the request names is allowed (or its organisation is)."""
        allowed = self.allowed_teams or _ids(own_team)
        if teams & {t for t in allowed if t.startswith("E")}:
            return True
        workspaces = {t for t in teams if not t.startswith("E")}
        return bool(workspaces) and workspaces <= allowed

    def user_allowed(self, user: str, client) -> bool:
        if not (self.allowed_users or self.allowed_usergroups):
            return True
        if user in self.allowed_users:
            return True
        return any(user in self.groups.members(g, client) for g in self.allowed_usergroups)

    def verdict(self, channel: str | None, is_dm: bool) -> str | None:
        """None when the bot may answer in that place, else the reason it may not."""
        if is_dm:
            return None if self.answer_dms else DMS_OFF
        if self.allowed_channels and channel not in self.allowed_channels:
            return CHANNEL_NOT_ALLOWED
        return None
