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
    exclude_sources: tuple[str, ...] = ()  # passages from these files are left out

    def is_empty(self) -> bool:
        return not any((self.dnr, self.year, self.type, self.source, self.exclude_sources))


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


OUTCOMES = ("answer", "passages", "refused")


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
    # "answer": sentences that answer, quoted and cited; "passages": the documents cover the topic
    # but no sentence answers, the best passages are shown (in ``nearest``); "refused": nothing
    # relevant. ``refused`` is true for both non-answers.
    outcome: str = ""
    support: float | None = None  # the support score the refusal threshold is compared with
    confidence: float | None = None  # the judge's probability that the quote answers
    features: dict[str, float] = field(default_factory=dict)  # the judge's inputs (for `fit`)

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = "refused" if self.refused else "answer"
        elif self.outcome not in OUTCOMES:
            raise ValueError(f"Answer.outcome must be one of {OUTCOMES}, not {self.outcome!r}")
        elif self.refused != (self.outcome != "answer"):
            raise ValueError("Answer.refused must be true exactly when outcome is not 'answer'")

    def to_json(self) -> dict:
        return {
            "question": self.question,
            "answer": self.answer,
            "refused": self.refused,
            "outcome": self.outcome,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
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
