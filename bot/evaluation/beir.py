"""Retrieval benchmarks in BEIR layout: corpus.jsonl through the product's ingest, then rank."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.evaluation import metrics
from bot.evaluation.runner import config_snapshot, file_sha256, now_iso
from ingest.errors import UtbotError

if TYPE_CHECKING:
    from ingest.settings import Settings

MARKER = "beir-corpus.json"  # written into the index after a complete ingest of one corpus
DEPTH = 10
INGEST_FIELDS = (
    "embed_backend",
    "embed_model",
    "embed_precision",
    "passage_prefix",
    "chunk_chars",
    "chunk_overlap_chars",
)


class BeirFormatError(UtbotError):
    """A BEIR folder that is missing a file or has a bad line (file:line in the message)."""


def _jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    if not path.is_file():
        raise BeirFormatError(
            f"{path}: missing (BEIR layout: corpus.jsonl, queries.jsonl, qrels.tsv)"
        )
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BeirFormatError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict) or not isinstance(obj.get("_id"), str):
                raise BeirFormatError(f"{path}:{number}: field '_id': required, a string")
            if not isinstance(obj.get("text"), str):
                raise BeirFormatError(f"{path}:{number}: field 'text': required, a string")
            yield number, obj


def load_corpus(beir_dir: Path) -> list[dict]:
    return [obj for _, obj in _jsonl(beir_dir / "corpus.jsonl")]


def load_queries(beir_dir: Path) -> list[tuple[str, str]]:
    return [(obj["_id"], obj["text"]) for _, obj in _jsonl(beir_dir / "queries.jsonl")]


def load_qrels(beir_dir: Path) -> dict[str, dict[str, float]]:
    """query-id -> {corpus-id: grade}; the header line (non-numeric score) is skipped."""
    path = beir_dir / "qrels.tsv"
    if not path.is_file():
        raise BeirFormatError(
            f"{path}: missing (BEIR layout: corpus.jsonl, queries.jsonl, qrels.tsv)"
        )
    qrels: dict[str, dict[str, float]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise BeirFormatError(f"{path}:{number}: expected query-id, corpus-id, score (tabs)")
        try:
            grade = float(parts[2])
        except ValueError as exc:
            if number == 1:
                continue  # header
            raise BeirFormatError(f"{path}:{number}: field 'score': not a number") from exc
        qrels.setdefault(parts[0], {})[parts[1]] = grade
    return qrels


def unique_doc_ids(hits: Sequence[Any]) -> list[str]:
    """Chunks of one document collapse to the document's best rank."""
    seen: dict[str, None] = {}
    for hit in hits:
        seen.setdefault(hit.doc_id, None)
    return list(seen)


def retrieve_docs(engine: Any, question: str, depth: int = DEPTH) -> list[str]:
    """At least ``depth`` distinct documents when the index has them, best first."""
    for k in (depth * 3, depth * 10):
        hits = engine.retrieve(question, k=k)
        docs = unique_doc_ids(hits)
        if len(docs) >= depth or len(hits) < k:
            return docs
    return docs


def ensure_index(settings: Settings, beir_dir: Path, corpus: list[dict]) -> dict[str, Any]:
    """Ingest the corpus unless this index already holds exactly this corpus."""
    from ingest.pipeline import SourceDocument, ingest_documents

    index = Path(settings.index_dir)
    stamp = {
        "corpus_sha256": file_sha256(beir_dir / "corpus.jsonl"),
        "ingest_config": {f: str(getattr(settings, f, None)) for f in INGEST_FIELDS},
    }
    marker = index / MARKER  # also says "this index belongs to BEIR runs"
    if marker.is_file() and json.loads(marker.read_text()) == stamp:
        return {"skipped": True, "reason": "index already holds this corpus"}
    if not marker.is_file() and index.is_dir() and any(index.iterdir()):
        raise UtbotError(
            f"{index} is an index that was not made by a BEIR run; give --index a new or empty "
            "folder so that the benchmark corpus does not mix with the statements."
        )
    docs = [
        SourceDocument(
            doc_id=d["_id"], text=d["text"], title=d.get("title") or None, source=d["_id"]
        )
        for d in corpus
    ]
    index.mkdir(parents=True, exist_ok=True)
    marker.write_text(json.dumps({"incomplete": True}) + "\n")  # an interrupted run redoes it
    result = ingest_documents(docs, settings, prune=True)  # a BEIR index holds one corpus
    marker.write_text(json.dumps(stamp) + "\n")
    return json.loads(json.dumps(result, default=str)) if isinstance(result, dict) else {}


def run_beir(
    settings: Settings,
    beir_dir: Path,
    *,
    index_dir: Path | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[list[dict], dict[str, Any]]:
    """Rows for results.jsonl and the summary. Without index_dir the index is temporary."""
    from bot.engine import Engine

    beir_dir = Path(beir_dir)
    corpus, queries, qrels = load_corpus(beir_dir), load_queries(beir_dir), load_qrels(beir_dir)
    queries = [(qid, text) for qid, text in queries if qid in qrels][:limit]
    tmp = None if index_dir else Path(tempfile.mkdtemp(prefix="utbot-beir-"))
    settings = settings.model_copy(update={"index_dir": index_dir or tmp})
    try:
        ingest_summary = ensure_index(settings, beir_dir, corpus)
        engine = Engine.from_settings(settings)
        rows = []
        for i, (qid, text) in enumerate(queries, start=1):
            if progress:
                progress(i, len(queries))
            start = time.perf_counter()
            retrieved = retrieve_docs(engine, text)
            latency = (time.perf_counter() - start) * 1000
            rel = qrels[qid]
            rows.append(
                {
                    "id": qid,
                    "question": text,
                    "retrieved": retrieved,
                    "relevant": sorted(d for d, g in rel.items() if g > 0),
                    "rank": next(
                        (r for r, d in enumerate(retrieved, 1) if rel.get(d, 0) > 0), None
                    ),
                    "ndcg@10": round(metrics.ndcg_at_k(retrieved, rel, 10), 4),
                    "latency_ms": round(latency, 2),
                }
            )
        close = getattr(engine, "close", None)
        if callable(close):
            close()
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return rows, beir_summary(rows, qrels, beir_dir, len(corpus), settings, ingest_summary)


def beir_summary(
    rows: list[dict], qrels: dict, beir_dir: Path, n_corpus: int, settings: Settings, ingest: dict
) -> dict[str, Any]:
    def avg(fn: Callable[[list[str], dict], float]) -> float | None:
        return metrics.mean(fn(r["retrieved"], qrels[r["id"]]) for r in rows)

    latencies = [r["latency_ms"] for r in rows]
    values: dict[str, Any] = {
        "n_queries": len(rows),
        "mrr@10": avg(lambda ret, rel: metrics.reciprocal_rank(ret, rel, 10)),
        "ndcg@10": avg(lambda ret, rel: metrics.ndcg_at_k(ret, rel, 10)),
    }
    for k in (1, 5, 10):
        values[f"recall@{k}"] = avg(lambda ret, rel, k=k: metrics.recall_at_k(ret, rel, k))
    values["latency_p50_ms"] = metrics.percentile(latencies, 50)
    values["latency_p95_ms"] = metrics.percentile(latencies, 95)
    return {
        "kind": "beir",
        "dataset": beir_dir.resolve().name,
        "corpus_sha256": file_sha256(beir_dir / "corpus.jsonl"),
        "n_corpus": n_corpus,
        "created": now_iso(),
        "config": config_snapshot(settings),
        "ingest": ingest,
        "metrics": metrics.rounded(values),
    }
