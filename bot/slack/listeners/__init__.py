"""One listener per concern; :func:`register_all` wires them to an App."""

from __future__ import annotations

from bot.slack.listeners import command, dm, feedback, mention, more_sources, share
from bot.slack.listeners.common import Deps

__all__ = ["Deps", "register_all"]


def register_all(app, deps: Deps) -> None:
    for module in (mention, dm, command, feedback, more_sources, share):
        module.register(app, deps)
