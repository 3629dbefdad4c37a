"""What the cleaning and metadata tests share: the statements and PDFs, read as the pipeline
reads them (``Ingestor._prepare_file``): readers -> clean_pages -> extract_metadata ->
chunk_document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ingest.chunking import Chunk, chunk_document
from ingest.cleaning import CleanResult, clean_pages
from ingest.metadata import DocMetadata, extract_metadata
from ingest.readers import RawDocument, read_file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).resolve().parent / "data"
MAX_BYTES = 20_000_000

N = "2025-11-20_skolverkets-natverk-skolor-utsatta-omraden.txt"
V = "UTBF-2024-6786_att-vanda-skolresultat.txt"
M11 = "motion-2011-24_okad-jamlikhet-minskad-segregation.txt"
M13 = "motion-2013-44_bryta-kunskapssegregationen.txt"
STATEMENTS = [N, V, M11, M13]
DIR_PDF = "dir-2009-71-skolgang.pdf"
HD_PDF = "hd-dom-T-170-08.pdf"
FONT_PDF = "custom-font-encoding.pdf"


@dataclass
class Parsed:
    raw: RawDocument
    cleaned: CleanResult
    md: DocMetadata
    text: str
    chunks: list[Chunk]


def parse(path: Path, chunk_chars: int = 1000, overlap: int = 120) -> Parsed:
    raw = read_file(path, path.read_bytes(), MAX_BYTES)
    cleaned = clean_pages(raw.pages, raw.paged)
    md = extract_metadata(cleaned.blocks, cleaned.header_dnrs, path.stem)
    text, chunks = chunk_document(path.stem, md.title, cleaned.blocks, chunk_chars, overlap)
    return Parsed(raw, cleaned, md, text, chunks)


def parsed_documents() -> dict[str, Parsed]:
    """The four statements and the three PDFs, parsed."""
    parsed = {name: parse(CORPUS / name) for name in STATEMENTS}
    parsed.update({name: parse(DATA / name) for name in (DIR_PDF, HD_PDF, FONT_PDF)})
    return parsed


def sections(doc: Parsed) -> list[str]:
    return list(dict.fromkeys(c.section for c in doc.chunks))


def lines(text: str) -> list[str]:
    return [ln.strip() for ln in text.splitlines()]
