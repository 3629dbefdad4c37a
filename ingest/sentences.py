"""Swedish sentence boundaries as character spans, keeping abbreviations (m.fl., bl.a., t.ex.) whole."""

from __future__ import annotations

import re

from ingest.lexicon import ABBREVIATIONS

_BOUNDARY = re.compile(r"[.!?]+[”\"»)]?\s+(?=[A-ZÅÄÖÉ0-9”\"«(–-])|\n+")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans (absolute offsets into ``text``) of the sentences in text[start:end]."""
    end = len(text) if end is None else end
    spans = []
    cur = start
    for m in _BOUNDARY.finditer(text, start, end):
        before = text[cur : m.start()].rsplit(None, 1)
        last = before[-1].lower().rstrip(".").lstrip('("”«[') if before else ""  # "(t.ex."
        if (
            m.group(0)[0] == "."
            and "\n" not in m.group(0)
            and (last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()))
        ):
            continue
        stop = m.start() + len(m.group(0).rstrip())
        if text[cur:stop].strip():
            spans.append(_trim(text, cur, stop))
        cur = m.end()
    if text[cur:end].strip():
        spans.append(_trim(text, cur, end))
    return spans


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if text[a : a + 2] == "- ":  # list item marker is not part of the sentence
        a += 2
    return a, b
