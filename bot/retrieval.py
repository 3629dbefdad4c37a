"""Hybrid retrieval: dense (Chroma) and keyword (bm25s) candidates, fused by normalised scores.

Each side's scores are scaled to [0, 1] over the union of candidates (dense: min-max of cosine
similarity, every candidate gets its exact similarity; keyword: score / best score), then mixed
with ``dense_weight``. Plain reciprocal rank fusion measured worse than the dense side alone on
SweFAQ (docs/experiments.md), which is why scores, not ranks, are fused.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import numpy as np

from bot.documents import DocumentTable
from bot.models import Filters
from ingest.embedding import Embedder
from ingest.errors import IndexInconsistentError, IndexMissingError
from ingest.families import without_ids
from ingest.keywords import KeywordIndex
from ingest.lexicon import SELF_REFERENCE
from ingest.settings import Settings
from ingest.store import Catalogue, VectorStore

log = logging.getLogger(__name__)

# stems of a question that names a document and asks nothing more ("Vad handlar UTBF 2024/6786 om?")
DOC_ONLY_WORDS = frozenset(
    {"handl", "utbf", "dnr", "ärend", "vad", "om", "about", "what", "motion", "gäll"}
)


class VectorsLost(Exception):
    """A search found that Chroma no longer holds the index's vectors (a server restarted
    empty): the engine reopens the index, which says how to repair it."""


@dataclass
class Hit:
    chunk_id: str
    doc_id: str
    text: str
    metadata: dict
    score: float  # fused
    dense: float  # cosine similarity with the question
    keyword: float  # raw BM25 score (0 when the keyword side did not find it)


class HybridRetriever:
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        index = settings.index_path
        self.catalogue = Catalogue(index, create=False)
        if not self.catalogue.has_files():
            raise IndexMissingError(
                f"The index at {index} is empty. Build it: python -m ingest corpus --index {index}"
            )
        self.catalogue.check_model(embedder.model_id, index)
        self.vectors = VectorStore(settings, create=False)
        self.generation = self.catalogue.generation
        ensure_servable(self.catalogue, self.vectors, settings)
        self.version = self.catalogue.chunk_version
        self.keywords = self._keywords()
        self.documents = DocumentTable.load(self.catalogue)
        self.lost = False

    def is_stale(self) -> bool:
        """Has an ingest run finished since this retriever opened the index (its generation
        moves once per run, not per file), or has a search found that Chroma lost its vectors
        (a server restarted empty)? Costs a catalogue read: counting Chroma's vectors took 13 ms
        per question at 100,000 chunks, so a search counts them only when it finds nothing."""
        try:
            return self.lost or self.catalogue.generation != self.generation
        except Exception:  # closed after a failed reopen
            return True

    def _check_vectors(self) -> None:
        """After a search that found nothing or failed: if Chroma holds no vectors any more, this
        retriever is stale from now on and VectorsLost is raised."""
        try:
            gone = self.vectors.count() == 0
        except Exception:  # the collection itself is gone
            gone = True
        if gone:
            self.lost = True
            raise VectorsLost(
                f"Chroma holds no vectors for the index at {self.settings.index_path}"
            )

    def close(self) -> None:
        self.vectors.close()
        self.catalogue.close()

    def _keywords(self) -> KeywordIndex:
        folder = self.settings.index_path / "keywords"
        version = self.catalogue.chunk_version
        kw = KeywordIndex.load(folder)
        if kw is None or kw.version != version:  # an ingest was interrupted: rebuild in memory
            ids, texts = self.catalogue.chunk_texts()
            kw = KeywordIndex.build(ids, texts, version)
        return kw

    def _where(self, filters: Filters | None, doc_ids: list[str] | None) -> dict | None:
        clauses: list[dict] = []
        if filters:
            if filters.dnr:
                dnr = " ".join(filters.dnr.split())
                ids = self.documents.with_dnr(dnr)
                clauses.append({"doc_id": {"$in": ids or ["-"]}})
            if filters.year:
                clauses.append({"year": filters.year})
            if filters.type:
                clauses.append({"type": filters.type})
            if filters.source:
                clauses.append({"source": filters.source})
            if filters.exclude_sources:
                clauses.append({"source": {"$nin": list(filters.exclude_sources)}})
        if doc_ids:
            clauses.append({"doc_id": {"$in": doc_ids}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def matches_any(self, filters: Filters) -> bool:
        """Does any chunk in the index pass these filters?"""
        where = self._where(filters, None)
        return where is None or bool(self.vectors.collection.get(where=where, limit=1)["ids"])

    def _allowed_ids(self, where: dict | None) -> set[str] | None:
        if where is None:
            return None
        got = self.vectors.collection.get(where=where, include=[])
        return set(got["ids"])

    # search ----------------------------------------------------------------------------------------
    def retrieve(
        self,
        question: str,
        k: int = 10,
        filters: Filters | None = None,
        doc_ids: list[str] | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        n = self.settings.candidates
        where = self._where(filters, doc_ids)
        qv = self.embedder.embed_query(question) if query_vector is None else query_vector
        try:  # Chroma returns all it has when asked for more
            dense = self.vectors.collection.query(
                query_embeddings=[qv], n_results=n, where=where, include=["metadatas", "distances"]
            )
        except Exception:
            self._check_vectors()
            raise
        if not dense["ids"][0]:
            self._check_vectors()
        cand: dict[str, dict] = {}
        for cid, md, dist in zip(
            dense["ids"][0], dense["metadatas"][0], dense["distances"][0], strict=True
        ):
            cand[cid] = {"md": md, "dense": 1.0 - float(dist), "kw": 0.0}
        allowed = self._allowed_ids(where)
        kw_query = SELF_REFERENCE.sub(" ", question)
        for cid, score in self.keywords.search(kw_query, n, allowed, self.settings.gram_weight):
            if cid in cand:
                cand[cid]["kw"] = score
            else:
                cand[cid] = {"kw": score}
        missing = [cid for cid, c in cand.items() if "dense" not in c]
        if missing:
            got = self.vectors.collection.get(ids=missing, include=["embeddings", "metadatas"])
            for cid, emb, md in zip(got["ids"], got["embeddings"], got["metadatas"], strict=True):
                cand[cid].update(md=md, dense=float(np.dot(np.asarray(emb), qv)))
        # the texts come from the catalogue (Chroma holds vectors and the fields filters need); a
        # chunk the catalogue has not committed yet (an ingest still writing) is left out
        texts = self.catalogue.chunks_by_id([cid for cid, c in cand.items() if "dense" in c])
        cand = {
            cid: {**c, "text": texts[cid][0]}
            for cid, c in cand.items()
            if "dense" in c and cid in texts
        }
        return self._fuse(cand, question)[:k]

    def _fuse(self, cand: dict[str, dict], question: str) -> list[Hit]:
        if not cand:
            return []
        analyzer = self.keywords.analyzer
        q_stems = set(analyzer.tokens(without_ids(question)))
        dense = np.array([c["dense"] for c in cand.values()])
        kw = np.array([c["kw"] for c in cand.values()])
        d_norm, k_norm = _normalise(dense, kw, self.settings.fusion)
        w = self.settings.dense_weight
        if self.settings.adaptive_weight and kw.max() > 0:
            # when the best keyword match holds most of the question's words, trust keywords more
            top = list(cand.values())[int(kw.argmax())]
            q = {t for t in q_stems if t in self.keywords.retriever.vocab_dict}
            cover = len(q & set(analyzer.tokens(top["text"]))) / len(q) if q else 0.0
            w = w - self.settings.adaptive_weight * cover
        fused = w * d_norm + (1 - w) * k_norm
        # a question that names a section ("bilagan", "konsekvenser", "beredning") prefers it;
        # one that names only a document ("utbf 2024/6786") gets its summary first
        boost = self.settings.section_boost
        for i, c in enumerate(cand.values()):
            section = (c["md"].get("section") or "").split(" > ")[-1]
            share = _overlap(q_stems, analyzer.tokens(section))
            if share:
                fused[i] += boost * max(share, self.settings.section_boost_floor)
            elif not q_stems - DOC_ONLY_WORDS and section == "Sammanfattning":
                fused[i] += 1.0  # nothing but a document's name was asked: its summary first
        hits = [
            Hit(cid, c["md"].get("doc_id", ""), c["text"], c["md"], float(f), c["dense"], c["kw"])
            for (cid, c), f in zip(cand.items(), fused, strict=True)
        ]
        hits.sort(key=lambda h: (-h.score, -h.dense))
        return hits


def dedupe(hits: list[Hit], same_doc_only: bool = False) -> list[Hit]:
    """Drop passages that repeat a better one (overlapping chunks, repeated summaries): those whose
    words are nearly all in a passage already kept. A longer passage that contains a kept one
    stays, since it says more (a summary that both restates the question and answers it)."""
    kept: list[Hit] = []
    seen: list[tuple[str, set[str]]] = []
    for h in hits:
        words = set(re.findall(r"\w+", h.text.lower()))
        if any(
            len(words & s) / max(1, len(words)) > 0.9
            for doc, s in seen
            if not same_doc_only or doc == h.doc_id
        ):
            continue
        kept.append(h)
        seen.append((h.doc_id, words))
    return kept


def ensure_servable(catalogue: Catalogue, vectors: VectorStore, settings: Settings) -> None:
    """Refuse an index whose catalogue lists chunks Chroma does not hold (a lost or truncated
    store): every answer would be refused or incomplete without anyone being told why. The
    differences a running (or killed) ingest's pending files explain are tolerated."""
    from ingest.reconcile import check

    health = check(catalogue, vectors, settings.index_path / "keywords")
    lost = health.unexplained_missing
    if lost or (health.catalogue and not health.vectors):
        where = settings.chroma_url or settings.index_path / "chroma"
        raise IndexInconsistentError(
            f"The index at {settings.index_path} is inconsistent: the catalogue lists "
            f"{health.catalogue} chunks but Chroma ({where}) holds {health.vectors} vectors, "
            f"{len(health.missing)} of them missing. Repair it: python -m ingest repair "
            f"--index {settings.index_path} (or run the next ingest); it re-embeds only what is "
            "missing."
        )
    if health.orphans:
        log.warning("index %s: %s", settings.index_path, "; ".join(health.problems()))


def _overlap(question: set[str], section: list[str]) -> float:
    """The share of a section name's stems the question names ("bilagan" names "bilag"): 1.0
    for "Bilaga", less for one word of a long subheading."""
    stems = set(section)
    named = {t for t in stems if any(q == t or (len(t) >= 4 and q.startswith(t)) for q in question)}
    return len(named) / len(stems) if stems else 0.0


def _normalise(dense: np.ndarray, kw: np.ndarray, how: str) -> tuple[np.ndarray, np.ndarray]:
    if how == "rrf":

        def ranks(x: np.ndarray) -> np.ndarray:
            r = np.empty(len(x))
            r[np.argsort(-x)] = np.arange(1, len(x) + 1)
            return 1.0 / (60 + r)

        return ranks(dense) * 60, np.where(kw > 0, ranks(kw), 0.0) * 60
    if how == "zscore":

        def z(x: np.ndarray) -> np.ndarray:
            return (x - x.mean()) / x.std() if x.std() > 0 else np.zeros_like(x)

        return z(dense), np.where(kw > 0, z(kw), z(kw).min() if kw.std() > 0 else 0.0)
    lo, hi = float(dense.min()), float(dense.max())
    d_norm = (dense - lo) / (hi - lo) if hi > lo else np.ones_like(dense)
    k_norm = kw / kw.max() if kw.max() > 0 else np.zeros_like(kw)
    return d_norm, k_norm
