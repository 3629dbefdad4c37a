"""Answer latency: warm p50/p95 on the bundled corpus and on a synthetic 100,000-chunk index,
the query embedding alone, and the time from a cold process start to the first answer. Prints
figures; asserts nothing.

The 100k index is built from the Swedish texts in ../shared/eval-data: each text's passages are
embedded once for real; the 100k chunks are those passages with their sentences rotated, and
vectors that are the passage's vector plus small noise (re-embedding 100k chunks at ~7 chunks/s
would take four hours here). Keyword side and Chroma side both hold all 100k chunks.

    python bench/ask.py [--chunks 100000] [--big-index DIR] [--shared DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import ROOT, cold_ask_s, pct, shared_dir, use_this_checkout

use_this_checkout()  # this checkout's packages, not bench/ingest.py nor an installed utbot

import numpy as np


def questions() -> list[str]:
    rows = [json.loads(x) for x in (ROOT / "eval" / "testset.jsonl").read_text().splitlines() if x.strip()]
    return [r["question"] for r in rows]


def timed(engine, qs: list[str]) -> list[float]:
    out = []
    for q in qs:
        t0 = time.perf_counter()
        engine.answer(q)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def timed_embedding(embedder, qs: list[str]) -> list[float]:
    """embed_query alone (tokenising and the model), the second of two passes."""
    for _pass in range(2):
        out = []
        for q in qs:
            t0 = time.perf_counter()
            embedder.embed_query(q)
            out.append((time.perf_counter() - t0) * 1000)
    return out


def report(label: str, xs: list[float]) -> None:
    print(f"  {label:34} p50 {pct(xs, .5):7.1f} ms   p95 {pct(xs, .95):7.1f} ms   (n={len(xs)})")


def build_big(index: Path, n_chunks: int, embedder, shared: Path) -> None:
    from ingest.keywords import KeywordIndex
    from ingest.settings import Settings
    from ingest.store import Catalogue, VectorStore

    texts = []
    for name in ("swequad_mc_dev", "swefaq_dev"):
        for line in (shared / "eval-data" / name / "corpus.jsonl").read_text().splitlines():
            doc = json.loads(line)
            texts.append((doc.get("title") or "", doc["text"][:600]))
    t0 = time.perf_counter()
    base = embedder.embed_passages([f"{t}\n{x}" for t, x in texts])
    print(f"  embedded {len(texts)} source passages in {time.perf_counter() - t0:.0f} s")
    settings = Settings(index_dir=index)
    cat = Catalogue(index)
    store = VectorStore(settings)
    cat.set_meta("embed_model", embedder.model_id)
    rng = np.random.default_rng(0)
    per_file = 100
    ids_all, texts_all = [], []
    for f in range(n_chunks // per_file):
        rows, ids, vecs, metas = [], [], [], []
        for j in range(per_file):
            i = (f * per_file + j) % len(texts)
            title, body = texts[i]
            sents = body.split(". ")
            r = (f * per_file + j) // len(texts)
            body = ". ".join(sents[r % len(sents):] + sents[: r % len(sents)])
            cid = f"syn{f:04d}:{j:03d}"
            md = {"doc_id": f"syn{f:04d}", "source": f"syn{f:04d}.txt", "title": title,
                  "section": "Text", "year": 2000 + f % 25}
            v = base[i] + rng.normal(0, 0.01, base.shape[1]).astype(np.float32)
            ids.append(cid)
            vecs.append(v / np.linalg.norm(v))
            metas.append(md)
            rows.append((cid, md["doc_id"], f"syn:{f}", j, body, f"{title}\n{body}", json.dumps(md)))
            ids_all.append(cid)
            texts_all.append(f"{title}\n{body}")
        store.upsert(ids, np.stack(vecs), metas)
        from ingest.store import FileRecord

        cat.commit_file(FileRecord(f"syn:{f}", f"syn{f:04d}", "x", 0, 0, per_file),
                        {"title": "synthetic", "source": f"syn{f:04d}.txt"}, "", rows)
    t0 = time.perf_counter()
    KeywordIndex.build(ids_all, texts_all, cat.chunk_version).save(index / "keywords")
    print(f"  keyword index over {len(ids_all)} chunks built in {time.perf_counter() - t0:.0f} s")
    cat.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--big-index", type=Path, help="reuse (or keep) the synthetic index here")
    ap.add_argument("--shared", type=Path, help="the shared data folder (default: UTBOT_SHARED_DIR, "
                    "else the nearest 'shared' folder beside the checkout or its parents)")
    args = ap.parse_args()

    from bot.engine import Engine
    from ingest.embedding import create_embedder
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="bench-ask-"))
    try:
        embedder = create_embedder(Settings())  # UTBOT_EMBED_BACKEND / _PRECISION apply
        small = Settings(index_dir=tmp / "bundled")
        Ingestor(small, embedder).run([ROOT / "corpus"])
        qs = questions()
        print(f"bundled corpus ({len(qs)} questions from eval/testset.jsonl):")
        engine = Engine(small, embedder)
        report("first pass (sentence cache cold)", timed(engine, qs))
        report("second pass (warm)", timed(engine, qs))
        report("query embedding alone", timed_embedding(embedder, qs))

        cold = cold_ask_s(small.index_path, "Varför ingår inte Skärholmen i rektorsnätverket?")
        print(f"  cold process start to first answer: {cold:.2f} s (median of 3)")

        big = args.big_index or tmp / "big"
        if not (big / "catalogue.sqlite3").exists():
            print(f"synthetic index of {args.chunks} chunks:")
            build_big(big, args.chunks, embedder, shared_dir(args.shared))
        big_engine = Engine(Settings(index_dir=big), embedder)
        print(f"synthetic index ({big_engine.retriever.vectors.count()} chunks):")
        report("first pass", timed(big_engine, qs))
        report("second pass (warm)", timed(big_engine, qs))
        t = [big_engine.answer(q).timings_ms for q in qs]
        for key in ("embed", "retrieve", "select"):  # answers refused before retrieval have none
            report(f"  of which {key}", [x[key] for x in t if key in x])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
