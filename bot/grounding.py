"""The grounding check run before any answer is returned (extractive or generative).

Every [n] must refer to a listed citation, and every sentence given as a quote must occur
verbatim (whitespace aside) in the passage it cites. A generative answer is prose, held to more:
see ``check_generative``.
"""

from __future__ import annotations

import re

from bot.injection import injection_spans, without_injections
from bot.models import Answer
from ingest.sentences import sentence_spans

_MARK = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"[”“\"„«]([^”“\"„»]{8,})[”“\"»]")
_CLAIM_END = re.compile(r"(?:\s*\[\d+\])+[.!?]*")
_WORD = re.compile(r"\w+")


def _squash(text: str) -> str:
    return " ".join(text.split())


def check_grounding(
    answer: Answer, max_unquoted_words: int | None = None
) -> tuple[bool, list[str]]:
    if answer.refused:
        return True, []
    if answer.mode == "generative":
        return check_generative(answer, max_unquoted_words)
    problems: list[str] = []
    by_n = {c.n: c for c in answer.citations}
    marks = _MARK.findall(answer.answer)
    if not marks:
        problems.append("the answer cites nothing")
    for n in marks:
        if int(n) not in by_n:
            problems.append(f"[{n}] refers to no listed citation")
    # each line is a quote followed by its marker(s): "sentence … [2]"
    for line in answer.answer.split("\n"):
        found = _MARK.findall(line)
        quote = _squash(_MARK.sub("", line)).strip(' "”“')
        if not quote or not found:
            continue
        cited = [by_n[int(n)] for n in found if int(n) in by_n]
        if not any(quote in _squash(c.full_text) and quote in _squash(c.text) for c in cited):
            problems.append(f"quote not found verbatim in its cited passage: {quote[:80]!r}")
    return not problems, problems


def check_generative(answer: Answer, max_unquoted_words: int | None) -> tuple[bool, list[str]]:
    """A generative answer: every sentence cites ([n], each a listed citation) and quotes (text
    in quotation marks, verbatim in a passage that sentence cites, and not from a sentence of it
    addressed to a model, see bot.injection); outside its quotes a sentence has at most
    ``max_unquoted_words`` words of framing. A sentence that states without quoting is a claim
    the passages may not make, so the whole answer fails."""
    text = answer.answer
    by_n = {c.n: c for c in answer.citations}
    quotable = {n: _squash(without_injections(c.full_text)) for n, c in by_n.items()}
    injected = _injected_words(answer, quotable)
    problems = [
        f"[{n}] refers to no listed citation" for n in _MARK.findall(text) if int(n) not in by_n
    ]
    quotes = [m for m in _QUOTED.finditer(text)]
    # quotation marks may hold sentence ends: mask them so only the answer's own sentences split
    masked = list(text)
    for m in quotes:
        masked[m.start(1) : m.end(1)] = "x" * (m.end(1) - m.start(1))
    masked_text = "".join(masked)
    for a, b in _sentences(masked_text):
        sentence = text[a:b]
        marks = [int(n) for n in _MARK.findall(sentence)]
        inside = [m for m in quotes if a <= m.start() and m.end() <= b]
        if not marks:
            problems.append(f"a sentence cites no passage: {sentence[:80]!r}")
        if not inside:
            problems.append(f"a sentence quotes nothing: {sentence[:80]!r}")
        for m in inside:
            q = _squash(m.group(1)).strip(" .,")
            if any(q in quotable[n] for n in marks if n in quotable):
                continue
            if any(q in _squash(by_n[n].full_text) for n in marks if n in by_n):
                problems.append(f"quote comes from text addressed to a model: {q[:80]!r}")
            else:
                problems.append(f"quote not found verbatim in the cited passages: {q[:80]!r}")
        rest = _MARK.sub(" ", _QUOTED.sub(" ", sentence))
        echoed = sorted(_words(rest) & injected)
        if echoed:
            problems.append(
                f"repeats text addressed to a model ({', '.join(echoed)}): {sentence[:80]!r}"
            )
        if max_unquoted_words is not None and len(_WORD.findall(rest)) > max_unquoted_words:
            problems.append(
                f"{len(_WORD.findall(rest))} words outside quotation marks (at most "
                f"{max_unquoted_words}): {sentence[:80]!r}"
            )
    if not _MARK.findall(text):
        problems.append("the answer cites nothing")
    return not problems, problems


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text) if len(w) >= 4}


def _injected_words(answer: Answer, quotable: dict[int, str]) -> set[str]:
    """Words that only the passages' sentences addressed to a model use (not their other text, not
    the question): an answer whose own words echo them is following those instructions."""
    said = " ".join(
        c.full_text[a:b] for c in answer.citations for a, b in injection_spans(c.full_text)
    )
    if not said:
        return set()
    return _words(said) - _words(" ".join(quotable.values())) - _words(answer.question)


def _sentences(masked: str) -> list[tuple[int, int]]:
    """Sentence spans of a (quote-masked) answer: a group of [n] markers ends a claim, and the
    text between markers is split at sentence ends too, so every sentence must carry its own."""
    spans, cur = [], 0
    for m in _CLAIM_END.finditer(masked):
        spans.extend(sentence_spans(masked, cur, m.end()))
        cur = m.end()
    spans.extend(sentence_spans(masked, cur, len(masked)))
    return [(a, b) for a, b in spans if any(ch.isalnum() for ch in _MARK.sub("", masked[a:b]))]


def quoted_spans(answer_text: str, passage: str) -> list[tuple[int, int]]:
    """Where the answer's quotes stand in a passage (whitespace aside): what to show of it."""
    spans = []
    for m in _QUOTED.finditer(answer_text):
        words = m.group(1).strip(" .,").split()
        found = re.search(r"\s+".join(map(re.escape, words)), passage) if words else None
        if found:
            spans.append(found.span())
    return spans
