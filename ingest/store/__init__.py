"""The index on disk: Chroma (vectors), a SQLite catalogue (files, chunks, settings) and bm25s.

SQLite is the record of what is done: a file counts as ingested only once its row is committed,
which happens after its chunks are in Chroma. A file being written is marked ``pending`` first,
so a run killed half-way is completed by the next one (ingest/writer.py has the write order,
ingest/reconcile.py the checks and repairs). The keyword index is rebuilt from the catalogue
whenever the catalogue's chunk version moves. ``ingest_generation`` moves once per ingest run
that changed something: a running bot reopens the index when it moves, not once per file.
"""

from __future__ import annotations

from ingest.store.catalogue import Catalogue, FileRecord
from ingest.store.vectors import VectorStore, chroma_metadata, open_chroma

__all__ = ["Catalogue", "FileRecord", "VectorStore", "chroma_metadata", "open_chroma"]
