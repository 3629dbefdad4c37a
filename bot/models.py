"""The answer object every front end (CLI, Slack, evaluation) receives from the engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Filters:
    """Metadata filters for retrieval; None means no filter on that field."""

    dnr: str | None = None
    year: int | None = None
    type: str | None = None
    source: str | None = None

    def is_empty(self) -> bool:
        return not any((self.dnr, self.year, self.type, self.source))


@dataclass
class Citation:
    n: int
    chunk_id: str
    doc_id: str
    source: str
    title: str | None
    dnr: str | None
    date: str | None
    section: str | None
    page: str | None  # "3" or "3-4"; None for text files
    text: str  # the quoted passage, trimmed around the answering sentences
    full_text: str  # the whole chunk
    score: float
    doc_type: str | None = None
    ref: str | None = None  # the document's own id: "Dir. 2019:91", "UTBF 2024/6786"

    def identity(self) -> tuple[str | None, str | None, bool]:
        """What a citation shows after the title: the kind, the document's own id, and whether
        that id is a Dnr (shown with its label, "Dnr UTBF 2024/6786")."""
        ident = self.ref or self.dnr
        return self.doc_type, ident, bool(self.dnr) and ident == self.dnr

    def to_json(self) -> dict:
        d = asdict(self)
        d.pop("full_text")
        return d


@dataclass
class Answer:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    nearest: list[Citation] = field(default_factory=list)  # shown only when refused
    lang: str = "sv"
    grounded: bool = True
    timings_ms: dict[str, float] = field(default_factory=dict)
    resolved_question: str | None = None  # the question as read with earlier ones (follow-ups)
    mode: str = "extractive"  # or "generative"
    llm: str | None = None  # "provider/model" asked, in generative mode (even when it fell back)
    fallback: bool = False  # generative mode gave the extractive answer instead (see note)
    note: str | None = None  # shown with the answer: why the model's answer is not given

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "nearest": [c.to_json() for c in self.nearest],
            "lang": self.lang,
            "grounded": self.grounded,
            "resolved_question": self.resolved_question,
            "mode": self.mode,
            "llm": self.llm,
            "fallback": self.fallback,
            "note": self.note,
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }
