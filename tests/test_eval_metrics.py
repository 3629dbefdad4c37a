"""Evaluation metrics, test-set validation, the gate and the report on hand-computed cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.evaluation import metrics
from bot.evaluation.beir import load_qrels, unique_doc_ids
from bot.evaluation.gate import compare, is_gated
from bot.evaluation.report import write_chart, write_report
from bot.evaluation.runner import build_summary, result_row
from bot.evaluation.testset import EvalCase, InvalidTestsetError, load_testset, parse_line
from bot.models import Answer, Citation

ROOT = Path(__file__).resolve().parents[1]
V = "UTBF-2024-6786_att-vanda-skolresultat.txt"


def citation(n: int, text: str, source: str = V) -> Citation:
    return Citation(
        n=n,
        chunk_id=f"c{n}",
        doc_id=source,
        source=source,
        title=None,
        dnr=None,
        date=None,
        section=None,
        page=None,
        text=text,
        full_text=text,
        score=0.9 - n / 10,
    )


# --- ranking metrics -----------------------------------------------------------------------------


def test_hit_at_k_and_mrr_on_hand_computed_ranks():
    ranks = [1, 3, None, 2]
    assert metrics.hit_at_k(ranks, 1) == 0.25
    assert metrics.hit_at_k(ranks, 3) == 0.75
    assert metrics.hit_at_k(ranks, 5) == 0.75
    assert metrics.mrr(ranks) == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert metrics.mrr(ranks, k=2) == pytest.approx((1 + 1 / 2) / 4)
    assert metrics.hit_at_k([], 1) is None and metrics.mrr([]) is None


def test_first_hit_rank_is_one_based():
    assert metrics.first_hit_rank([False, False, True, True]) == 3
    assert metrics.first_hit_rank([False]) is None


def test_ndcg_at_10_matches_hand_computation():
    assert metrics.ndcg_at_k(["a", "b", "c"], {"a": 1}) == 1.0
    # one relevant doc at rank 2: 1/log2(3)
    assert metrics.ndcg_at_k(["a", "b", "c"], {"b": 1}) == pytest.approx(0.63093, abs=1e-5)
    # relevant at ranks 1 and 3: (1 + 1/2) / (1 + 1/log2(3))
    assert metrics.ndcg_at_k(["a", "b", "c"], {"a": 1, "c": 1}) == pytest.approx(0.91972, abs=1e-5)
    assert metrics.ndcg_at_k(["x"] * 10 + ["a"], {"a": 1}) == 0.0  # past the cut-off


def test_recall_and_reciprocal_rank_at_k():
    rel = {"a": 1, "b": 1, "z": 0}
    assert metrics.recall_at_k(["a", "c", "b"], rel, 1) == 0.5
    assert metrics.recall_at_k(["a", "c", "b"], rel, 3) == 1.0
    assert metrics.reciprocal_rank(["c", "b"], rel) == 0.5
    assert metrics.reciprocal_rank(["c", "z"], rel) == 0.0


def test_refusal_precision_and_recall_treat_refusal_as_positive():
    should = [True, True, False, False, False]
    refused = [True, False, True, False, False]
    assert metrics.refusal_precision_recall(should, refused) == (0.5, 0.5)
    precision, recall = metrics.refusal_precision_recall([True, False], [False, False])
    assert precision is None and recall == 0.0  # nothing refused: precision undefined


def test_evidence_match_ignores_whitespace_and_case():
    passage = "Stockholms stad är en av flera kommuner\ni nätverket har ANTALET medverkande  skolor"
    assert metrics.citation_is_hit(["i nätverket har antalet"], [], passage, None)
    assert not metrics.citation_is_hit(["antalet elever"], [V], passage, V)  # evidence decides


def test_evidence_match_treats_dashes_alike_but_not_missing_ones():
    passage = "stöd från central förvaltning under 2021–2024 samt"  # en dash
    assert metrics.citation_is_hit(["förvaltning under 2021-2024"], [], passage, None)
    assert not metrics.citation_is_hit(["förvaltning under 20212024"], [], passage, None)


def test_evidence_match_reads_an_abbreviation_as_its_words():
    passage = "en skrivelse från Andréa Hedin med flera (M) med frågor"
    assert metrics.contains(passage, "skrivelse från Andréa Hedin m.fl. (M)")
    assert metrics.contains("lärarnas betydelse (t.ex. John Hattie)", "till exempel John Hattie")
    assert not metrics.contains(passage, "skrivelse från Andréa Hedin (M)")


def test_source_match_without_evidence_uses_the_file_name():
    assert metrics.citation_is_hit([], [V], "any text", f"/data/corpus/{V}")
    assert not metrics.citation_is_hit([], [V], "any text", "other.txt")


def test_keyword_recall_is_the_share_found():
    answer = "Skrivelsen kom från Andréa\nHedin (M)."
    assert metrics.keyword_recall(answer, ["andréa hedin", "Jan"]) == 0.5
    assert metrics.keyword_recall(answer, ["M", "kom"]) == 1.0
    assert metrics.keyword_recall("femte", ["fem"]) == 0.0  # whole words only
    assert metrics.keyword_recall("text", []) is None


def test_percentile_interpolates_like_numpy():
    assert metrics.percentile([40, 10, 30, 20], 50) == 25
    assert metrics.percentile([10, 20, 30, 40], 95) == pytest.approx(38.5)
    assert metrics.percentile([], 50) is None


# --- rows and summary from synthetic answers -----------------------------------------------------


def synthetic_rows() -> list[dict]:
    hit = EvalCase(
        "a", "Vem skrev?", evidence=("Andréa Hedin",), answer_keywords=("Hedin", "M"), kind="person"
    )
    late = EvalCase("b", "Vilka skolor?", expected_sources=(V,), kind="list")
    refused = EvalCase("c", "Vad?", evidence=("finns inte",), kind="list")
    unanswerable = EvalCase("d", "Melodifestivalen?", answerable=False, kind="unanswerable")
    answered = Answer(
        "q",
        "Skrivelsen kom från Andréa Hedin.",
        False,
        [citation(1, "från Andréa  Hedin (M)")],
        grounded=True,
    )
    second = Answer(
        "q",
        "Skolorna ...",
        False,
        [citation(1, "x", "other.txt"), citation(2, "y")],
        grounded=False,
    )
    refusal = Answer("q", "Jag hittar inget stöd.", True, [])
    wrongly_answered = Answer("q", "Något.", False, [citation(1, "z")], grounded=True)
    return [
        result_row(hit, answered, 10.0),
        result_row(late, second, 20.0),
        result_row(refused, refusal, 30.0),
        result_row(unanswerable, wrongly_answered, 40.0),
    ]


def test_result_row_records_citations_checks_and_full_text():
    row = synthetic_rows()[0]
    assert row["hit_rank"] == 1 and row["checks"]["hit@1"] is True
    assert row["checks"]["keyword_recall"] == 0.5  # "M" is not in the answer text
    cited = row["citations"][0]
    assert cited["full_text"] == "från Andréa  Hedin (M)" and cited["source"] == V
    assert set(cited["metadata"]) >= {"title", "dnr", "date", "section", "page"}


def test_summary_metrics_on_synthetic_answers():
    m = metrics.summarise_rows(synthetic_rows())
    assert (m["n_questions"], m["n_answerable"], m["n_scored"]) == (4, 3, 3)
    assert m["hit@1"] == pytest.approx(1 / 3)  # a at 1, b at 2, c refused
    assert m["hit@3"] == pytest.approx(2 / 3)
    assert m["mrr"] == pytest.approx((1 + 1 / 2) / 3)
    assert m["refusal_precision"] == 0.0  # the one refusal was an answerable question
    assert m["refusal_recall"] == 0.0  # the unanswerable one was answered
    assert m["answerable_refused"] == 1
    assert m["keyword_recall"] == 0.5
    assert m["evidence_in_answer"] == 0.5  # a quotes its evidence, c was refused; b has none
    assert [r["evidence_in_answer"] for r in synthetic_rows()] == [True, None, False, None]
    assert m["grounded_rate"] == pytest.approx(2 / 3)  # over the three answered
    assert m["latency_p50_ms"] == 25.0


def test_refusals_caused_by_a_failed_grounding_check_count_against_grounding():
    case = EvalCase("e", "Vem?", evidence=("x",))
    failed = Answer("q", "Jag kunde inte citera källorna exakt.", True, [], grounded=False)
    rows = [*synthetic_rows(), result_row(case, failed, 5.0)]
    assert rows[-1]["checks"]["grounded"] is False and rows[2]["checks"]["grounded"] is None
    assert metrics.summarise_rows(rows)["grounded_rate"] == pytest.approx(2 / 4)


def test_summary_breaks_down_by_kind(tmp_path):
    testset = tmp_path / "t.jsonl"
    testset.write_text('{"id": "x", "question": "q"}\n')
    summary = build_summary(synthetic_rows(), testset=testset, settings=None)
    assert set(summary["by_kind"]) == {"list", "person", "unanswerable"}
    assert summary["by_kind"]["list"]["hit@3"] == 0.5
    json.dumps(summary)  # serialisable as summary.json


# --- gate ----------------------------------------------------------------------------------------


def summary_with(**values) -> dict:
    return {"metrics": values}


def test_gate_fails_when_a_rate_falls_more_than_the_tolerance():
    base = summary_with(**{"hit@1": 0.80, "mrr": 0.70, "latency_p95_ms": 100.0})
    result = compare(summary_with(**{"hit@1": 0.77, "mrr": 0.70, "latency_p95_ms": 900.0}), base)
    assert not result.passed
    assert [c.metric for c in result.regressions] == ["hit@1"]
    assert "hit@1: 0.7700 vs baseline 0.8000" in result.describe_regressions()[0]


def test_gate_passes_within_tolerance_and_on_itself():
    base = summary_with(**{"hit@1": 0.80, "refusal_recall": 0.5})
    assert compare(summary_with(**{"hit@1": 0.78, "refusal_recall": 0.9}), base).passed
    assert compare(base, base).passed
    assert not compare(summary_with(**{"hit@1": 0.78}), base, tolerance=0.01).passed


def test_gate_treats_answerable_refusals_as_lower_is_better_and_skips_counts():
    base = summary_with(answerable_refused_rate=0.10, answerable_refused=3, n_questions=60)
    worse = summary_with(answerable_refused_rate=0.20, answerable_refused=6, n_questions=60)
    assert [c.metric for c in compare(worse, base).regressions] == ["answerable_refused_rate"]
    assert not is_gated("latency_p50_ms") and not is_gated("answerable_refused")


def test_gate_marks_undefined_metrics_not_applicable():
    result = compare(summary_with(refusal_precision=None), summary_with(refusal_precision=1.0))
    assert result.passed and result.comparisons[0].status == "n/a"


# --- test-set format -----------------------------------------------------------------------------


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("bad_line", "field", "words"),
    [
        ('{"id": "b", "question": ', None, "not valid JSON"),
        ('{"id": "b"}', "question", "required"),
        ('{"id": "b", "question": "q", "answerable": "no"}', "answerable", "true or false"),
        ('{"id": "b", "question": "q", "evidence": [1]}', "evidence", "list of non-empty strings"),
        ('{"id": "b", "question": "q", "evidance": ["x"]}', "evidance", "unknown field"),
        ('{"id": "a", "question": "q"}', "id", "duplicate id 'a'"),
        (
            '{"id": "b", "question": "q", "answerable": false, "evidence": ["x"]}',
            "evidence",
            "unanswerable",
        ),
        ('["id", "question"]', None, "JSON object"),
    ],
)
def test_testset_errors_name_file_line_and_field(tmp_path, bad_line, field, words):
    path = write(tmp_path, '{"id": "a", "question": "Vem?"}', "", bad_line)
    with pytest.raises(InvalidTestsetError) as info:
        load_testset(path)
    message = str(info.value)
    assert message.startswith(f"{path}:3")
    if field:
        assert f"field '{field}'" in message
    assert words in message


def test_testset_defaults_and_string_lists():
    case = parse_line('{"id": "a", "question": "Vem?", "expected_sources": "x.txt"}')
    assert case.answerable and case.kind == "general" and case.expected_sources == ("x.txt",)


def test_qrels_skip_the_header_and_chunks_collapse_to_their_document(tmp_path):
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq1\td2\t2\n")
    assert load_qrels(tmp_path) == {"q1": {"d1": 1.0, "d2": 2.0}}

    class Hit:
        def __init__(self, doc_id: str):
            self.doc_id = doc_id

    assert unique_doc_ids([Hit("b"), Hit("a"), Hit("b"), Hit("c")]) == ["b", "a", "c"]


def test_report_and_chart_show_the_baseline(tmp_path):
    rows = synthetic_rows()
    testset = write(tmp_path, '{"id": "a", "question": "q"}')
    summary = build_summary(rows, testset=testset, settings=None)
    baseline = json.loads(json.dumps(summary))
    baseline["metrics"]["hit@1"] = 0.9
    gate = compare(summary, baseline)
    report = write_report(tmp_path, summary, baseline=baseline, gate=gate, rows=rows)
    chart = write_chart(tmp_path, summary, baseline)
    text = report.read_text()
    assert "Gate FAILED" in text and "hit@1: 0.3333 vs baseline 0.9000" in text
    assert "| person |" in text and "`d` (unanswerable)" in text
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
