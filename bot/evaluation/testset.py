"""The test-set format: JSONL, one question a line; errors name the file, line and field."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import UtbotError

LIST_FIELDS = ("expected_sources", "evidence", "answer_keywords")
KNOWN_FIELDS = {"id", "question", "answerable", "kind", "note", *LIST_FIELDS}


class InvalidTestsetError(UtbotError):
    """A test-set line that cannot be used; the message names file, line and field."""

    def __init__(self, path: Path | str, line: int, field_name: str | None, reason: str):
        where = f"{path}:{line}"
        if field_name:
            where += f": field '{field_name}'"
        super().__init__(f"{where}: {reason}")
        self.path = str(path)
        self.line = line
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class EvalCase:
    """One question of a test set."""

    id: str
    question: str
    answerable: bool = True
    expected_sources: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    answer_keywords: tuple[str, ...] = ()
    kind: str = "general"
    note: str | None = None
    line: int = field(default=0, compare=False)

    @property
    def has_targets(self) -> bool:
        """Whether hit@k can be scored: evidence or expected sources are given."""
        return bool(self.evidence or self.expected_sources)


def load_testset(path: Path | str) -> list[EvalCase]:
    """Read and validate a test set; the first bad line raises InvalidTestsetError."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidTestsetError(path, 0, None, f"cannot read the file ({exc})") from exc
    cases: list[EvalCase] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        case = parse_line(raw, path, number)
        if case.id in seen:
            raise InvalidTestsetError(
                path, number, "id", f"duplicate id {case.id!r} (first on line {seen[case.id]})"
            )
        seen[case.id] = number
        cases.append(case)
    if not cases:
        raise InvalidTestsetError(path, 0, None, "no questions in the file")
    return cases


def parse_line(raw: str, path: Path | str = "<testset>", number: int = 1) -> EvalCase:
    """One JSONL line to an EvalCase, or an InvalidTestsetError naming what is wrong."""

    def fail(field_name: str | None, reason: str) -> InvalidTestsetError:
        return InvalidTestsetError(path, number, field_name, reason)

    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise fail(None, f"not valid JSON ({exc.msg} at column {exc.colno})") from exc
    if not isinstance(obj, dict):
        raise fail(None, "each line must be a JSON object")
    unknown = sorted(set(obj) - KNOWN_FIELDS)
    if unknown:
        allowed = ", ".join(sorted(KNOWN_FIELDS))
        raise fail(unknown[0], f"unknown field (allowed: {allowed})")
    for name in ("id", "question"):
        value = obj.get(name)
        if not isinstance(value, str) or not value.strip():
            raise fail(name, "required, a non-empty string")
    answerable = obj.get("answerable", True)
    if not isinstance(answerable, bool):
        raise fail("answerable", "must be true or false")
    lists: dict[str, tuple[str, ...]] = {}
    for name in LIST_FIELDS:
        value = obj.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise fail(name, "must be a list of non-empty strings")
        lists[name] = tuple(v.strip() for v in value)
    kind = obj.get("kind", "general")
    if not isinstance(kind, str) or not kind.strip():
        raise fail("kind", "must be a non-empty string")
    note = obj.get("note")
    if note is not None and not isinstance(note, str):
        raise fail("note", "must be a string")
    if not answerable:
        for name in ("expected_sources", "evidence"):
            if lists[name]:
                raise fail(name, "an unanswerable question cannot have " + name)
    return EvalCase(
        id=obj["id"].strip(),
        question=obj["question"].strip(),
        answerable=answerable,
        kind=kind.strip(),
        note=note,
        line=number,
        **lists,
    )
