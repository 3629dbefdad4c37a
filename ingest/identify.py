"""Which family a document is, and what that family says of it: its own id, date, title and type.

Works on the document's first lines as written (a kind line, an id line, "Publicerad …" and a
``# title`` are separate lines there, whatever paragraphs the cleaner joins them into) and on its
blocks (a Markdown title, headings). A document of no known family gets its first heading or first
substantial line as title, a date if its head gives one, and no id beyond those the statement
reader found (a Dnr, a motion number).
"""

from __future__ import annotations

import re

from ingest.cleaning import Block, normalise_chars
from ingest.families import Family, Table, ids_in_text, keys_for, load, parse_date
from ingest.lexicon import ISO_DATE, LONG_DATE
from ingest.metadata import DocMetadata

_ANY_DATE = re.compile(rf"(?P<iso>{ISO_DATE})|" + LONG_DATE, re.I)
_MARKDOWN = re.compile(r"^#{1,6}\s+")
# an id line may hold a label besides the id ("Diarienummer", "Mål nr"), not a sentence
_ID_LINE_LETTERS = 15
# a head line of at most this many letters besides ids and dates is a header line ("Dir.")
_HEADER_LETTERS = 3
# a title longer than this (a first paragraph standing in for one) is cut at a word
_TITLE_CHARS = 160


def head_lines(first_page: str, table: Table) -> list[str]:
    lines = [ln.strip() for ln in normalise_chars(first_page).split("\n")]
    return [ln for ln in lines if ln][: table.head_lines]


def describe(
    md: DocMetadata, blocks: list[Block], first_page: str, table: Table | None = None
) -> list[Block]:
    """Fill in md's family, ref and id_keys, and the title, type and date its family gives.
    Returns the blocks to index: for a family whose title rule is "heading", without the head's
    kind, id and date lines (citations show them; as body text they would answer "what is X
    about?" with "Promemoria U2025/02137 Publicerad 2025-11-04")."""
    table = table or load()
    head = head_lines(first_page, table)
    head_text = "\n".join(_MARKDOWN.sub("", ln) for ln in head)
    body = "\n".join(b.text for b in blocks)
    family = _family(table, head, head_text, body)
    md.family = family.name if family else None
    if family:
        if family.id_scope == "body":  # a statement names other ids too: the first of its own kind
            own = ids_in_text(body, table, family.schemes)
            own = sorted(own, key=lambda d: family.schemes.index(d.scheme))
        else:  # an id line of the head, not an id the first paragraph refers to
            own = [
                d
                for d in ids_in_text(head_text, table, family.schemes)
                if _id_line(head_text, d, table)
            ]
        md.ref = own[0].display if own else None
        if not md.ref and md.dnr and "dnr" in family.schemes:  # a Dnr from a page header
            md.ref = md.dnr
        if family.doc_type != "keep":
            md.doc_type = family.doc_type
        elif not md.doc_type:
            md.doc_type = family.name
        if family.title == "heading" or not md.title or md.title_from == "filename":
            md.title, md.title_from = _title(family, head, blocks, table) or (
                md.title,
                md.title_from,
            )
        md.date = _cued_date(family, head_text) or md.date or _first_date(head_text)
    else:
        md.title, md.title_from = _title(None, head, blocks, table) or (md.title, md.title_from)
        md.date = md.date or _first_date(head_text)
    if md.date and not md.year:
        md.year = int(md.date[:4])
    md.id_keys = keys_for({"ref": md.ref, "dnr": md.dnr, "motion_number": md.motion_number})
    if family and family.title == "heading":
        return _without_header_lines(blocks, head, table)
    return blocks


def _without_header_lines(blocks: list[Block], head: list[str], table: Table) -> list[Block]:
    kinds = [p for f in table.families for p in f.kind_lines]
    header = [
        ln
        for ln in head
        if any(p.match(ln) for p in kinds)
        or any(p.search(ln) for p in table.label_lines)
        or _rest_letters(ln, table) <= _HEADER_LETTERS
    ]
    header.sort(key=len, reverse=True)
    out = []
    for i, b in enumerate(blocks):
        rest = b.text
        for line in header:
            rest = rest.replace(line, " ")
        if i < len(head) and b.kind == "paragraph" and not any(c.isalnum() for c in rest):
            continue
        out.append(b)
    return out


def _family(table: Table, head: list[str], head_text: str, body: str) -> Family | None:
    plain = [_MARKDOWN.sub("", ln) for ln in head[: table.kind_line_within]]
    for fam in table.families:
        if any(p.match(ln) for p in fam.kind_lines for ln in plain):
            return fam
    for fam in table.families:
        scope = body if fam.cue_scope == "body" else body[: table.cue_chars]
        if any(p.search(scope) or p.search(head_text) for p in fam.cues):
            return fam
    return None


def _id_line(text: str, d, table: Table) -> bool:
    """Is the id on a line (or lines, "Dir." above "2009:71") of little else?"""
    start = text.rfind("\n", 0, d.start) + 1
    end = text.find("\n", d.end)
    return _rest_letters(text[start : end if end >= 0 else None], table) <= _ID_LINE_LETTERS


def _rest_letters(line: str, table: Table) -> int:
    for d in reversed(ids_in_text(line, table)):
        line = line[: d.start] + line[d.end :]
    return sum(c.isalpha() for c in _ANY_DATE.sub("", line))


def _cued_date(family: Family, head_text: str) -> str | None:
    for cue in family.date_cues:
        if m := cue.search(head_text):
            return parse_date(m)
    return None


def _first_date(text: str) -> str | None:
    m = _ANY_DATE.search(text)
    return parse_date(m) if m else None


def _title(
    family: Family | None, head: list[str], blocks: list[Block], table: Table
) -> tuple[str, str] | None:
    for b in blocks:
        if b.kind == "title" and _rest_letters(b.text, table) >= table.min_title_chars:
            return b.text, "heading"
    if family:
        for i, line in enumerate(head[:-1]):
            if any(p.match(line) for p in family.title_after):
                return head[i + 1], "text"
    kinds = [p for f in table.families for p in f.kind_lines]
    for line in head:
        if _is_title(line, kinds, table):
            whole = next((b.text for b in blocks if b.text.startswith(line)), line)
            return _short(whole if len(whole) <= 200 else line), "text"
    return None


def _short(title: str) -> str:
    if len(title) <= _TITLE_CHARS:
        return title
    return title[:_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def _is_title(line: str, kinds, table: Table) -> bool:
    line = _MARKDOWN.sub("", line)
    if any(p.match(line) for p in kinds) or any(p.search(line) for p in table.label_lines):
        return False
    letters = _rest_letters(line, table)
    return letters >= table.min_title_chars and not line.isupper() or letters >= 25
