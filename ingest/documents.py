"""What one ingest run works on: input documents, their prepared chunks, the run's summary."""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ingest.chunking import Chunk, chunk_document
from ingest.cleaning import clean_pages
from ingest.metadata import DocMetadata
from ingest.readers import SUPPORTED_SUFFIXES


@dataclass
class SourceDocument:
    """A document that is not a file (e.g. a BEIR corpus line)."""

    doc_id: str
    text: str
    title: str | None = None
    source: str | None = None


@dataclass
class Prepared:
    key: str  # catalogue key: the absolute path, or "doc:<id>"
    doc_id: str
    source: str
    sha256: str
    size: int
    mtime_ns: int
    metadata: dict
    clean_text: str
    chunks: list[Chunk]
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestSummary:
    files_new: int = 0
    files_changed: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    files_failed: int = 0
    chunks_written: int = 0
    chunks_deleted: int = 0
    embedded: int = 0
    metadata_updated: int = 0  # reused vectors whose metadata changed (nothing embedded)
    seconds: float = 0.0
    dry_run: bool = False
    failures: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    planned: list[dict] = field(default_factory=list)  # dry run: what would change
    repaired: list[str] = field(default_factory=list)  # what reconciling the index fixed

    def to_json(self) -> dict:
        d = asdict(self)
        d["seconds"] = round(self.seconds, 3)
        return d


def discover(paths: list[Path], skip: Path | None = None) -> tuple[list[Path], list[dict]]:
    """Supported files under the given paths (recursive), and failures for missing paths."""
    found: list[Path] = []
    missing: list[dict] = []
    for p in paths:
        if p.is_dir():
            for root, dirs, files in os.walk(p):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".")
                    and not (skip is not None and Path(root, d).resolve() == skip.resolve())
                )
                found.extend(
                    Path(root, f)
                    for f in sorted(files)
                    if not f.startswith(".") and Path(f).suffix.lower() in SUPPORTED_SUFFIXES
                )
        elif p.is_file():
            found.append(p)
        else:
            missing.append({"path": str(p), "reason": "no such file or folder"})
    unique = list(dict.fromkeys(f.resolve() for f in found))
    return unique, missing


def chunk_metadata(prep: Prepared, md: dict, chunk: Chunk) -> dict:
    authors = md.get("authors") or []
    return {
        "doc_id": prep.doc_id,
        "source": prep.source,
        "path": prep.key,
        "title": md.get("title"),
        "dnr": md.get("dnr"),
        "date": md.get("date"),
        "year": md.get("year"),
        "type": md.get("doc_type"),
        "author": DocMetadata(authors=authors).author_label,
        "motion_number": md.get("motion_number"),
        "family": md.get("family"),
        "ref": md.get("ref"),
        "id_keys": "|".join(md.get("id_keys") or []) or None,
        "section": chunk.section,
        "pages": chunk.pages,
        "page_start": chunk.page_start,
        "page_end": chunk.page_end,
        "start": chunk.start,
        "end": chunk.end,
        "ordinal": chunk.ordinal,
    }


def prepare_documents(
    cat, docs: list[SourceDocument], known: dict, reread: bool, settings, summary: IngestSummary
) -> list[tuple[Prepared, bool]]:
    """The in-memory documents to write, cleaned and chunked as files are: those new or changed,
    and under a new cleaning (``reread``) those whose chunks it changes; the rest and the failures
    are counted in ``summary``."""
    todo = []
    for doc in docs:
        key = f"doc:{doc.doc_id}"
        sha = hashlib.sha256(f"{doc.title}\n{doc.text}".encode()).hexdigest()
        same = key in known and known[key].sha256 == sha
        if same and not reread:
            summary.files_unchanged += 1
            continue
        cleaned = clean_pages([doc.text], paged=False)
        text, chunks = chunk_document(
            doc.doc_id,
            doc.title,
            cleaned.blocks,
            settings.chunk_chars,
            settings.chunk_overlap_chars,
        )
        if not chunks:
            summary.files_failed += 1
            summary.failures.append({"path": key, "reason": "no text"})
            continue
        if same and {c.id for c in chunks} == cat.chunk_ids_for(key):
            summary.files_unchanged += 1  # cleaned again (TEXT_VERSION), the same chunks
            continue
        md = {
            "title": doc.title,
            "source": doc.source or doc.doc_id,
            "path": key,
            "sha256": sha,
        }
        todo.append(
            (
                Prepared(
                    key,
                    doc.doc_id,
                    doc.source or doc.doc_id,
                    sha,
                    len(doc.text),
                    0,
                    md,
                    text,
                    chunks,
                ),
                key not in known,
            )
        )
    return todo
