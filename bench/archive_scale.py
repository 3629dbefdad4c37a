"""Scale bench on real text: the large archive (../shared/archive/large.tar.gz, every page of five
families) into one index with the configured embedder (UTBOT_EMBED_BACKEND; default here onnx).
Prints ingest chunks/s beside the raw embedder's on a sample of the same chunks (their ratio),
index size on disk, re-ingest time of the unchanged archive, and from a separate bot process:
cold start to first answer, warm ask p50/p95 (questions from ../shared/archive/dev_questions.jsonl)
and the process's peak RSS. Asserts nothing.

    python bench/archive_scale.py [--limit N] [--work /work/cache/<branch>/scale] [--raw-sample 300]

--limit N takes N files spread evenly over the archive's sorted names (every family): the whole archive (~16,000
pages) is a many-hour ingest on a loaded two-core machine; say which limit was run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench._common import cold_ask_s, pct, peak_rss_mb, shared_dir, use_this_checkout

use_this_checkout()  # this checkout's packages, not bench/ingest.py nor an installed utbot



def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def probe(index: str, n: int, questions: Path) -> None:
    """Run in a fresh process: cold start to first answer, then warm latencies and peak RSS."""
    t0 = time.perf_counter()
    from bot.engine import Engine
    from ingest.settings import Settings

    engine = Engine.from_settings(Settings(index_dir=Path(index)))
    rows = [json.loads(x) for x in questions.read_text().splitlines() if x]
    qs = [r["question"] for r in rows][:n]
    engine.answer(qs[0])
    cold = time.perf_counter() - t0
    for q in qs:  # first pass fills the caches
        engine.answer(q)
    warm = []
    for q in qs:
        t = time.perf_counter()
        engine.answer(q)
        warm.append((time.perf_counter() - t) * 1000)
    rss_mb = peak_rss_mb()
    print(json.dumps({"cold_s": cold, "p50_ms": pct(warm, .5), "p95_ms": pct(warm, .95),
                      "n": len(warm), "rss_mb": rss_mb}))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, help="only the first N files of the archive")
    ap.add_argument("--work", type=Path, default=Path("/work/cache/onnx13/scale"))
    ap.add_argument("--raw-sample", type=int, default=300, help="chunks re-embedded raw")
    ap.add_argument("--questions", type=int, default=50)
    ap.add_argument("--shared", type=Path, help="the shared data folder holding archive/ "
                    "(default: UTBOT_SHARED_DIR, else the nearest 'shared' folder beside the checkout)")
    ap.add_argument("--probe", help=argparse.SUPPRESS)
    args = ap.parse_args()
    archive = shared_dir(args.shared) / "archive"
    if args.probe:
        return probe(args.probe, args.questions, archive / "dev_questions.jsonl")
    os.environ.setdefault("UTBOT_EMBED_BACKEND", "onnx")

    from ingest.embedding import create_embedder
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings
    from ingest.store import Catalogue

    large = args.work / "large"
    if not large.is_dir():
        with tarfile.open(archive / "large.tar.gz") as tar:
            tar.extractall(args.work, filter="data")
    files = sorted(p for p in large.iterdir() if p.is_file())
    docs = args.work / f"docs-{args.limit or 'all'}"
    if not docs.is_dir():
        docs.mkdir()
        step = max(1, len(files) // args.limit) if args.limit else 1
        for f in files[::step][: args.limit] if args.limit else files:  # all five families
            os.link(f, docs / f.name)
    index = args.work / f"index-{args.limit or 'all'}"
    shutil.rmtree(index, ignore_errors=True)
    settings = Settings(index_dir=index)
    embedder = create_embedder(settings)
    embedder.embed_passages(["Uppvärmning av modellen."] * 4)
    n_files = len(list(docs.iterdir()))
    print(f"archive: {n_files} of {len(files)} files; embedder {embedder.model_id} "
          f"({settings.embed_backend}); load average {os.getloadavg()[0]:.1f}")

    t0, c0 = time.perf_counter(), time.process_time()
    first = Ingestor(settings, embedder).run([docs])
    whole, whole_cpu = time.perf_counter() - t0, time.process_time() - c0
    cat = Catalogue(settings.index_path)
    _, texts = cat.chunk_texts()
    cat.close()
    sample = texts[:: max(1, len(texts) // args.raw_sample)][: args.raw_sample]
    bs = settings.embed_batch_size
    t0, c0 = time.perf_counter(), time.process_time()
    for s in range(0, len(sample), bs):
        embedder.embed_passages(sample[s : s + bs])
    raw, raw_cpu = time.perf_counter() - t0, time.process_time() - c0
    rate, cpu_rate = first.chunks_written / whole, first.chunks_written / whole_cpu
    print(f"ingest: {first.chunks_written} chunks in {whole:.0f} s = {rate:.2f} chunks/s wall, "
          f"{cpu_rate:.2f} per CPU-s; raw embedder on {len(sample)} of them "
          f"{len(sample) / raw:.2f} chunks/s wall, {len(sample) / raw_cpu:.2f} per CPU-s; ratio "
          f"wall {rate / (len(sample) / raw):.2f}, CPU {cpu_rate / (len(sample) / raw_cpu):.2f}; "
          f"failed files {first.files_failed}")
    print(f"index size on disk: {du(index) / 1e6:.0f} MB ({du(index) / max(1, first.chunks_written) / 1e3:.1f} kB/chunk)")
    t0 = time.perf_counter()
    again = Ingestor(settings, embedder).run([docs])
    print(f"re-ingest unchanged: {time.perf_counter() - t0:.2f} s, embedded {again.embedded}")

    out = subprocess.run([sys.executable, __file__, "--probe", str(index), "--shared",
                          str(archive.parent), "--questions", str(args.questions)],
                         capture_output=True, text=True, check=True, env=os.environ)
    r = json.loads(out.stdout.strip().splitlines()[-1])
    first_q = json.loads((archive / "dev_questions.jsonl").read_text().splitlines()[0])
    cold = cold_ask_s(index, first_q["question"])
    print(f"bot: cold start to first answer {cold:.2f} s (`bot ask`, a new process, median of 3; "
          f"{r['cold_s']:.2f} s from importing the engine in a script); warm ask p50 "
          f"{r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms (n={r['n']}); peak RSS {r['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
