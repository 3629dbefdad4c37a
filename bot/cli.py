"""``python -m bot``: ask, chat, slack, eval, eval-split, eval-archive, calibrate, feedback.

Heavy libraries load inside commands."""

from __future__ import annotations

import click


@click.group()
def main() -> None:
    """Frågor om utbildningsförvaltningens tjänsteutlåtanden, med citerade källor."""


def _register() -> None:
    from bot.cli_ask import ask, chat, config

    main.add_command(ask)
    main.add_command(chat)
    main.add_command(config)
    try:
        from bot.slack.cli import feedback, health, slack
    except ImportError:  # pragma: no cover - while the Slack package is being built
        pass
    else:
        main.add_command(slack)
        main.add_command(feedback)
        main.add_command(health)
    try:
        from bot.evaluation.cli import eval_cmd
    except ImportError:  # pragma: no cover
        pass
    else:
        main.add_command(eval_cmd, name="eval")
    from bot.evaluation.cli_archive import eval_archive_cmd, eval_split_cmd

    main.add_command(eval_split_cmd, name="eval-split")
    main.add_command(eval_archive_cmd, name="eval-archive")
    from bot.evaluation.calibrate import calibrate_cmd

    main.add_command(calibrate_cmd, name="calibrate")
    from bot.fit_cli import fit_cmd, fit_ranker_cmd

    main.add_command(fit_cmd, name="fit")
    main.add_command(fit_ranker_cmd, name="fit-ranker")


_register()


def run() -> None:
    """The ``python -m bot`` and ``utbot`` entry: ``main`` in a process of its own, which
    ``ask`` may leave at once once its answer is out (see ``bot.cli_ask.leave``); tests call
    ``main`` in-process and are never left."""
    from bot import cli_ask

    cli_ask.OWN_PROCESS = True
    main()
