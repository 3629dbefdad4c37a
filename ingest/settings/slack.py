"""Settings of the Slack app: tokens, who may ask, limits, the HTTP server and the heartbeat."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import NoDecode

# Slack id lists: a JSON list or comma-separated ids; the first letter says what kind of id it is
SlackIds = Annotated[list[str], NoDecode]
_SLACK_ID_KINDS = {
    "slack_allowed_channels": ("CGD", "channel id (C…, G… or D…)"),
    "slack_allowed_teams": ("TE", "workspace id (T…) or organisation id (E…)"),
    "slack_allowed_users": ("UW", "user id (U… or W…)"),
    "slack_allowed_usergroups": ("S", "user group id (S…)"),
}


class SlackSettings(BaseModel):
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN"), description="xoxb-… bot token."
    )
    slack_app_token: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_APP_TOKEN"),
        description="xapp-… app-level token (Socket Mode).",
    )
    slack_signing_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("SLACK_SIGNING_SECRET"),
        description="Signing secret (HTTP mode).",
    )
    slack_api_url: str = Field(
        "https://slack.com/api/",
        validation_alias=AliasChoices("SLACK_API_URL"),
        description="Slack Web API base URL; point it at a Slack-compatible gateway or a test server.",
    )
    slack_allowed_channels: SlackIds = Field(
        default_factory=list,
        description="Channel ids the bot answers in (JSON list or comma-separated). Empty: every "
        "channel it is in.",
    )
    slack_allowed_teams: SlackIds = Field(
        default_factory=list,
        description="Workspace ids (T…, or an organisation's E…) whose people may ask. Empty: only "
        "the workspace the bot token belongs to (auth.test).",
    )
    slack_allowed_users: SlackIds = Field(
        default_factory=list,
        description="User ids (U…/W…) who may ask and click. With slack_allowed_usergroups: a "
        "person in either may ask. Both empty: everyone in an allowed workspace.",
    )
    slack_allowed_usergroups: SlackIds = Field(
        default_factory=list,
        description="User group ids (S…) whose members may ask (usergroups.users.list, needs the "
        "usergroups:read scope). Both this and slack_allowed_users empty: everyone.",
    )
    slack_usergroup_cache_s: float = Field(
        300.0,
        gt=0,
        description="Seconds a user group's member list is reused before it is read again.",
    )
    slack_answer_dms: bool = Field(True, description="Answer direct messages.")
    slack_rate_limit_per_minute: int = Field(
        6, ge=1, description="Questions one user may ask per minute before a polite refusal."
    )
    max_question_chars: int = Field(
        1000,
        ge=50,
        description="Longest question answered, in characters (every surface: CLI, Slack, "
        "evaluation); a longer one gets a polite request to shorten it, at once. Bounds the work "
        "one question can cause.",
    )
    slack_http_threads: int = Field(
        8,
        ge=1,
        description="`bot slack --http`: waitress worker threads answering HTTP requests "
        "(acks are quick; answers run in bolt's own listener threads).",
    )
    slack_http_connection_limit: int = Field(
        200,
        ge=1,
        description="`bot slack --http`: open connections accepted at once; more wait "
        "in the listen backlog.",
    )
    slack_http_max_body_bytes: int = Field(
        1_048_576, ge=1024, description="`bot slack --http`: larger request bodies get HTTP 413."
    )
    slack_http_timeout_s: int = Field(
        15,
        ge=1,
        description="`bot slack --http`: a connection idle (or sending too slowly) this "
        "long is closed.",
    )
    slack_heartbeat_file: Path | None = Field(
        None,
        description="File the running bot rewrites every slack_heartbeat_s while it is healthy "
        "(HTTP mode: its /healthz answers; Socket Mode: connected); `python -m bot health` reads "
        "it. Unset: slack-heartbeat in index_dir.",
    )
    slack_heartbeat_s: float = Field(15.0, gt=0, description="Seconds between heartbeat writes.")

    @field_validator(*_SLACK_ID_KINDS, mode="before")
    @classmethod
    def _slack_ids(cls, value: object, info: ValidationInfo) -> list[str]:
        """A JSON list or comma-separated ids, each checked for its kind."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    value = json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError(f"not a valid JSON list: {text[:80]!r}") from None
            else:
                value = [v for v in re.split(r"[,\s]+", text) if v]
        if not isinstance(value, list | tuple):
            raise ValueError("give a JSON list or comma-separated ids")
        letters, kind = _SLACK_ID_KINDS[info.field_name]
        for v in value:
            if not (isinstance(v, str) and re.fullmatch(f"[{letters}][A-Z0-9]{{2,}}", v)):
                raise ValueError(f"{v!r} is not a Slack {kind}")
        return list(value)

    @property
    def heartbeat_path(self) -> Path:
        path = self.slack_heartbeat_file or self.index_path / "slack-heartbeat"
        return Path(path).expanduser()
