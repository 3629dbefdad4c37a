"""Chroma, embedded or as a server: the chunks' vectors and the metadata a search filters on."""

from __future__ import annotations

import numpy as np

from ingest.errors import IndexInconsistentError
from ingest.settings import Settings


def open_chroma(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or 8000,
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    path = settings.index_path / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


class VectorStore:
    """One Chroma collection; chunk text as the document, metadata usable as filters."""

    def __init__(self, settings: Settings, create: bool = True) -> None:
        self.client = open_chroma(settings)
        name = settings.collection
        if create:
            self.collection = self.client.get_or_create_collection(
                name, metadata={"hnsw:space": "cosine"}, embedding_function=None
            )
        else:
            from chromadb.errors import NotFoundError

            try:
                self.collection = self.client.get_collection(name, embedding_function=None)
            except NotFoundError:
                where = settings.chroma_url or settings.index_path / "chroma"
                raise IndexInconsistentError(
                    f"Chroma at {where} has no collection {name!r}: its vectors are gone (a new "
                    f"volume, or a server restarted without persistence). Repair: python -m "
                    f"ingest repair --index {settings.index_path} (re-embeds from the catalogue)."
                ) from None
        self.max_batch = int(self.client.get_max_batch_size())

    def upsert(self, ids: list[str], vectors: np.ndarray, metas: list[dict]) -> None:
        """Vectors and the metadata filters need; the texts live in the catalogue only (with them
        Chroma's upserts cost twice as much: it indexes them for full-text search)."""
        for s in range(0, len(ids), self.max_batch):
            e = s + self.max_batch
            self.collection.upsert(ids=ids[s:e], embeddings=vectors[s:e], metadatas=metas[s:e])

    def delete(self, ids: list[str]) -> None:
        for s in range(0, len(ids), self.max_batch):
            self.collection.delete(ids=ids[s : s + self.max_batch])

    def existing(self, ids: list[str]) -> set[str]:
        found: set[str] = set()
        for s in range(0, len(ids), self.max_batch):
            found.update(self.collection.get(ids=ids[s : s + self.max_batch], include=[])["ids"])
        return found

    def all_ids(self) -> set[str]:
        return set(self.collection.get(include=[])["ids"])

    def metadata(self, ids: list[str]) -> dict[str, dict]:
        """The metadata of the given ids that Chroma holds."""
        out: dict[str, dict] = {}
        for s in range(0, len(ids), self.max_batch):
            got = self.collection.get(ids=ids[s : s + self.max_batch], include=["metadatas"])
            for cid, md in zip(got["ids"], got["metadatas"], strict=True):
                out[cid] = dict(md or {})
        return out

    def all_metadata(self) -> list[dict]:
        """Every vector's metadata (a lost catalogue is rebuilt from the paths they name)."""
        return [dict(md or {}) for md in self.collection.get(include=["metadatas"])["metadatas"]]

    def update_metadata(self, ids: list[str], metas: list[dict]) -> None:
        """Replace metadata without touching vectors or text; keys absent from the new metadata
        are removed (Chroma merges metadata on update, and drops a key given as None)."""
        old = self.metadata(ids)
        full = [
            {**{k: None for k in old.get(cid, {}) if k not in md}, **md}
            for cid, md in zip(ids, metas, strict=True)
        ]
        for s in range(0, len(ids), self.max_batch):
            e = s + self.max_batch
            self.collection.update(ids=ids[s:e], metadatas=full[s:e])

    def count(self) -> int:
        return self.collection.count()

    def close(self) -> None:
        """Release this client; the next one opened on the path sees other processes' writes."""
        close = getattr(self.client, "close", None)
        if close is not None:
            close()


def chroma_metadata(md: dict) -> dict:
    """Chroma takes str/int/float/bool values and no None."""
    return {
        k: v for k, v in md.items() if v is not None and isinstance(v, str | int | float | bool)
    }
