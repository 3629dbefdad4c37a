"""The grounding check run before any answer is returned (extractive or generative).

Every [n] must refer to a listed citation, and every sentence given as a quote must occur
verbatim (whitespace aside) in the passage it cites.
"""

from __future__ import annotations

import re

from bot.models import Answer

_MARK = re.compile(r"\[(\d+)\]")
_QUOTED = re.compile(r"[”“\"„«]([^”“\"„»]{8,})[”“\"»]")


def _squash(text: str) -> str:
    return " ".join(text.split())


def check_grounding(answer: Answer) -> tuple[bool, list[str]]:
    if answer.refused:
        return True, []
    problems: list[str] = []
    by_n = {c.n: c for c in answer.citations}
    marks = _MARK.findall(answer.answer)
    if not marks:
        problems.append("the answer cites nothing")
    for n in marks:
        if int(n) not in by_n:
            problems.append(f"[{n}] refers to no listed citation")
    if answer.mode == "generative":  # prose: only what it puts in quotation marks is a quote
        cited = [by_n[int(n)] for n in marks if int(n) in by_n]
        for quote in _QUOTED.findall(answer.answer):
            q = _squash(quote).strip(" .,")
            if not any(q in _squash(c.full_text) for c in cited):
                problems.append(f"quote not found verbatim in the cited passages: {q[:80]!r}")
        return not problems, problems
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
