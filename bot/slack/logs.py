"""Log lines an attacker cannot forge: one record is one line, request bodies are never logged.

Anything a request carries (a header, a path, a field bolt mentions) may contain a newline. The
formatter escapes control characters and Unicode line separators in the whole formatted record,
traceback included, so ``… ERROR bot.slack: … [error_id=…]`` can only come from the bot itself.
A body is described by :func:`digest`: its length and a short hash, enough to match two reports.
"""

from __future__ import annotations

import hashlib
import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

_ESCAPES = {i: f"\\x{i:02x}" for i in [*range(0x20), 0x7F, 0x85]}
_ESCAPES.update({0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def one_line(text: str) -> str:
    return text.translate(_ESCAPES)


class OneLineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))


def configure(level: int = logging.INFO) -> None:
    """Log to standard error, one escaped line per record (the bot's CLI calls this once)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def digest(body: bytes) -> str:
    """How a request body appears in the log: its length and the start of its SHA-256."""
    return f"{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()[:12]}"
