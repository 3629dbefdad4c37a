"""Load user-facing texts and prompts from the prompts folder; a missing variable fails loudly.

The folder is ``Settings.prompts_dir``: by default the package data ``bot/prompts`` (located with
importlib.resources, so an installed wheel finds it), or a folder of your own."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path


class TemplateError(KeyError):
    pass


@lru_cache(maxsize=16)
def messages(prompts_dir: Path, lang: str) -> dict[str, str]:
    path = Path(prompts_dir) / "messages" / f"{lang}.toml"
    if not path.exists():
        path = Path(prompts_dir) / "messages" / "sv.toml"
    with path.open("rb") as fh:
        return tomllib.load(fh)


def render(template: str, **values: object) -> str:
    try:
        return template.format_map(values)
    except KeyError as exc:
        raise TemplateError(
            f"template needs {exc.args[0]!r}, which was not given: {template!r}"
        ) from None


def prompt(prompts_dir: Path, name: str) -> str:
    path = Path(prompts_dir) / name
    if not path.exists():
        raise FileNotFoundError(f"prompt file {path} is missing (UTBOT_PROMPTS_DIR={prompts_dir})")
    return path.read_text(encoding="utf-8")
