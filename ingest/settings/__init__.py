"""One typed settings object for the whole product, built at the entry point and passed down.

Every field reads an environment variable ``UTBOT_<FIELD>`` (Slack's own variable names are kept
as they are). The descriptions are the configuration reference: ``python -m bot config`` prints them.
The fields are grouped by concern: indexing.py (the index, the embedder, chunking), answering.py
(retrieval, the ranker, the judge), generation.py (LLM answers, the prompts) and slack.py.
"""

from __future__ import annotations

from pydantic import AliasChoices
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.settings.answering import AnswerSettings
from ingest.settings.common import ENV_PREFIX, bundled_prompts
from ingest.settings.generation import GenerationSettings
from ingest.settings.indexing import IndexSettings
from ingest.settings.slack import SlackSettings

__all__ = ["ENV_PREFIX", "Settings", "bundled_prompts", "env_var", "field_docs"]


class Settings(SlackSettings, GenerationSettings, AnswerSettings, IndexSettings, BaseSettings):
    """Every setting of the product, read from the environment (fields in the order of their
    groups: indexing, answering, generation, Slack)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")


def field_docs() -> list[tuple[str, str, str]]:
    """(environment variable, default, description) for every setting: the config reference."""
    rows = []
    for name, field in Settings.model_fields.items():
        env = env_var(name)
        if field.default_factory is None:
            default = repr(field.default)
        else:  # the list, or the prompts folder this installation uses
            made = field.default_factory()  # type: ignore[call-arg]
            default = repr(made) if isinstance(made, list) else str(made)
        rows.append((str(env), default, field.description or ""))
    return rows


def env_var(field_name: str) -> str:
    """The environment variable a setting is read from."""
    alias = Settings.model_fields[field_name].validation_alias
    return (
        str(alias.choices[0])
        if isinstance(alias, AliasChoices)
        else ENV_PREFIX + field_name.upper()
    )
