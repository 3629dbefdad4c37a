"""What the reader is shown of a passage that is not quoted: the part around its best-ranked
sentence, whether the bot shows passages instead of an answer or lists a source it does not
quote (real engine on the bundled index)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_answers import SKARHOLMEN, _squash


def test_passages_shown_instead_of_an_answer_show_where_each_comes_closest(
    engine, bundled_settings, embedder
):
    """A bot that may not answer (a wrong answer made very dear) shows the passages; each
    excerpt is the part around the passage's best sentence, not its opening, so the sentence
    the bot would have quoted is there to read."""
    from bot.engine import Engine
    from bot.evaluation.testset import load_testset

    unsure = Engine.from_settings(
        bundled_settings.model_copy(update={"wrong_answer_cost": 1e6}), embedder
    )
    testset = Path(__file__).resolve().parents[1] / "eval" / "testset.jsonl"
    cases = [c for c in load_testset(testset) if c.answerable][:12]
    checked = deep = 0
    for case in cases:
        answer, shown = engine.answer(case.question), unsure.answer(case.question)
        if answer.outcome != "answer" or shown.outcome != "passages":
            continue  # not answered, or answered without the judge (a document named by its id)
        assert shown.refused and not shown.citations
        best = answer.answer.split(" [")[0].strip()  # the first sentence it would quote
        assert _squash(best) in _squash(" ".join(c.text for c in shown.nearest)), case.id
        cited = next(c for c in shown.nearest if _squash(best) in _squash(c.full_text))
        checked += 1
        deep += cited.full_text.find(best[:40]) > 320  # past the opening shown before
    assert checked >= 6 and deep  # some are sentences the passage's opening would have hidden


def test_a_cited_passage_the_answer_does_not_quote_is_shown_where_it_comes_closest(engine):
    """The statement gives its reason twice, in its summary and in its body: the answer quotes
    one, and the other passage is shown around that sentence, not by its opening (which stops
    just before it)."""
    answer = engine.answer(SKARHOLMEN)
    quoted = {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)}
    best = answer.answer.split(" [")[0].strip()
    others = [
        c for c in answer.citations if c.n not in quoted and _squash(best) in _squash(c.full_text)
    ]
    assert others
    for c in others:
        assert _squash(best) in _squash(c.text)
