"""The Slack front end: ``create_app`` in :mod:`bot.slack.app`, listeners in ``listeners/``.

Importing this package loads neither bolt nor the engine (the CLI imports it at start-up).
"""
