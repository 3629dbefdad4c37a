"""An ingest killed half-way (SIGKILL mid-file) is completed by the next run, and a second ingest
on a locked index is refused: real processes, real Chroma, real vectors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from filelock import FileLock

from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import VectorStore
from tests.ingest_helpers import (
    M13,
    TINY,
    N,
    catalogue_progress,
    chroma_rows,
    copy_statements,
    kill_when,
    run_cli,
    snapshot,
    state,
)


def kill_mid_file(folder: Path, index: Path, cwd: Path, committed_rows: int) -> None:
    """Run ``python -m ingest folder`` and SIGKILL it once the first file is committed and the
    second is marked pending with some of its vectors already in Chroma."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", str(folder), "--index", str(index)], cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "UTBOT_EMBED_BATCH_SIZE": "2"},
    )

    def ready() -> bool:
        files, pending = catalogue_progress(index / "catalogue.sqlite3")
        vectors = chroma_rows(index / "chroma" / "chroma.sqlite3")
        return files == 1 and bool(pending) and vectors > committed_rows

    try:
        kill_when(proc, ready, 180, proc.stderr.read)
    finally:
        proc.stderr.close()


def test_kill_9_mid_run_then_rerun_equals_a_clean_run(pair, tmp_path, embedder):
    clean_settings, _ = pair
    folder = copy_statements(tmp_path / "corpus", N, M13)  # N is committed first, then M13
    index = tmp_path / "index"
    kill_mid_file(folder, index, tmp_path, committed_rows=9)

    settings = Settings(index_dir=index)
    broken = state(settings)
    assert list(broken["pending"]) == [str(folder / M13)]
    assert broken["chroma"] - broken["catalogue"]  # stray vectors of the half-written file

    summary = Ingestor(settings, embedder).run([folder])
    assert summary.files_unchanged == 1 and summary.files_new == 1 and summary.failures == []
    repaired, clean = state(settings), state(clean_settings)
    assert repaired["pending"] == {}
    assert repaired["chroma"] == clean["chroma"]
    assert repaired["catalogue"] == clean["catalogue"]
    assert repaired["keywords"] == clean["keywords"]
    assert VectorStore(settings).count() == len(clean["chroma"])  # no duplicates, no strays
    assert sorted(Path(p).name for p in repaired["files"]) == [N, M13]


def test_vectors_of_a_killed_half_written_file_are_removed_when_it_is_gone(tmp_path, embedder):
    folder = copy_statements(tmp_path / "corpus", N)
    (folder / "0-tiny.txt").write_text(TINY, "utf-8")  # committed first, then N is half-written
    index = tmp_path / "index"
    kill_mid_file(folder, index, tmp_path, committed_rows=1)
    settings = Settings(index_dir=index)
    broken = state(settings)
    strays = broken["chroma"] - broken["catalogue"]
    assert strays and list(broken["pending"]) == [str(folder / N)]
    (folder / N).unlink()  # the user removes the statement before the next run

    summary = Ingestor(settings, embedder).run([folder])
    assert summary.files_unchanged == 1 and summary.embedded == 0
    after = state(settings)
    assert after["pending"] == {}
    assert list(after["files"]) == [str(folder / "0-tiny.txt")]
    assert after["chroma"] == after["catalogue"] == after["keywords"] == broken["catalogue"]
    assert VectorStore(settings).collection.get(ids=sorted(strays))["ids"] == []


def test_held_lock_refuses_another_ingest_and_leaves_the_index_alone(pair, tmp_path):
    settings, _ = pair
    new = tmp_path / "new.txt"
    new.write_text(TINY, "utf-8")
    before, files_before = state(settings), snapshot(settings.index_path)
    with FileLock(str(settings.index_path / "ingest.lock")):
        result = run_cli(new, "--index", settings.index_path, cwd=tmp_path)
    assert result.returncode != 0
    assert "Another ingest is running" in result.stderr
    assert str(settings.index_path / "ingest.lock") in result.stderr
    assert result.stdout == ""
    assert snapshot(settings.index_path) == files_before
    assert state(settings) == before
