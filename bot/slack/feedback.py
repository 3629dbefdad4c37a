"""Answers posted in Slack and the 👍/👎 votes on them, in ``feedback.sqlite3`` beside the index.

Every answer the bot posts is recorded (so a button click can find its question, answer and
citations, and "Visa fler källor" can re-render it); every vote copies that record together with
the voter, channel, time and an optional comment. :func:`export_jsonl` writes the votes in the
evaluation's test-set format, so a 👎 becomes a test case.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from bot.models import Answer, Citation

FILENAME = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    question TEXT NOT NULL,
    history TEXT NOT NULL,
    resolved_question TEXT,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    citations TEXT NOT NULL,
    nearest TEXT NOT NULL,
    user TEXT,
    channel TEXT,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    answer_id TEXT NOT NULL REFERENCES answers(id),
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    citations TEXT NOT NULL,
    user TEXT NOT NULL,
    channel TEXT,
    time TEXT NOT NULL,
    vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    comment TEXT,
    UNIQUE (answer_id, user)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _citation(d: dict) -> Citation:
    return Citation(**{**d, "full_text": d.get("text", "")})


@dataclass
class StoredAnswer:
    id: str
    answer: Answer
    history: list[str]
    user: str | None
    channel: str | None


class FeedbackStore:
    """SQLite store; one short connection per call, so any listener thread may use it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(_SCHEMA)

    @classmethod
    def beside_index(cls, index_path: Path) -> FeedbackStore:
        return cls(Path(index_path) / FILENAME)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=10)) as db:
            db.row_factory = sqlite3.Row
            with db:  # one transaction: commit on success, roll back on error
                yield db

    def save_answer(
        self, answer: Answer, *, history: list[str], user: str | None, channel: str | None
    ) -> str:
        answer_id = uuid.uuid4().hex
        with self._db() as db:
            db.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer_id,
                    answer.question,
                    json.dumps(history, ensure_ascii=False),
                    answer.resolved_question,
                    answer.answer,
                    int(answer.refused),
                    json.dumps([c.to_json() for c in answer.citations], ensure_ascii=False),
                    json.dumps([c.to_json() for c in answer.nearest], ensure_ascii=False),
                    user,
                    channel,
                    _now(),
                ),
            )
        return answer_id

    def get_answer(self, answer_id: str) -> StoredAnswer | None:
        with self._db() as db:
            row = db.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            return None
        answer = Answer(
            question=row["question"],
            answer=row["answer"],
            refused=bool(row["refused"]),
            citations=[_citation(d) for d in json.loads(row["citations"])],
            nearest=[_citation(d) for d in json.loads(row["nearest"])],
            resolved_question=row["resolved_question"],
        )
        return StoredAnswer(
            row["id"], answer, json.loads(row["history"]), row["user"], row["channel"]
        )

    def vote(self, answer_id: str, *, user: str, channel: str | None, vote: str) -> int:
        """Record (or change) ``user``'s vote on an answer; returns the vote's id."""
        if vote not in ("up", "down"):
            raise ValueError(f"vote must be 'up' or 'down', not {vote!r}")
        with self._db() as db:
            row = db.execute("SELECT * FROM answers WHERE id = ?", (answer_id,)).fetchone()
            if row is None:
                raise KeyError(f"unknown answer {answer_id}")
            question = row["resolved_question"] or _self_contained(
                row["question"], json.loads(row["history"])
            )
            db.execute(
                "INSERT INTO votes"
                " (answer_id, question, answer, citations, user, channel, time, vote)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (answer_id, user) DO UPDATE SET"
                " vote = excluded.vote, time = excluded.time, channel = excluded.channel",
                (answer_id, question, row["answer"], row["citations"], user, channel, _now(), vote),
            )
            (vote_id,) = db.execute(
                "SELECT id FROM votes WHERE answer_id = ? AND user = ?", (answer_id, user)
            ).fetchone()
        return int(vote_id)

    def comment(self, vote_id: int, text: str) -> None:
        with self._db() as db:
            db.execute("UPDATE votes SET comment = ? WHERE id = ?", (text.strip() or None, vote_id))

    def votes(self) -> list[dict]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM votes ORDER BY id").fetchall()
        return [dict(r) for r in rows]


def _self_contained(question: str, history: list[str]) -> str:
    """A follow-up without the engine's reading of it: the earlier questions, then this one."""
    return " ".join([*history, question]) if history else question


def to_test_case(vote: dict) -> dict:
    """One vote as a test-set record; a 👍 names the cited source files as expected sources."""
    citations = json.loads(vote["citations"])
    sources = sorted({c["source"] for c in citations if c.get("source")})
    up = vote["vote"] == "up"
    return {
        "id": f"feedback-{vote['id']}",
        "question": vote["question"],
        "answerable": True,
        "expected_sources": sources if up else [],
        "kind": "feedback-up" if up else "feedback-down",
        "comment": vote["comment"] or "",
        "answer": vote["answer"],
    }


def export_jsonl(store: FeedbackStore, out: IO[str]) -> int:
    """Write every vote as one JSON line; returns the number written."""
    n = 0
    for vote in store.votes():
        out.write(json.dumps(to_test_case(vote), ensure_ascii=False) + "\n")
        n += 1
    return n
