"""The three parts of an index checked against each other, and repaired.

The SQLite catalogue is the record of what is ingested. Chroma must hold one vector for each of
its chunks and no other; the keyword index must list exactly its chunks, at its chunk version.
The check is cheap when all is well (three counts and a version number); ids are compared only
when the counts differ or a run was interrupted. It runs at the end of every ingest, in
``python -m ingest repair`` and ``stats``, and when the bot opens the index.

What each repair does, and costs:
- orphaned vectors (in Chroma, in no catalogue row: a killed run's file that is gone): deleted.
  One listing of Chroma's ids and one delete; nothing embedded.
- missing vectors (a catalogue chunk Chroma lacks: a deleted or truncated store, a Chroma server
  restarted without persistence): re-embedded from the index text the catalogue keeps, written
  with the catalogue's metadata. Costs the embedding of those chunks only.
- keyword index missing, of another version, or of another size: rebuilt from the catalogue.
  Seconds (tokenising); nothing embedded.
- a lost catalogue (``repair_catalogue``): the source files named in Chroma's metadata are
  ingested again; every chunk's vector is found in Chroma under its content-hash id and reused,
  so only reading and chunking are paid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.embedding import Embedder
from ingest.keywords import KeywordIndex
from ingest.progress import Progress
from ingest.store import Catalogue, VectorStore, chroma_metadata


@dataclass
class Health:
    catalogue: int  # chunks the catalogue lists
    vectors: int  # vectors Chroma holds
    keywords: int | None  # chunk ids in the saved keyword index (None: none on disk)
    keywords_current: bool  # built from the catalogue's current chunk version
    missing: list[str] = field(default_factory=list)  # catalogue chunks without a vector
    orphans: list[str] = field(default_factory=list)  # vectors no catalogue chunk owns
    pending: set[str] = field(default_factory=set)  # chunks of files an ingest is writing

    @property
    def consistent(self) -> bool:
        return (
            self.catalogue == self.vectors == self.keywords
            and self.keywords_current
            and not self.missing
            and not self.orphans
        )

    @property
    def unexplained_missing(self) -> list[str]:
        """Missing vectors that no running (or killed) ingest accounts for."""
        return [cid for cid in self.missing if cid not in self.pending]

    def problems(self) -> list[str]:
        out = []
        if self.missing:
            out.append(f"{len(self.missing)} of {self.catalogue} catalogue chunks have no vector")
        if self.orphans:
            out.append(f"{len(self.orphans)} vectors belong to no catalogue chunk")
        if self.keywords is None:
            out.append("the keyword index is missing")
        elif not self.keywords_current or self.keywords != self.catalogue:
            out.append(
                f"the keyword index is out of date ({self.keywords} chunks, "
                f"catalogue {self.catalogue})"
            )
        return out


def check(cat: Catalogue, store: VectorStore, keywords_dir: Path) -> Health:
    pending = {cid for ids in cat.pending().values() for cid in ids}
    health = Health(
        catalogue=cat.chunk_count(),
        vectors=store.count(),
        keywords=KeywordIndex.count(keywords_dir),
        keywords_current=KeywordIndex.is_current(keywords_dir, cat.chunk_version),
        pending=pending,
    )
    if health.vectors != health.catalogue or pending:
        in_catalogue, in_chroma = cat.all_chunk_ids(), store.all_ids()
        health.missing = sorted(in_catalogue - in_chroma)
        health.orphans = sorted(in_chroma - in_catalogue)
    return health


@dataclass
class Repairs:
    orphans_removed: int = 0
    reembedded: int = 0
    keywords_rebuilt: bool = False

    def __bool__(self) -> bool:
        return bool(self.orphans_removed or self.reembedded or self.keywords_rebuilt)

    def lines(self) -> list[str]:
        out = []
        if self.orphans_removed:
            out.append(f"removed {self.orphans_removed} orphaned vectors")
        if self.reembedded:
            out.append(f"re-embedded {self.reembedded} chunks missing from Chroma")
        if self.keywords_rebuilt:
            out.append("rebuilt the keyword index")
        return out


def repair(
    cat: Catalogue,
    store: VectorStore,
    keywords_dir: Path,
    embedder: Callable[[], Embedder],
    batch: int,
    progress: Progress | None = None,
    routine: bool = False,
) -> Repairs:
    """Make Chroma and the keyword index agree with the catalogue. Run under the ingest lock,
    when no file is being written (left-over pending marks are dropped first). ``routine``: the
    run changed files, so rebuilding the keyword index is expected, not a repair."""
    cat.clear_pending()
    health = check(cat, store, keywords_dir)
    done = Repairs()
    if health.orphans:
        store.delete(health.orphans)
        done.orphans_removed = len(health.orphans)
    if health.missing:
        model = embedder()
        rows = cat.chunk_rows(health.missing)
        progress = progress or Progress()
        progress.start("re-embedding", 0, len(rows))
        for s in range(0, len(rows), batch):
            part = rows[s : s + batch]
            vectors = model.embed_passages([r[2] for r in part])
            store.upsert([r[0] for r in part], vectors, [chroma_metadata(r[3]) for r in part])
            done.reembedded += len(part)
            progress.advance(chunks=len(part))
        progress.close()
        cat.set_meta("embed_model", model.model_id)
    if not health.keywords_current or health.keywords != health.catalogue:
        ids, texts = cat.chunk_texts()
        KeywordIndex.build(ids, texts, cat.chunk_version).save(keywords_dir)
        done.keywords_rebuilt = not routine
    return done


def source_paths(store: VectorStore) -> tuple[list[Path], list[str]]:
    """Files named in Chroma's metadata (to rebuild a lost catalogue from), and those gone."""
    keys = sorted({md.get("path", "") for md in store.all_metadata()} - {""})
    found = [Path(k) for k in keys if not k.startswith("doc:") and Path(k).is_file()]
    gone = [k for k in keys if k not in {str(p) for p in found}]
    return found, gone
