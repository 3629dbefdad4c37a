"""Write docker/.env.example from the settings object, so that it never drifts from it.

    python docker/env_example.py           # rewrite docker/.env.example
    python docker/env_example.py --check   # exit 1 if it is not current (tests/test_docker_lint.py)

Every setting appears with its description and default, commented out; the Slack secrets are left
empty and uncommented, to be filled in docker/.env (git-ignored), never in this file.
"""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = Path(__file__).with_name(".env.example")

HEADER = """\
# Settings for the utbot containers; docker compose reads docker/.env as their env_file.
#   cp docker/.env.example docker/.env    (docker/.env is git-ignored: tokens stay out of git)
# Generated from ingest/settings/ by `python docker/env_example.py`: do not edit it by hand.
# Fill in the Slack secrets the mode needs (Socket Mode: SLACK_BOT_TOKEN and SLACK_APP_TOKEN;
# HTTP mode: SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET); uncomment any other line to change it.
# compose.yml sets UTBOT_CHROMA_URL=http://chroma:8000; the image sets UTBOT_INDEX_DIR=/data/index.
"""


def _env_value(default: object) -> str:
    """A default as it is written in an env file (pydantic-settings reads lists as JSON)."""
    if default is None:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, list | dict):
        return json.dumps(default)
    return str(default)


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from ingest.settings import Settings, field_docs

    lines = [HEADER]
    # field_docs() names the variables (aliases included) in the order of Settings' fields
    for (env, _, description), field in zip(
        field_docs(), Settings.model_fields.values(), strict=True
    ):
        lines.extend(
            textwrap.wrap(
                description, 97, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False
            )
        )
        secret = "SecretStr" in repr(field.annotation) and env.startswith("SLACK_")
        if field.default_factory is not None:
            default = _env_value(field.default_factory())
            if isinstance(field.default_factory(), Path):
                default = ""  # found at run time (package data), not a fixed path
        else:
            default = _env_value(field.default)
        lines.append(f"{env}=" if secret else f"# {env}={default}")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET} is not current: run python docker/env_example.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
