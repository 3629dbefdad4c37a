"""The question, read once: language, follow-up resolved, what kind of answer it wants, what it
names. The engine builds one ``Question`` per call and hands it to every stage (retrieval,
sentence selection, the judge, composition) so that no stage parses the string again."""

from __future__ import annotations

from dataclasses import dataclass

from bot.query import detect_language, resolve_follow_up
from bot.support import WantedType, wanted_type
from ingest.families import DocId, ids_in_text
from ingest.keywords import words
from ingest.lexicon import PROPER_NAME, QUESTION_OPENERS, QUESTION_WORDS, years
from ingest.lexicon.questions import (
    DEADLINE_QUESTION,
    DECISION_QUESTION,
    DEFINITION_QUESTION,
    IN_FORCE_QUESTION,
    WHY,
)


@dataclass(frozen=True)
class Question:
    text: str  # as asked
    resolved: str  # read together with the earlier questions (follow-ups); else the same text
    lang: str  # "sv" or "en"
    wanted: WantedType  # ("date", ""), ("count", "skolor"), ("name", "") …; None: no type
    why: bool  # asks for a reason
    # the kind whose answers have a cue phrase: deadline, in_force, reason, definition, decision
    cue: str | None
    ids: tuple[DocId, ...]  # document ids it mentions (Dnr, motion, SOU …: ingest/families.toml)
    names: tuple[str, ...]  # capitalised names it mentions ("Rinkebyskolan")
    content: frozenset[str]  # its words that are not question words or common verbs
    years: frozenset[int]  # the years it names ("under 2025")

    @property
    def expects_type(self) -> bool:
        """Wants a number, an amount, a date, a name or a definition."""
        return self.wanted is not None

    @property
    def is_follow_up(self) -> bool:
        return self.resolved != self.text

    @property
    def names_something(self) -> bool:
        """Has it a word to look up? "Hur går det till?" names nothing."""
        return bool(self.content)


def parse(text: str, history: list[str] | None = None) -> Question:
    resolved = resolve_follow_up(text, history)
    why = bool(WHY.match(resolved.strip()))
    cue = (
        "deadline"
        if DEADLINE_QUESTION.search(resolved)
        else "in_force"
        if IN_FORCE_QUESTION.search(resolved)
        else "reason"
        if why
        else "definition"
        if DEFINITION_QUESTION.search(resolved)
        else "decision"
        if DECISION_QUESTION.search(resolved.strip())
        else None
    )
    ids = tuple(ids_in_text(resolved))
    names = tuple(
        n
        for n in dict.fromkeys(m.group(0) for m in PROPER_NAME.finditer(resolved))
        if n not in QUESTION_OPENERS
    )
    return Question(
        text=text,
        resolved=resolved,
        lang=detect_language(text),
        wanted=wanted_type(resolved),
        why=why,
        cue=cue,
        ids=ids,
        names=names,
        content=frozenset(w for w in words(resolved) if w not in QUESTION_WORDS),
        years=frozenset(years(resolved)),
    )
