"""What is in an index: documents, chunks, model, last ingest."""

from __future__ import annotations

import json

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
        vectors = VectorStore(settings).count()
        return {
            "index": str(settings.index_path),
            "model": cat.get_meta("embed_model"),
            "documents": len(rows),
            "chunks": sum(d["chunks"] for d in per_doc),
            "vectors": vectors,
            "last_ingest": cat.get_meta("last_ingest"),
            "per_document": per_doc,
        }
    finally:
        cat.close()
