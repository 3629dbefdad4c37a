"""How well documents are read: titles, types, dates and ids over an archive with a manifest.

Reads every file of ../shared/archive/dev (no embedding) with the checkout's ingest code and
compares with dev_manifest.csv. A title is bad when it is empty, the kind line, the id line, or
made from the file name. Run it in a checkout without ingest/identify.py (main before the
families work) for the "before" figures.

    python bench/families.py [--archive ../shared/archive] [--show 10]

With --index DIR: also ingest the documents that dev_questions.jsonl's id-naming questions expect
plus --others more (configured embedder; UTBOT_EMBED_BACKEND=onnx is faster) into DIR, and count
the questions whose expected document is the first citation.

    python bench/families.py --index /work/cache/families11/dev --others 300
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(Path.cwd()))  # the checkout it is run from

from ingest.cleaning import clean_pages  # noqa: E402
from ingest.metadata import extract_metadata  # noqa: E402
from ingest.readers import read_file  # noqa: E402

try:
    from ingest.families import ids_in_text
    from ingest.identify import describe
except ImportError:  # a checkout from before document families
    describe = ids_in_text = None

# manifest family -> what a reader should call it
TYPES = {
    "Ds": "ds",
    "SOU": "sou",
    "Lagradsremiss": "lagrådsremiss",
    "Promemoria": "promemoria",
    "Regeringsuppdrag": "regeringsuppdrag",
    "Remiss": "remiss",
}


def norm_id(text: str) -> str:
    if ids_in_text:
        found = ids_in_text(text or "")
        return found[0].key.split(":", 1)[1] if found else ""
    return re.sub(r"\W|^0+", "", (text or "").casefold())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--archive", type=Path, default=Path("/work/shared/archive"))
    ap.add_argument("--show", type=int, default=8)
    ap.add_argument("--index", type=Path)
    ap.add_argument("--others", type=int, default=300)
    args = ap.parse_args()
    if args.index:
        return id_questions(args)
    rows = list(csv.DictReader((args.archive / "dev_manifest.csv").open(encoding="utf-8")))
    c: Counter = Counter()
    bad_examples, id_misses = [], []
    for r in rows:
        path = args.archive / "dev" / r["file"]
        raw = read_file(path, path.read_bytes(), 10**9)
        cleaned = clean_pages(raw.pages, raw.paged)
        md = extract_metadata(cleaned.blocks, cleaned.header_dnrs, path.stem)
        if describe:
            describe(md, cleaned.blocks, raw.pages[0])
        first = [ln.strip() for ln in raw.pages[0].split("\n") if ln.strip()][:3]
        title = (md.title or "").strip()
        bad = (
            not title
            or md.title_from == "filename"
            or title in first[:2]
            and title != f"# {r['title']}"
            or (r["id"] and title == r["id"])
        )
        c["docs"] += 1
        c["bad_title"] += bool(bad)
        c["title_right"] += title == r["title"]
        c["type_right"] += (md.doc_type or "").casefold() == TYPES[r["family"]]
        c["date_right"] += (md.date or "") == r["date"]
        ref = getattr(md, "ref", None) or md.dnr or ""
        if r["id"]:
            c["with_id"] += 1
            ok = norm_id(ref) == norm_id(r["id"])
            c["id_right"] += ok
            if not ok:
                id_misses.append((r["file"], r["id"], ref))
        else:
            c["without_id"] += 1
            c["no_invented_id"] += not ref
        if bad and len(bad_examples) < args.show:
            bad_examples.append((r["file"], title))
    print(json.dumps(dict(c), ensure_ascii=False))
    print("bad titles e.g.:", bad_examples)
    print("id misses e.g.:", id_misses[: args.show])


def id_questions(args) -> None:
    from bot.engine import Engine
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings

    qs = [json.loads(x) for x in (args.archive / "dev_questions.jsonl").open(encoding="utf-8")]
    named = [q for q in qs if q.get("expected_sources") and ids_in_text(q["question"])]
    wanted = {s for q in named for s in q["expected_sources"]}
    others = sorted(p.name for p in (args.archive / "dev").iterdir())[
        :: max(1, 3000 // args.others)
    ]
    files = [args.archive / "dev" / f for f in sorted(wanted | set(others[: args.others]))]
    settings = Settings(index_dir=args.index)
    summary = Ingestor(settings).run(files)
    print(f"index: {len(files)} files, {summary.files_new} new, {summary.seconds:.0f} s")
    engine = Engine.from_settings(settings)
    first = 0
    for q in named:
        answer = engine.answer(q["question"])
        cites = answer.citations or answer.nearest
        got = cites[0].source if cites else None
        ok = got in q["expected_sources"]
        first += ok
        print(
            ("ok  " if ok else "MISS"),
            q["id"],
            q["question"][:70],
            "->",
            got,
            "| refused" if answer.refused else "",
        )
    print(f"id questions with the named document first: {first}/{len(named)}")


if __name__ == "__main__":
    main()
