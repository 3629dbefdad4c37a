"""Files to raw page texts: .txt/.md (with encoding fallback), .pdf (text layer), .docx.

A reader either returns pages of text or raises :class:`IngestFileError` with a reason a person
can act on. PDFs go through pdfminer.six (MIT), whose layout analysis keeps words whole where
simpler extractors split them ("kompl ettera").
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import IngestFileError

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx")


@dataclass
class RawDocument:
    path: Path
    pages: list[str]  # one entry per page; a text file without form feeds is one "page"
    paged: bool  # True when page numbers are real (PDF, or text with form feeds)
    notes: list[str] = field(default_factory=list)  # e.g. which encoding was used


def read_file(path: Path, data: bytes, max_bytes: int) -> RawDocument:
    """Read one file's bytes; raise IngestFileError naming the reason."""
    shown = str(path)
    if len(data) > max_bytes:
        raise IngestFileError(
            shown,
            f"file is {len(data) / 1e6:.1f} MB, above the {max_bytes / 1e6:.0f} MB limit "
            "(raise UTBOT_MAX_FILE_MB if it really is one statement)",
        )
    if not data.strip():
        raise IngestFileError(shown, "file is empty; nothing to index")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return _read_pdf(path, data)
    if suffix == ".docx":
        return _read_docx(path, data)
    if suffix in (".txt", ".md"):
        return _read_text(path, data)
    raise IngestFileError(
        shown, f"unsupported file type {suffix!r}; supported: {', '.join(SUPPORTED_SUFFIXES)}"
    )


def _read_text(path: Path, data: bytes) -> RawDocument:
    if b"\x00" in data[:4096]:
        raise IngestFileError(str(path), "file looks binary (NUL bytes), not text")
    notes = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
            used = "cp1252"
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            used = "latin-1"
        notes.append(f"not valid UTF-8; decoded as {used}")
    pages = text.split("\f")
    return RawDocument(path, pages, paged=len(pages) > 1, notes=notes)


def _read_pdf(path: Path, data: bytes) -> RawDocument:
    shown = str(path)
    if not data.lstrip()[:5] == b"%PDF-":
        raise IngestFileError(shown, "not a PDF (no %PDF- header); the file is damaged or misnamed")
    from pdfminer.high_level import extract_text
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        n_pages = sum(1 for _ in PDFPage.get_pages(io.BytesIO(data)))
        pages = [extract_text(io.BytesIO(data), page_numbers=[i]) for i in range(n_pages)]
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise IngestFileError(
            shown, f"PDF is encrypted ({type(exc).__name__}); save an unprotected copy and re-run"
        ) from exc
    except PDFSyntaxError as exc:
        raise IngestFileError(shown, f"PDF cannot be parsed ({exc}); the file is damaged") from exc
    except Exception as exc:  # pdfminer raises many internal types on broken files
        if "encrypt" in str(exc).lower() or "password" in str(exc).lower():
            raise IngestFileError(
                shown, "PDF is encrypted; save an unprotected copy and re-run"
            ) from exc
        raise IngestFileError(shown, f"PDF cannot be read ({type(exc).__name__}: {exc})") from exc
    if not n_pages:
        raise IngestFileError(shown, "PDF has no pages")
    if (
        sum(len(p.strip()) for p in pages) < 20 * n_pages
        and sum(len(p.strip()) for p in pages) < 200
    ):
        raise IngestFileError(
            shown,
            f"PDF has no text layer ({n_pages} page(s) of images, probably scanned); "
            "run OCR first (e.g. ocrmypdf -l swe) and ingest the result",
        )
    return RawDocument(path, pages, paged=True)


def _read_docx(path: Path, data: bytes) -> RawDocument:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise IngestFileError(str(path), "not a .docx (not a zip archive); damaged or misnamed")
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise IngestFileError(str(path), f".docx cannot be read ({exc})") from exc
    lines = []
    for para in document.paragraphs:
        text = para.text.strip()
        style = (para.style.name or "").lower() if para.style is not None else ""
        if text and "list" in style:
            text = "\u2022 " + text
        lines.append(text)
        lines.append("")
    return RawDocument(path, ["\n".join(lines)], paged=False)
