"""``python -m bot eval-archive`` end to end on a few documents of the development archive: split,
index (cached, reused), ask, verdicts per part."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.evaluation.archive import askable, choose_documents
from bot.evaluation.cli_archive import eval_archive_cmd, eval_split_cmd
from bot.evaluation.testset import EvalCase, load_testset
from tests.conftest import ROOT

MINI = ROOT / "tests" / "data" / "archive-mini"


def test_subset_takes_the_questions_sources_first_then_distractors():
    docs = sorted((MINI / "dev").glob("*.md"))
    cases = [
        EvalCase("a", "?", expected_sources=("SOU_2006-85.md",)),
        EvalCase("b", "?", expected_sources=("Ds_2004-27.md",)),
        EvalCase("u", "?", answerable=False),
    ]
    two = choose_documents(docs, cases, 2)
    assert [d.name for d in two] == ["Ds_2004-27.md", "SOU_2006-85.md"]
    three = choose_documents(docs, cases, 3)
    assert {d.name for d in three} > {d.name for d in two} and len(three) == 3
    assert [c.id for c in askable(cases, choose_documents(docs, cases, 1))] == ["a", "u"]
    assert choose_documents(docs, cases, None) == docs


def test_eval_archive_indexes_once_and_reports_outcomes_per_part(tmp_path, embedder):
    from ingest.settings import Settings

    splits, cache, out = tmp_path / "splits", tmp_path / "cache", tmp_path / "out"
    questions = MINI / "questions.jsonl"
    runner = CliRunner()
    assert runner.invoke(eval_split_cmd, [str(questions), "--out", str(splits)]).exit_code == 0
    args = [
        "--archive",
        str(MINI / "dev"),
        "--questions",
        str(questions),
        "--splits",
        str(splits),
        "--split",
        "all",
        "--subset",
        "4",
        "--cache",
        str(cache),
        "--out",
        str(out),
    ]
    obj = {"settings": Settings(), "embedder": embedder}

    first = runner.invoke(eval_archive_cmd, args, obj=obj)
    assert first.exit_code == 0, first.output
    assert "(4 new documents)" in first.output
    lines = [line.split() for line in first.output.splitlines()]
    assert [cells[0] for cells in lines if cells and cells[0] in {"tuning", "blind", "all"}] == [
        "tuning",
        "blind",
        "all",
    ]
    asked = {
        p: [json.loads(x) for x in (out / p / "results.jsonl").read_text().splitlines()]
        for p in ("tuning", "blind", "all")
    }
    whole = {c.id: c for c in load_testset(questions)}
    # 4 documents: the sources of the 4 answerable questions, so all 6 are asked
    assert sorted(r["id"] for r in asked["all"]) == sorted(whole)
    for row in asked["all"]:
        allowed = (
            {"correct", "wrong", "passages", "refused"}
            if whole[row["id"]].answerable
            else {"answered", "passages", "refused"}
        )
        assert row["verdict"] in allowed, row
    summary = json.loads((out / "all" / "summary.json").read_text())
    m = summary["metrics"]
    assert summary["documents"] == 4 and m["n_answerable"] == 4 and m["n_unanswerable"] == 2
    assert m["correct_rate"] + m["wrong_rate"] + m["passages_rate"] + m["refused_rate"] == 1.0
    for row in asked["all"]:  # four documents: every source is among the passages shown
        case = whole[row["id"]]
        if case.answerable:
            shown = {c["source"] for c in row["citations"]} | set(row["nearest_sources"])
            assert shown & set(case.expected_sources), row

    again = runner.invoke(eval_archive_cmd, [*args, "--split", "blind"], obj=obj)
    assert again.exit_code == 0, again.output
    assert "(0 new documents)" in again.output  # the cached index is reused
    assert len((out / "blind" / "results.jsonl").read_text().splitlines()) == 3


def test_eval_archive_without_splits_says_how_to_make_them(tmp_path):
    result = CliRunner().invoke(
        eval_archive_cmd,
        [
            "--archive",
            str(MINI / "dev"),
            "--questions",
            str(MINI / "questions.jsonl"),
            "--splits",
            str(tmp_path),
            "--cache",
            str(tmp_path / "c"),
        ],
    )
    assert result.exit_code == 1 and "python -m bot eval-split" in result.output
