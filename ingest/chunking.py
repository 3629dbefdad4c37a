"""Blocks to clean text and section-aware chunks with stable ids and character offsets.

A chunk never straddles two sections; a long section splits at paragraphs, then at sentences, with
a small overlap. The chunk's text is exactly ``clean_text[start:end]``, so every quote is verbatim.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ingest.cleaning import Block
from ingest.sections import canonical_section
from ingest.sentences import sentence_spans

PREAMBLE = "Inledning"


@dataclass
class Unit:
    start: int
    end: int
    page: int | None
    last_page: int | None


@dataclass
class Section:
    path: list[str]
    units: list[Unit] = field(default_factory=list)


@dataclass
class Chunk:
    id: str
    doc_id: str
    ordinal: int
    text: str
    index_text: str  # what is embedded and keyword-indexed: title and section, then the text
    section_path: list[str]
    start: int
    end: int
    page_start: int | None
    page_end: int | None

    @property
    def section(self) -> str:
        return " > ".join(self.section_path)

    @property
    def pages(self) -> str | None:
        if self.page_start is None:
            return None
        if self.page_end and self.page_end != self.page_start:
            return f"{self.page_start}-{self.page_end}"
        return str(self.page_start)


def render(blocks: list[Block]) -> tuple[str, list[Section]]:
    """Clean text of the blocks, and its sections (heading path + the spans under it)."""
    parts: list[str] = []
    pos = 0
    sections: list[Section] = [Section([PREAMBLE])]
    heading: str | None = None

    def emit(text: str, sep: str) -> tuple[int, int]:
        nonlocal pos
        start = pos
        parts.append(text + sep)
        pos += len(text) + len(sep)
        return start, start + len(text)

    for i, b in enumerate(blocks):
        nxt_kind = blocks[i + 1].kind if i + 1 < len(blocks) else None
        if b.kind == "title":  # the document's title heads every chunk's indexed text instead
            continue
        if b.kind == "heading":
            heading = canonical_section(b.text)
            emit(b.text, "\n\n")
            sections.append(Section([heading]))
        elif b.kind == "subheading":
            emit(b.text, "\n\n")
            sections.append(Section(([heading] if heading else []) + [canonical_section(b.text)]))
        else:
            numbered = b.text[:1].isdigit()
            text = f"- {b.text}" if b.kind == "item" and not numbered else b.text
            tight = b.kind in ("item", "signature") and nxt_kind == b.kind
            start, end = emit(text, "\n" if tight else "\n\n")
            sections[-1].units.append(Unit(start, end, b.page, b.last_page))
    return "".join(parts).rstrip() + "\n", [s for s in sections if s.units]


def chunk_document(
    doc_id: str, title: str | None, blocks: list[Block], chunk_chars: int, overlap: int
) -> tuple[str, list[Chunk]]:
    text, sections = render(blocks)
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for section in sections:
        for start, end, pages in _pack(text, section.units, chunk_chars, overlap):
            body = text[start:end]
            header = " – ".join(p for p in [title, *section.path] if p)
            index_text = f"{header}\n{body}"
            digest = hashlib.sha1(index_text.encode("utf-8")).hexdigest()[:12]
            n = seen.get(digest, 0)
            seen[digest] = n + 1
            chunk_id = f"{doc_id}:{digest}" + (f"-{n}" if n else "")
            chunks.append(
                Chunk(
                    chunk_id,
                    doc_id,
                    len(chunks),
                    body,
                    index_text,
                    section.path,
                    start,
                    end,
                    pages[0],
                    pages[1],
                )
            )
    return text, chunks


def _pack(text: str, units: list[Unit], size: int, overlap: int):
    """Group a section's units into spans of about ``size`` characters."""
    pieces: list[Unit] = []
    for u in units:
        if u.end - u.start <= size:
            pieces.append(u)
        else:  # a long paragraph: its sentences
            pieces.extend(
                Unit(a, b, u.page, u.last_page) for a, b in sentence_spans(text, u.start, u.end)
            )
    group: list[Unit] = []
    for piece in pieces:
        if group and piece.end - group[0].start > size:
            yield _span(group)
            tail = [p for p in group if group[-1].end - p.start <= overlap and p is not group[0]]
            group = tail
        group.append(piece)
    if group:
        yield _span(group)


def _span(group: list[Unit]) -> tuple[int, int, tuple[int | None, int | None]]:
    pages = [p for u in group for p in (u.page, u.last_page) if p is not None]
    return group[0].start, group[-1].end, ((min(pages), max(pages)) if pages else (None, None))
