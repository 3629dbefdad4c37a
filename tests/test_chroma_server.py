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


@pytest.fixture()
def chroma_server(tmp_path):
    beside = Path(sys.executable).with_name("chroma")  # the chromadb installed with this Python
    exe = str(beside) if beside.exists() else shutil.which("chroma")
    if exe is None:
        pytest.fail("the chroma CLI (shipped with the chromadb package) is not on PATH")
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).read()
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


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
    assert not answer.refused
    assert answer.citations[0].source == name
    again = Ingestor(settings, embedder).run([corpus])
    assert again.embedded == 0 and again.files_unchanged == 1
