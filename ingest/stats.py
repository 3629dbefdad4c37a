"""What is in an index: documents, chunks, model, last ingest, and whether the catalogue,
Chroma and the keyword index agree (three counts; ids compared when they differ)."""

from __future__ import annotations

import json

from ingest.errors import IndexInconsistentError
from ingest.keywords import KeywordIndex
from ingest.reconcile import Health, check
from ingest.settings import Settings
from ingest.store import Catalogue, VectorStore


def index_stats(settings: Settings) -> dict:
    cat = Catalogue(settings.index_path, create=False)
    try:
        rows = cat.db.execute(
            "SELECT path, doc_id, n_chunks, metadata FROM files ORDER BY path"
        ).fetchall()
        per_doc = [
            {
                "doc_id": doc_id,
                "source": json.loads(md).get("source"),
                "title": json.loads(md).get("title"),
                "chunks": n,
            }
            for _path, doc_id, n, md in rows
        ]
        keywords = settings.index_path / "keywords"
        try:
            health = check(cat, VectorStore(settings, create=False), keywords)
        except IndexInconsistentError:  # no collection at all: read-only, so none is created
            health = Health(
                cat.chunk_count(),
                0,
                KeywordIndex.count(keywords),
                KeywordIndex.is_current(keywords, cat.chunk_version),
                sorted(cat.all_chunk_ids()),
            )
        return {
            "index": str(settings.index_path),
            "model": cat.get_meta("embed_model"),
            "documents": len(rows),
            "chunks": sum(d["chunks"] for d in per_doc),
            "vectors": health.vectors,
            "keywords": health.keywords,
            "consistent": health.consistent,
            "problems": health.problems(),
            "last_ingest": cat.get_meta("last_ingest"),
            "per_document": per_doc,
        }
    finally:
        cat.close()
