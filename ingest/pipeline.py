"""Incremental ingestion: files (or in-memory documents) to chunks, vectors and keywords.

Unchanged files (same size and mtime, or same content hash) are skipped without reading them
twice; a changed file's chunks are replaced, reusing the vectors of chunks whose text is unchanged;
``prune`` removes files no longer among the inputs. One bad file never stops the batch.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

from ingest.chunking import chunk_document
from ingest.cleaning import TEXT_VERSION, Block, clean_pages
from ingest.documents import (  # noqa: F401 - SourceDocument is part of this module's API
    IngestSummary,
    Prepared,
    SourceDocument,
    discover,
    prepare_documents,
)
from ingest.embedding import Embedder, create_embedder, model_id_for
from ingest.errors import IndexLockedError, IngestFileError
from ingest.identify import describe
from ingest.metadata import extract_metadata
from ingest.progress import Mode, Progress
from ingest.readers import read_file
from ingest.reconcile import Health, check, repair, source_paths
from ingest.settings import Settings
from ingest.store import Catalogue, VectorStore
from ingest.writer import Writer


class Ingestor:
    def __init__(
        self,
        settings: Settings,
        embedder: Embedder | None = None,
        progress: bool | Mode = False,
    ):
        self.settings = settings
        self.index_dir = settings.index_path
        self._embedder = embedder
        mode: Mode = "bar" if progress is True else "off" if progress is False else progress
        self.progress = Progress(mode, settings.progress_every_files, settings.progress_every_s)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = create_embedder(self.settings)
        return self._embedder

    # entry points -------------------------------------------------------------------------------
    def run(self, paths: list[Path], prune: bool = False, dry_run: bool = False) -> IngestSummary:
        files, missing = discover(paths, skip=self.index_dir)
        if dry_run and not (self.index_dir / "catalogue.sqlite3").exists():
            return self._run_files(None, files, missing, prune, dry_run)  # writes nothing
        return self._locked(lambda cat: self._run_files(cat, files, missing, prune, dry_run))

    def run_documents(self, docs: list[SourceDocument], prune: bool = False) -> IngestSummary:
        return self._locked(lambda cat: self._run_docs(cat, docs, prune))

    def repair(self) -> dict:
        """``python -m ingest repair``: make Chroma and the keyword index agree with the
        catalogue (ingest/reconcile.py says what each repair costs). A lost catalogue is rebuilt
        by ingesting again the files Chroma's metadata names, reusing their vectors."""

        def work(cat: Catalogue) -> dict:
            t0 = time.perf_counter()
            store = VectorStore(self.settings)
            keywords = self.index_dir / "keywords"
            before = check(cat, store, keywords)
            out: dict = {"before": _health_json(before), "repaired": [], "gone": []}
            if not cat.has_files() and before.vectors:
                paths, out["gone"] = source_paths(store)
                summary = self._run_files(cat, paths, [], prune=False, dry_run=False)
                out["catalogue_rebuilt"] = summary.to_json()
                out["repaired"] = [
                    f"rebuilt the catalogue from {len(paths)} source files "
                    f"({summary.embedded} chunks embedded, the rest reused from Chroma)"
                ] + summary.repaired
            else:
                done = repair(
                    cat,
                    store,
                    keywords,
                    lambda: self.embedder,
                    self.settings.embed_batch_size,
                    self.progress,
                )
                out["repaired"] = done.lines()
                if done:
                    cat.bump_generation()
            out["after"] = _health_json(check(cat, store, keywords))
            out["seconds"] = round(time.perf_counter() - t0, 3)
            return out

        return self._locked(work)

    def _locked(self, work):
        from filelock import FileLock, Timeout

        self.index_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.index_dir / "ingest.lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            raise IndexLockedError(
                f"Another ingest is running on {self.index_dir} (lock: {lock.lock_file}). Wait for "
                "it to finish, then run again; the index is left untouched."
            ) from None
        try:
            catalogue = Catalogue(self.index_dir)
            try:
                catalogue.check_model(model_id_for(self.settings), self.index_dir)
                return work(catalogue)
            finally:
                catalogue.close()
        finally:
            lock.release()

    # files ----------------------------------------------------------------------------------------
    def _run_files(self, cat, files, missing, prune, dry_run) -> IngestSummary:
        t0 = time.perf_counter()
        summary = IngestSummary(dry_run=dry_run, failures=list(missing))
        summary.files_failed = len(missing)
        known = cat.files() if cat else {}
        interrupted = cat.pending() if cat else {}  # files a killed run was writing: redone
        taken = {r.doc_id: r.path for r in known.values()}
        max_bytes = int(self.settings.max_file_mb * 1e6)
        todo: list[tuple[Prepared, bool]] = []
        # the catalogue's text is from an older cleaning (TEXT_VERSION): every file is read again
        reread = bool(cat) and cat.has_files() and cat.get_meta("text_version") != TEXT_VERSION
        self.progress.start("reading", len(files))
        for path in files:
            self.progress.advance(files=1)
            key = str(path)
            rec = known.get(key)
            redo = key in interrupted or reread
            try:
                st = path.stat()
                if rec and not redo and rec.size == st.st_size and rec.mtime_ns == st.st_mtime_ns:
                    summary.files_unchanged += 1
                    continue
                if st.st_size > max_bytes:
                    raise IngestFileError(
                        key,
                        f"file is {st.st_size / 1e6:.1f} MB, above the "
                        f"{max_bytes / 1e6:.0f} MB limit (raise UTBOT_MAX_FILE_MB if it really is "
                        "one statement)",
                    )
                data = path.read_bytes()
                sha = hashlib.sha256(data).hexdigest()
                if rec and not redo and rec.sha256 == sha:
                    summary.files_unchanged += 1
                    if not dry_run and cat:
                        cat.touch(key, st.st_mtime_ns)
                    continue
                if dry_run:
                    todo.append((Prepared(key, "", path.name, sha, 0, 0, {}, "", []), rec is None))
                    continue
                raw = read_file(path, data, max_bytes)
                prep = self._prepare_file(path, raw, sha, st, taken)
                if not prep.chunks:
                    raise IngestFileError(key, "no text left after cleaning; nothing to index")
                if (
                    reread
                    and key not in interrupted
                    and rec is not None
                    and rec.sha256 == sha
                    and {c.id for c in prep.chunks} == cat.chunk_ids_for(key)
                ):  # read again, the same chunks: nothing to write
                    summary.files_unchanged += 1
                    continue
                todo.append((prep, rec is None))
            except IngestFileError as exc:
                summary.files_failed += 1
                summary.failures.append({"path": key, "reason": exc.reason})
            except OSError as exc:
                summary.files_failed += 1
                summary.failures.append({"path": key, "reason": f"cannot read: {exc.strerror}"})
        self.progress.close()
        present = {str(p) for p in files}
        removed = [k for k in known if k not in present] if prune else []
        summary = self._apply(cat, todo, removed, summary, t0)
        if cat and not dry_run:
            _mark_text_version(cat, set(known) - set(removed), present, summary)
        return summary

    def _prepare_file(self, path: Path, raw, sha: str, st, taken: dict[str, str]) -> Prepared:
        cleaned = clean_pages(raw.pages, raw.paged)
        md = extract_metadata(cleaned.blocks, cleaned.header_dnrs, path.stem)
        blocks = describe(md, cleaned.blocks, raw.pages[0] if raw.pages else "")
        doc_id = path.stem
        if taken.get(doc_id, str(path)) != str(path):  # same file name in another folder
            doc_id = f"{path.stem}-{hashlib.sha1(str(path).encode()).hexdigest()[:6]}"
        taken[doc_id] = str(path)
        size, overlap = self.settings.chunk_chars, self.settings.chunk_overlap_chars
        text, chunks = chunk_document(doc_id, md.title, blocks, size, overlap)
        if not chunks and md.title:
            # a record with nothing but its head (an archive listing's Ds or SOU): its title is
            # what there is to find it by, so it is indexed as the one passage
            blocks = [Block("paragraph", md.title, 1)]
            text, chunks = chunk_document(doc_id, md.title, blocks, size, overlap)
        metadata = md.to_dict() | {"source": path.name, "path": str(path), "sha256": sha}
        return Prepared(
            str(path),
            doc_id,
            path.name,
            sha,
            st.st_size,
            st.st_mtime_ns,
            metadata,
            text,
            chunks,
            raw.notes,
        )

    # in-memory documents ----------------------------------------------------------------------------
    def _run_docs(self, cat, docs: list[SourceDocument], prune: bool) -> IngestSummary:
        t0 = time.perf_counter()
        summary = IngestSummary()
        known = cat.files()
        reread = cat.has_files() and cat.get_meta("text_version") != TEXT_VERSION
        todo = prepare_documents(cat, docs, known, reread, self.settings, summary)
        present = {f"doc:{d.doc_id}" for d in docs}
        removed = [k for k in known if k not in present] if prune else []
        summary = self._apply(cat, todo, removed, summary, t0)
        _mark_text_version(cat, set(known) - set(removed), present, summary)
        return summary

    # writing ------------------------------------------------------------------------------------------
    def _apply(
        self, cat: Catalogue, todo, removed, summary: IngestSummary, t0: float
    ) -> IngestSummary:
        for prep, is_new in todo:
            if is_new:
                summary.files_new += 1
            else:
                summary.files_changed += 1
            for note in prep.notes:
                summary.notes.append({"path": prep.key, "note": note})
        summary.files_removed = len(removed)
        if summary.dry_run:
            summary.planned = [
                {"path": p.key, "action": "add" if new else "replace"} for p, new in todo
            ]
            summary.planned += [{"path": k, "action": "remove"} for k in removed]
            summary.seconds = time.perf_counter() - t0
            return summary
        interrupted = bool(cat.pending())
        store = VectorStore(self.settings)
        if todo or removed:
            cat.set_meta("embed_model", self.embedder.model_id)
            writer = Writer(
                cat,
                store,
                self.embedder,
                self.settings.embed_batch_size,
                self.progress,
                self.settings.embed_ahead_batches,
            )
            writer.write(todo, removed, summary)
        repairs = repair(
            cat,
            store,
            self.index_dir / "keywords",
            lambda: self.embedder,
            self.settings.embed_batch_size,
            self.progress,
            routine=bool(todo or removed),
        )
        summary.repaired = repairs.lines()
        if todo or removed or interrupted or repairs:
            cat.bump_generation()  # a running bot reopens the index once, now
        summary.seconds = time.perf_counter() - t0
        return summary


def _health_json(h: Health) -> dict:
    return {
        "catalogue": h.catalogue,
        "vectors": h.vectors,
        "keywords": h.keywords,
        "missing": len(h.missing),
        "orphans": len(h.orphans),
        "consistent": h.consistent,
        "problems": h.problems(),
    }


def ingest_documents(
    docs: list[SourceDocument], settings: Settings, embedder=None, prune: bool = False
) -> dict:
    """Ingest in-memory documents (BEIR corpora, tests) with the same code as files."""
    return Ingestor(settings, embedder).run_documents(docs, prune=prune).to_json()


def _mark_text_version(cat, kept: set[str], present: set[str], summary: IngestSummary) -> None:
    """Record that the catalogue's text is this cleaning's (TEXT_VERSION) once every file it
    keeps was read in this run; one that failed to be read again keeps its older text, and the
    next run reads it again."""
    failed = {f["path"] for f in summary.failures}
    if cat.get_meta("text_version") != TEXT_VERSION and kept <= present and not kept & failed:
        cat.set_meta("text_version", TEXT_VERSION)
