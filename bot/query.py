"""Reading a question: language, follow-ups ("och Rinkebyskolan då?") and normalisation."""

from __future__ import annotations

import re

from ingest.lexicon import (
    ENGLISH_MARKERS,
    FOLLOW_UP_START,
    PROPER_NAME,
    QUESTION_OPENERS,
    SWEDISH_MARKERS,
)

_EN = ENGLISH_MARKERS
_SV = SWEDISH_MARKERS


def detect_language(question: str) -> str:
    words = re.findall(r"[a-zåäöé]+", question.lower())
    en = sum(w in _EN for w in words)
    sv = sum(w in _SV for w in words) + 2 * bool(re.search(r"[åäö]", question.lower()))
    return "en" if en > sv else "sv"


def is_follow_up(question: str) -> bool:
    q = question.strip()
    words = q.split()
    return bool(FOLLOW_UP_START.match(q)) or (
        len(words) <= 4 and q.lower().rstrip("?").endswith(" då")
    )


def resolve_follow_up(question: str, history: list[str] | None) -> str:
    """Read a short follow-up together with the previous question.

    The new names replace the previous question's names ("Vilket stöd har Rinkebyskolan fått?"
    + "och Grimstaskolan?" -> "Vilket stöd har Grimstaskolan fått?"); without names to swap the
    two are read together.
    """
    if not history or not is_follow_up(question):
        return question
    previous = history[-1]
    core = FOLLOW_UP_START.sub("", question.strip()).strip()
    core = re.sub(r"\s*\bdå\b\s*\??$", "", core).strip(" ?")
    new_names = [m.group(0) for m in PROPER_NAME.finditer(core)]
    old_names = [m.group(0) for m in PROPER_NAME.finditer(previous)][1:] or [
        m.group(0) for m in PROPER_NAME.finditer(previous)
    ]
    old_names = [n for n in old_names if n not in QUESTION_OPENERS]
    if new_names and old_names:
        resolved = previous
        for i, old in enumerate(old_names[: len(new_names)]):
            resolved = resolved.replace(old, new_names[i])
        return resolved
    return f"{previous.rstrip('?')} – {core}?"
