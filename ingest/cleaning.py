"""Raw page text to the blocks a person reads: headings, paragraphs, list items, signatures.

Handles what the statements' PDF extraction leaves behind: repeated page headers and footers
("Tjänsteutlåtande", "Dnr UTBF 2024/6786", "Sida 3 (5)", a repeated short title line, bare page
numbers), hard-wrapped and blank-line-doubled lines, end-of-line hyphenation (keeping suspended
compounds such as "studie- och yrkesvägledning"), bullet glyphs and markdown debris ("**Till**").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ingest.sections import is_known_heading

BULLET = "\u2022"
_BULLET_GLYPHS = "\uf0b7\u2022\u25aa\u25cf\u25e6\u2023\u2043\uf0a7\uf076\uf0d8"
_CHAR_FIXES = {
    "\u00a0": " ",
    "\u00ad": "",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\u2009": " ",
    "\u200b": "",
    "\t": " ",
}
PAGE_MARKER = re.compile(r"^(?:Sida|Sid|Page)\s*\d+\s*(?:\(\s*\d+\s*\)|av \d+|/\s*\d+)?$", re.I)
DNR_LINE = re.compile(r"^Dnr[.:]?\s+([A-ZÅÄÖ0-9][\w .:/-]{3,30})$")
DOC_KIND_LINE = re.compile(r"^Tjänsteutlåtande$", re.I)
BARE_NUMBER = re.compile(r"^\d{1,3}$")
_SUSPENDED_NEXT = {"och", "eller", "samt", "respektive", "resp.", "som", "men", "till", "and", "or"}
_TERMINAL = ".!?"
_ROLE = re.compile(
    r"(direktör|chef|handläggare|ordförande|sekreterare|utredare|controller|strateg)\b", re.I
)
_NAME = r"[A-ZÅÄÖÉ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäöéü]+)?"
NAME_LINE = re.compile(rf"^{_NAME}(?: {_NAME}){{1,2}}(?:\s{{1,}}{_NAME}(?: {_NAME}){{1,2}})?$")


@dataclass
class Line:
    text: str
    page: int | None
    strong_break: bool = False  # a whitespace-only line came before it (a paragraph break)
    weak_break: bool = False  # an empty line came before it (ambiguous in doubled text)
    signature: bool = False


@dataclass
class Block:
    kind: str  # title (a Markdown "# "line) | heading | subheading | paragraph | item | signature
    text: str
    page: int | None
    last_page: int | None = None


@dataclass
class CleanResult:
    blocks: list[Block]
    header_dnrs: list[str]
    removed_lines: list[str]


# Raised whenever cleaning gives a file a different text than before: an index whose catalogue
# records an older version re-reads its unchanged files on the next full ingest (ingest.pipeline),
# reusing the vectors of chunks whose text is the same. 2: Markdown links become their text.
TEXT_VERSION = "2"

# a Markdown link or image, "[text](/url "title")" / "![alt](x.png)": only its text is prose
_MARKDOWN_LINK = re.compile(r'!?\[([^\]\n]{0,500})\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+"[^"\n]*")?\)')

# a Markdown heading: "# Title", "## Section", "### Subsection"
_MARKDOWN_HEADING = re.compile(r"^(#{1,6})\s+(.+?)(?:\s+#+)?$")


def normalise_chars(text: str) -> str:
    for bad, good in _CHAR_FIXES.items():
        text = text.replace(bad, good)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"\(cid:\d+\)", "", text)  # glyphs pdfminer could not map to text
    text = _MARKDOWN_LINK.sub(r"\1", text)
    text = re.sub(r"\*\*([^*\n]{1,60})\*\*", r"\n\1\n", text)  # "…08-50833637**Till**"
    text = text.replace("**", "")
    # a bullet glyph inside a line starts a new list item
    text = re.sub(rf"[ ]+([{_BULLET_GLYPHS}])[ ]+(?=\S)", r"\n\1 ", text)
    return text


def clean_pages(pages: list[str], paged: bool) -> CleanResult:
    """Clean a document's pages into blocks. ``paged``: page numbers are real."""
    lines: list[Line] = []
    for number, page in enumerate(pages, start=1):
        pending_strong = pending_weak = False
        for raw in normalise_chars(page).split("\n"):
            stripped = raw.strip()
            if not stripped:
                if raw:
                    pending_strong = True
                else:
                    pending_weak = True
                continue
            lines.append(Line(stripped, number if paged else None, pending_strong, pending_weak))
            pending_strong = pending_weak = False
        if lines and paged:
            lines.append(Line("", number, True))  # page end: a paragraph may continue past it
    lines = [ln for ln in lines if ln.text or paged]
    removed, dnrs = _drop_headers(lines, paged)
    kept = [ln for i, ln in enumerate(lines) if i not in removed and ln.text]
    # page ends between two lines of one paragraph must not count as a paragraph break
    _mark_signatures(kept)
    blocks = _join(kept)
    blocks = _promote_subheadings(blocks)
    return CleanResult(blocks, dnrs, [lines[i].text for i in sorted(removed)])


def _drop_headers(lines: list[Line], paged: bool) -> tuple[set[int], list[str]]:
    removed: set[int] = set()
    dnrs: list[str] = []
    for i, ln in enumerate(lines):
        t = ln.text
        if PAGE_MARKER.match(t) or DOC_KIND_LINE.match(t):
            removed.add(i)
        elif m := DNR_LINE.match(t):
            removed.add(i)
            dnrs.append(" ".join(m.group(1).split()))
    if paged:
        removed |= _repeated_page_edges(lines)
    # short lines repeated in the document, at least once right beside a page marker: running titles
    counts = Counter(ln.text for ln in lines if 0 < len(ln.text) <= 80)
    after_marker = {j for i in removed for j in range(i + 1, min(len(lines), i + 4))}
    running = {
        lines[j].text
        for j in after_marker
        if j not in removed
        and counts.get(lines[j].text, 0) >= 2
        and lines[j].text[-1:] not in _TERMINAL
        and not is_known_heading(lines[j].text)
    }
    for i, ln in enumerate(lines):
        if ln.text in running:
            removed.add(i)
        elif BARE_NUMBER.match(ln.text) and (
            i == 0 or not lines[i - 1].text or i in removed or i - 1 in removed or ln.strong_break
        ):
            removed.add(i)
    return removed, dnrs


def _repeated_page_edges(lines: list[Line]) -> set[int]:
    """Lines within the first/last three of a page that recur (digits ignored) on other pages."""
    by_page: dict[int, list[int]] = {}
    for i, ln in enumerate(lines):
        if ln.text and ln.page is not None:
            by_page.setdefault(ln.page, []).append(i)
    if len(by_page) < 2:
        return set()
    edge_keys: dict[int, str] = {}
    pages_with: dict[str, set[int]] = {}
    for page, idx in by_page.items():
        for i in idx[:3] + idx[-3:]:
            key = re.sub(r"\d+", "#", lines[i].text.lower())
            edge_keys[i] = key
            pages_with.setdefault(key, set()).add(page)
    need = 2 if len(by_page) <= 3 else max(2, len(by_page) // 3)
    return {i for i, key in edge_keys.items() if len(pages_with[key]) >= need and len(key) <= 100}


def _mark_signatures(lines: list[Line]) -> None:
    """A name line followed by a role line ("Per Törnvall" / "Utbildningsdirektör")."""
    for i in range(len(lines) - 1):
        if (
            NAME_LINE.match(lines[i].text)
            and _ROLE.search(lines[i + 1].text)
            and len(lines[i + 1].text) <= 80
        ):
            lines[i].signature = True
            j = i + 1
            while (
                j < len(lines)
                and j <= i + 3
                and len(lines[j].text) <= 80
                and not is_known_heading(lines[j].text)
                and (
                    _ROLE.search(lines[j].text)
                    or lines[j].text.lower().endswith("förvaltningen")
                    or lines[j].text[:1].islower()
                )
            ):
                lines[j].signature = True
                j += 1


def _starts_item(text: str) -> bool:
    return text[:1] in _BULLET_GLYPHS or bool(re.match(r"^(?:\d{1,2}[.)]|[-–])\s+\S", text))


def _item_text(text: str) -> str:
    if text[:1] in _BULLET_GLYPHS:
        return text[1:].strip()
    return text


def _join(lines: list[Line]) -> list[Block]:
    widths = sorted(len(ln.text) for ln in lines if len(ln.text) > 20)
    width = widths[int(len(widths) * 0.9)] if widths else 60
    blocks: list[Block] = []
    titled = False
    i = 0
    while i < len(lines):
        ln = lines[i]
        if ln.signature:
            blocks.append(Block("signature", ln.text, ln.page, ln.page))
            i += 1
            continue
        if m := _MARKDOWN_HEADING.match(ln.text):
            level = len(m.group(1))
            kind = (
                "title" if level == 1 and not titled else "heading" if level <= 2 else "subheading"
            )
            titled = True
            blocks.append(Block(kind, m.group(2), ln.page, ln.page))
            i += 1
            continue
        if is_known_heading(ln.text):
            text = ln.text
            nxt = lines[i + 1] if i + 1 < len(lines) else None
            if (
                nxt
                and text.lower().startswith("konsekvens")
                and nxt.text[:1].islower()
                and len(nxt.text) <= 40
                and text[-1:] not in _TERMINAL
            ):
                text = f"{text} {nxt.text}"
                i += 1
            blocks.append(Block("heading", text.rstrip(":"), ln.page, ln.page))
            i += 1
            continue
        kind = "item" if _starts_item(ln.text) else "paragraph"
        text = _item_text(ln.text) if kind == "item" else ln.text
        block = Block(kind, text, ln.page, ln.page)
        prev_len = len(ln.text)
        i += 1
        while i < len(lines):
            nxt = lines[i]
            if (
                nxt.signature
                or is_known_heading(nxt.text)
                or _starts_item(nxt.text)
                or _MARKDOWN_HEADING.match(nxt.text)
            ):
                break
            if not _continues(block.text, prev_len, nxt, width):
                break
            block.text = _glue(block.text, nxt.text)
            block.last_page = nxt.page
            prev_len = len(nxt.text)
            i += 1
        block.text = " ".join(block.text.split())
        if any(c.isalnum() for c in block.text):
            blocks.append(block)
    return blocks


def _continues(text: str, prev_len: int, nxt: Line, width: int) -> bool:
    """Is ``nxt`` the wrapped continuation of the paragraph ending in ``text``?"""
    if nxt.strong_break:
        return False
    first = nxt.text[:1]
    end = text[-1:]
    if first.islower() or first.isdigit() or first in '(–-"”»/&':
        return True
    if end in ",;-–" or text.endswith((" och", " eller", " samt", " med", " i", " av", " för")):
        return True
    if end in _TERMINAL or end == ":":
        return not nxt.weak_break and prev_len >= 0.6 * width
    return prev_len >= 0.75 * width


def _glue(left: str, right: str) -> str:
    if re.search(r"\w-$", left):
        first_word = right.split(" ", 1)[0].lower()
        if first_word in _SUSPENDED_NEXT or right[:1].isupper():
            return f"{left} {right}"  # "grund- och gymnasieskolor"
        return left[:-1] + right  # "förskole-\nverksamhet"
    if left.endswith("–") and right[:1].isdigit():
        return left + right  # "2022–\n2024"
    return f"{left} {right}"


def _promote_subheadings(blocks: list[Block]) -> list[Block]:
    """Short standalone lines (school names) and unpunctuated bullet points that head a paragraph."""
    seen_heading = False
    for i, b in enumerate(blocks):
        if b.kind == "heading":
            seen_heading = True
            continue
        if not seen_heading or i + 1 >= len(blocks):
            continue
        nxt = blocks[i + 1]
        if nxt.kind != "paragraph":
            continue
        words = b.text.split()
        if (
            b.kind == "paragraph"
            and len(b.text) <= 60
            and len(words) <= 8
            and b.text[-1:] not in _TERMINAL + ",:;"
            and b.text[:1].isupper()
        ):
            b.kind = "subheading"
        elif b.kind == "item" and b.text[-1:] not in _TERMINAL + ",:;" and len(nxt.text) >= 80:
            b.kind = "subheading"
    return blocks
