"""The feedback store (real SQLite in a temp dir) and ``feedback export`` to test-set JSONL."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.models import Answer, Citation
from bot.slack.cli import feedback
from bot.slack.feedback import FILENAME, FeedbackStore

SOURCE = "UTBF-2024-6786_att-vanda-skolresultat.txt"


def cited(n: int, source: str = SOURCE) -> Citation:
    return Citation(
        n,
        f"c{n}",
        "d1",
        source,
        "Att vända skolresultat",
        "UTBF 2024/6786",
        "2024-11-20",
        "Grimstaskolan",
        "4",
        "På Grimstaskolan …",
        "full",
        0.8,
    )


def grimsta_answer() -> Answer:
    return Answer(
        question="och Grimstaskolan?",
        answer="Grimstaskolan har fått utbildning i systematiskt kvalitetsarbete [1].",
        refused=False,
        citations=[cited(1), cited(2), cited(3, "2025-11-20_skolverkets-natverk.txt")],
        resolved_question="Vilket stöd har Grimstaskolan fått?",
    )


def test_a_stored_answer_comes_back_as_it_was_posted(tmp_path):
    store = FeedbackStore.beside_index(tmp_path)
    answer_id = store.save_answer(
        grimsta_answer(), history=["Vilket stöd har Rinkebyskolan fått?"], user="U1", channel="C1"
    )
    stored = store.get_answer(answer_id)
    assert (tmp_path / FILENAME).is_file()
    assert stored.answer.citations[0].section == "Grimstaskolan"
    assert stored.answer.resolved_question == "Vilket stöd har Grimstaskolan fått?"
    assert stored.history == ["Vilket stöd har Rinkebyskolan fått?"]
    assert store.get_answer("nope") is None


def test_votes_keep_question_answer_citations_user_channel_time_and_comment(tmp_path):
    store = FeedbackStore.beside_index(tmp_path)
    answer_id = store.save_answer(grimsta_answer(), history=[], user="U1", channel="C1")
    up = store.vote(answer_id, user="U2", channel="C1", vote="up")
    down = store.vote(answer_id, user="U3", channel="C1", vote="down")
    store.comment(down, "Saknar vårterminen 2025")
    again = store.vote(answer_id, user="U2", channel="C1", vote="down")  # a change of mind

    assert again == up
    votes = {v["user"]: v for v in store.votes()}
    assert len(votes) == 2
    assert votes["U2"]["vote"] == "down"
    v = votes["U3"]
    assert v["question"] == "Vilket stöd har Grimstaskolan fått?"
    assert v["answer"].startswith("Grimstaskolan har fått")
    assert [c["n"] for c in json.loads(v["citations"])] == [1, 2, 3]
    assert (v["channel"], v["comment"]) == ("C1", "Saknar vårterminen 2025")
    assert v["time"].endswith("+00:00")


def test_export_writes_the_votes_as_test_set_jsonl(tmp_path):
    store = FeedbackStore.beside_index(tmp_path)
    liked = store.save_answer(grimsta_answer(), history=[], user="U1", channel="C1")
    follow_up = Answer("och Lillholmsskolan?", "Svar.", False, [cited(1)])
    disliked = store.save_answer(
        follow_up, history=["Vilket stöd har Rinkebyskolan fått?"], user="U1", channel="C1"
    )
    store.vote(liked, user="U2", channel="C1", vote="up")
    store.comment(store.vote(disliked, user="U3", channel="C1", vote="down"), "Fel skola")

    out = tmp_path / "out" / "feedback.jsonl"
    result = CliRunner().invoke(feedback, ["export", "--index", str(tmp_path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    up, down = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert set(up) == {
        "id",
        "question",
        "answerable",
        "expected_sources",
        "kind",
        "comment",
        "answer",
    }
    assert up["kind"] == "feedback-up" and up["answerable"] is True
    assert up["question"] == "Vilket stöd har Grimstaskolan fått?"
    assert up["expected_sources"] == ["2025-11-20_skolverkets-natverk.txt", SOURCE]
    assert down["kind"] == "feedback-down" and down["expected_sources"] == []
    assert down["comment"] == "Fel skola"
    assert down["question"] == "Vilket stöd har Rinkebyskolan fått? och Lillholmsskolan?"
    assert up["id"] != down["id"]

    to_stdout = CliRunner().invoke(feedback, ["export", "--index", str(tmp_path)])
    assert to_stdout.exit_code == 0
    assert [json.loads(x)["kind"] for x in to_stdout.stdout.splitlines()] == [
        "feedback-up",
        "feedback-down",
    ]


def test_export_without_any_feedback_says_so(tmp_path):
    result = CliRunner().invoke(feedback, ["export", "--index", str(tmp_path)])
    assert result.exit_code != 0
    assert "No feedback yet" in result.output
