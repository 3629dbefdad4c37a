"""Server mode: a real Chroma server (``chroma run``) on 127.0.0.1, ingested into and queried."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CORPUS


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(path: Path, port: int) -> subprocess.Popen:
    beside = Path(sys.executable).with_name("chroma")  # the chromadb installed with this Python
    exe = str(beside) if beside.exists() else shutil.which("chroma")
    if exe is None:
        pytest.fail("the chroma CLI (shipped with the chromadb package) is not on PATH")
    proc = subprocess.Popen([exe, "run", "--path", str(path), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail("chroma server did not start")


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture()
def chroma_server(tmp_path):
    port = _free_port()
    proc = _start(tmp_path / "server", port)
    yield f"http://127.0.0.1:{port}"
    _stop(proc)


def _served_from(answer) -> str:
    """The document the answer's first passage comes from, when the bot answered or showed the
    passages (whether a sentence answers is the judge's call, not the server's)."""
    assert answer.outcome in ("answer", "passages"), answer.answer
    return (answer.citations or answer.nearest)[0].source


def test_ingest_and_answer_through_a_chroma_server(chroma_server, tmp_path, embedder):
    from bot.engine import Engine
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "2025-11-20_skolverkets-natverk-skolor-utsatta-omraden.txt"
    shutil.copy(CORPUS / name, corpus / name)
    settings = Settings(index_dir=tmp_path / "index", chroma_url=chroma_server)
    summary = Ingestor(settings, embedder).run([corpus])
    assert summary.files_new == 1 and summary.embedded > 0
    assert not (tmp_path / "index" / "chroma").exists()  # vectors went to the server
    answer = Engine.from_settings(settings, embedder).answer(
        "Varför ingår inte Skärholmen i rektorsnätverket?")
    assert _served_from(answer) == name
    again = Ingestor(settings, embedder).run([corpus])
    assert again.embedded == 0 and again.files_unchanged == 1


def test_chroma_server_restarted_empty_is_refused_with_how_to_repair_then_healed(tmp_path, embedder):
    from bot.engine import Engine
    from ingest.errors import IndexInconsistentError
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    name = "2025-11-20_skolverkets-natverk-skolor-utsatta-omraden.txt"
    shutil.copy(CORPUS / name, corpus / name)
    port = _free_port()
    server = _start(tmp_path / "server-1", port)
    try:
        settings = Settings(index_dir=tmp_path / "index", chroma_url=f"http://127.0.0.1:{port}")
        first = Ingestor(settings, embedder).run([corpus])
        running = Engine.from_settings(settings, embedder)
        question = "Varför ingår inte Skärholmen i rektorsnätverket?"
        assert _served_from(running.answer(question)) == name
        _stop(server)
        server = _start(tmp_path / "server-2", port)  # restarted without its data

        with pytest.raises(IndexInconsistentError) as info:
            running.answer(question)  # the running bot notices instead of refusing everything
        assert f"python -m ingest repair --index {settings.index_path}" in str(info.value)
        with pytest.raises(IndexInconsistentError):
            Engine.from_settings(settings, embedder)  # and a starting bot refuses to serve

        summary = Ingestor(settings, embedder).run([corpus])
        assert summary.files_unchanged == 1
        assert summary.repaired == [f"re-embedded {first.embedded} chunks missing from Chroma"]
        assert _served_from(running.answer(question)) == name
    finally:
        _stop(server)
