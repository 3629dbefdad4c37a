"""The write phase of an ingest: vectors to Chroma, rows to the catalogue, keywords rebuilt.

Order matters for crash safety: a file is marked pending, its vectors are written, and only then
is its catalogue row committed; removals commit first and delete vectors after.
"""

from __future__ import annotations

import json
from pathlib import Path

from ingest.documents import IngestSummary, chunk_metadata
from ingest.embedding import Embedder
from ingest.keywords import KeywordIndex
from ingest.store import Catalogue, FileRecord, VectorStore, chroma_metadata


def reconcile(cat: Catalogue, store: VectorStore, pending: dict[str, list[str]]) -> None:
    """After a killed run: drop vectors no committed file owns."""
    if not pending:
        return
    committed = cat.all_chunk_ids()
    stray = [cid for ids in pending.values() for cid in ids if cid not in committed]
    store.delete(stray)
    cat.clear_pending()


def refresh_keywords(cat: Catalogue, folder: Path) -> None:
    """Rebuild the keyword index when the catalogue's chunks have moved on since it was built."""
    version = cat.chunk_version
    if KeywordIndex.is_current(folder, version):
        return
    ids, texts = cat.chunk_texts()
    KeywordIndex.build(ids, texts, version).save(folder)


class Writer:
    def __init__(
        self, cat: Catalogue, store: VectorStore, embedder: Embedder, batch: int, progress: bool
    ) -> None:
        self.cat, self.store, self.embedder = cat, store, embedder
        self.batch, self.progress = batch, progress

    def write(self, todo, removed: list[str], summary: IngestSummary) -> None:
        bar = None
        to_embed_total = 0
        plans = []
        for prep, _ in todo:
            old = self.cat.chunk_ids_for(prep.key)
            new_ids = [c.id for c in prep.chunks]
            have = self.store.existing(new_ids) if old & set(new_ids) else set()
            fresh = [c for c in prep.chunks if c.id not in have]
            plans.append((prep, old, fresh))
            to_embed_total += len(fresh)
        if self.progress and to_embed_total:
            from tqdm import tqdm

            bar = tqdm(total=to_embed_total, unit="chunk", desc="Embedding", dynamic_ncols=True)
        batch = self.batch
        for prep, old, fresh in plans:
            self.cat.mark_pending(prep.key, [c.id for c in prep.chunks])
            metas = {c.id: chunk_metadata(prep, prep.metadata, c) for c in prep.chunks}
            for s in range(0, len(fresh), batch):
                part = fresh[s : s + batch]
                vectors = self.embedder.embed_passages([c.index_text for c in part])
                self.store.upsert(
                    [c.id for c in part],
                    vectors,
                    [c.text for c in part],
                    [chroma_metadata(metas[c.id]) for c in part],
                )
                summary.embedded += len(part)
                if bar:
                    bar.update(len(part))
            stale = sorted(old - {c.id for c in prep.chunks})
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
        if bar:
            bar.close()
        for key in removed:
            ids = sorted(self.cat.chunk_ids_for(key))
            self.cat.mark_pending(key, ids)
            self.cat.remove_file(key)
            self.store.delete(ids)
            self.cat.clear_pending(key)
            summary.chunks_deleted += len(ids)
