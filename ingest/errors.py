"""Errors that mean something to the person running the command."""

from __future__ import annotations


class UtbotError(Exception):
    """Base: a message a person can act on."""


class IngestFileError(UtbotError):
    """One input file could not be read; the batch goes on without it."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class IndexLockedError(UtbotError):
    """Another ingest holds the index."""


class ModelMismatchError(UtbotError):
    """The index was built with another embedding model."""


class IndexMissingError(UtbotError):
    """No index, or an empty one, where the bot looks."""


class IndexInconsistentError(UtbotError):
    """The catalogue, Chroma and the keyword index disagree; the message says how to repair."""


class MissingDependencyError(UtbotError):
    """An optional dependency is not installed; the message names the extra."""
