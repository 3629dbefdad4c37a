"""The headings Stockholm's tjänsteutlåtanden use, and a few general ones of Swedish official texts."""

from __future__ import annotations

import re

_HEADINGS = [
    r"förvaltningens förslag till beslut",
    r"förslag till beslut",
    r"sammanfattning",
    r"bakgrund\s*/\s*ärendet",
    r"bakgrund",
    r"ärendet",
    r"ärendebeskrivning",
    r"ärendets beredning",
    r"förvaltningens synpunkter och förslag",
    r"förvaltningens synpunkter",
    r"förvaltningens förslag",
    r"förvaltningens bedömning",
    r"konsekvenser(?: för [\w ,]+)?",
    r"ekonomiska konsekvenser",
    r"bilag(?:a|or)",
    r"beslut",
    r"yttrande",
    r"uppdraget",
    r"domskäl",
    r"domslut",
]
_HEADING_RE = re.compile(
    r"^(?:\d{1,2}(?:\.\d{1,2})*\.?\s+)?(?:" + "|".join(_HEADINGS) + r")\s*:?$", re.I
)
_CAPS_RE = re.compile(r"^[A-ZÅÄÖÉ][A-ZÅÄÖÉ .,/-]{3,58}$")


def is_known_heading(line: str) -> bool:
    """A whole line that is one of the statements' section headings (or an all-caps heading)."""
    text = line.strip()
    if not text or len(text) > 90:
        return False
    if _HEADING_RE.match(text):
        return True
    return bool(_CAPS_RE.match(text)) and sum(c.isalpha() for c in text) >= 4


def canonical_section(title: str) -> str:
    """The heading as the documents write it, with its first letter upper-case."""
    text = " ".join(title.split()).rstrip(":")
    return text[:1].upper() + text[1:]
