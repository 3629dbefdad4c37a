"""What the settings' groups share: the environment prefix and the bundled prompts."""

from __future__ import annotations

from pathlib import Path

ENV_PREFIX = "UTBOT_"


def bundled_prompts() -> Path:
    """The templates shipped as package data (bot/prompts), found through importlib.resources so
    that a wheel or a Docker image without the source tree finds them too."""
    from importlib.resources import files

    return Path(str(files("bot").joinpath("prompts")))
