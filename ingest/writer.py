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
Removing a file commits its catalogue deletion first and deletes its vectors after.

A run killed between steps leaves vectors Chroma holds and the catalogue does not list (reused
by the next run, or removed as orphans if their file is gone) and possibly catalogue chunks
without vectors (re-embedded): ``ingest.reconcile.repair`` settles both at the end of every run.
While a file is pending, the bot tolerates exactly the differences its pending ids explain.
"""

from __future__ import annotations

import json

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
    ) -> None:
        self.cat, self.store, self.embedder = cat, store, embedder
        self.batch, self.progress = batch, progress or Progress()

    def write(self, todo, removed: list[str], summary: IngestSummary) -> None:
        plans = []
        for prep, _ in todo:
            old = self.cat.chunk_ids_for(prep.key)
            have = self.store.existing([c.id for c in prep.chunks])
            fresh = [c for c in prep.chunks if c.id not in have]
            plans.append((prep, old, have, fresh))
        self.progress.start("embedding", len(plans), sum(len(p[3]) for p in plans))
        vectors = _Ahead(self.embedder, [c for p in plans for c in p[3]], self.batch, self.progress)
        for prep, old, have, fresh in plans:
            new_ids = [c.id for c in prep.chunks]
            stale = sorted(old - set(new_ids))
            self.cat.mark_pending(prep.key, new_ids + stale)
            metas = {c.id: chunk_metadata(prep, prep.metadata, c) for c in prep.chunks}
            summary.metadata_updated += self._refresh(prep, have, metas)
            for s in range(0, len(fresh), self.batch):
                part = fresh[s : s + self.batch]
                self.store.upsert(
                    [c.id for c in part],
                    vectors.take(part),
                    [c.text for c in part],
                    [chroma_metadata(metas[c.id]) for c in part],
                )
                summary.embedded += len(part)
            self.store.delete(stale)
            summary.chunks_written += len(fresh)
            summary.chunks_deleted += len(stale)
            rows = [
                (
                    c.id,
                    prep.doc_id,
                    prep.key,
                    c.ordinal,
                    c.text,
                    c.index_text,
                    json.dumps(metas[c.id], ensure_ascii=False),
                )
                for c in prep.chunks
            ]
            record = FileRecord(
                prep.key, prep.doc_id, prep.sha256, prep.size, prep.mtime_ns, len(prep.chunks)
            )
            self.cat.commit_file(record, prep.metadata, prep.clean_text, rows)
            self.progress.advance(files=1)
        self.progress.close()
        for key in removed:
            ids = sorted(self.cat.chunk_ids_for(key))
            self.cat.mark_pending(key, ids)
            self.cat.remove_file(key)
            self.store.delete(ids)
            self.cat.clear_pending(key)
            summary.chunks_deleted += len(ids)

    def _refresh(self, prep, have: set[str], metas: dict[str, dict]) -> int:
        """Bring reused vectors' metadata up to date (the text is the same: ids are hashes of
        it); returns how many changed."""
        if not have:
            return 0
        stored = self.store.metadata(sorted(have))
        stale = [
            c.id
            for c in prep.chunks
            if c.id in stored and stored[c.id][1] != chroma_metadata(metas[c.id])
        ]
        if stale:
            self.store.update_metadata(stale, [chroma_metadata(metas[cid]) for cid in stale])
        return len(stale)


class _Ahead:
    """Vectors of the run's fresh chunks, embedded in full batches across file boundaries (a
    statement of three chunks would otherwise be its own small batch) and handed out file by
    file in order. Nothing is written ahead: a killed run loses only vectors held here."""

    def __init__(self, embedder: Embedder, chunks: list, batch: int, progress: Progress) -> None:
        self.embedder, self.batch, self.progress = embedder, batch, progress
        self.queue, self.next, self.ready = chunks, 0, {}

    def take(self, part: list) -> np.ndarray:
        while any(c.id not in self.ready for c in part):
            if self.next >= len(self.queue):  # ids are unique per run (doc id + text hash)
                raise RuntimeError("a chunk to write was not queued for embedding")
            group = self.queue[self.next : self.next + self.batch]
            self.next += len(group)
            vecs = self.embedder.embed_passages([c.index_text for c in group])
            self.ready.update(zip([c.id for c in group], vecs, strict=True))
            self.progress.advance(chunks=len(group))
        return np.stack([self.ready.pop(c.id) for c in part])
