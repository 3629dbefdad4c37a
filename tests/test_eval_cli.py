"""``python -m bot eval`` end to end with the real engine over the bundled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.evaluation.cli import eval_cmd

V = "UTBF-2024-6786_att-vanda-skolresultat.txt"
N = "2025-11-20_skolverkets-natverk-skolor-utsatta-omraden.txt"
M11 = "motion-2011-24_okad-jamlikhet-minskad-segregation.txt"
M13 = "motion-2013-44_bryta-kunskapssegregationen.txt"

# Questions not in eval/testset.jsonl: the engine was never tuned on them.
UNSEEN = [
    {
        "id": "kommuner",
        "question": "Hur många andra kommuner är med i rektorsnätverket?",
        "expected_sources": [N],
        "evidence": ["två andra kommuner"],
        "kind": "number",
    },
    {
        "id": "hedin",
        "question": "Vilket parti tillhör Andréa Hedin som skrev om skolresultaten?",
        "expected_sources": [V],
        "evidence": ["Andréa Hedin"],
        "answer_keywords": ["Hedin"],
        "kind": "person",
    },
    {
        "id": "register",
        "question": "Hur många ungdomar fanns i registret i augusti 2012?",
        "expected_sources": [M13],
        "evidence": ["4 969 ungdomar"],
        "kind": "number",
    },
    {
        "id": "modell",
        "question": "Vad beslutade utbildningsnämnden om i juni 2011?",
        "expected_sources": [M11],
        "evidence": ["en ny modell för"],
        "kind": "date",
    },
    {
        "id": "vm",
        "question": "Vem vann fotbolls-VM 2022?",
        "answerable": False,
        "kind": "unanswerable",
    },
    {
        "id": "parkering",
        "question": "Hur många parkeringsplatser finns vid Stadshuset?",
        "answerable": False,
        "kind": "unanswerable",
    },
]
OUTPUTS = ("results.jsonl", "summary.json", "report.md", "chart.png")


def run(args: list[str], settings) -> object:
    return CliRunner().invoke(eval_cmd, [str(a) for a in args], obj=settings)


@pytest.fixture(scope="module")
def unseen_testset(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("testset") / "unseen.jsonl"
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in UNSEEN), "utf-8")
    return path


@pytest.fixture(scope="module")
def default_run(unseen_testset, bundled_settings, tmp_path_factory) -> Path:
    """The unseen test set under the default configuration: the baseline for the gate tests."""
    out = tmp_path_factory.mktemp("default-run")
    result = run(
        [unseen_testset, "--index", bundled_settings.index_dir, "--out", out], bundled_settings
    )
    assert result.exit_code == 0, result.output
    return out


def test_eval_writes_four_files_with_sane_content(default_run):
    assert all((default_run / name).is_file() for name in OUTPUTS)
    rows = [json.loads(line) for line in (default_run / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == [q["id"] for q in UNSEEN]
    for row in rows:
        assert set(row) >= {"answer", "refused", "citations", "checks", "latency_ms"}
        assert row["latency_ms"] > 0
        for c in row["citations"]:
            assert c["full_text"] and c["source"] in {V, N, M11, M13} and "metadata" in c
    hits = [r for r in rows if r["answerable"] and r["hit_rank"] is not None and r["hit_rank"] <= 5]
    assert len(hits) >= 3, [(r["id"], r["hit_rank"], r["refused"]) for r in rows]

    summary = json.loads((default_run / "summary.json").read_text())
    m = summary["metrics"]
    assert m["n_questions"] == 6 and m["n_answerable"] == 4
    for name in ("hit@1", "hit@3", "hit@5", "mrr", "keyword_recall", "answerable_refused_rate"):
        assert 0.0 <= m[name] <= 1.0, name
    assert m["hit@1"] <= m["hit@3"] <= m["hit@5"]
    assert m["latency_p50_ms"] <= m["latency_p95_ms"]
    assert set(summary["by_kind"]) == {"number", "person", "date", "unanswerable"}
    assert summary["config"]["top_k"] >= 1

    report = (default_run / "report.md").read_text()
    assert "## Metrics" in report and "## By kind" in report and "chart.png" in report
    assert (default_run / "chart.png").read_bytes()[:4] == b"\x89PNG"


def test_gate_passes_when_compared_with_its_own_baseline(
    default_run, unseen_testset, bundled_settings, tmp_path
):
    baseline = default_run / "summary.json"
    result = run(
        [
            unseen_testset,
            "--index",
            bundled_settings.index_dir,
            "--out",
            tmp_path,
            "--baseline",
            baseline,
        ],
        bundled_settings,
    )
    assert result.exit_code == 0, result.output
    assert "Gate passed" in result.output
    assert "Gate PASSED" in (tmp_path / "report.md").read_text()


def test_gate_fails_when_a_worse_configuration_refuses_everything(
    default_run, unseen_testset, bundled_settings, tmp_path
):
    worse = bundled_settings.model_copy(update={"refusal_threshold": 1e9})
    result = run(
        [
            unseen_testset,
            "--index",
            bundled_settings.index_dir,
            "--out",
            tmp_path,
            "--baseline",
            default_run / "summary.json",
        ],
        worse,
    )
    assert result.exit_code == 1, result.output
    assert "Gate FAILED" in result.output and "hit@5" in result.output
    assert all((tmp_path / name).is_file() for name in OUTPUTS)  # written before the verdict
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["metrics"]["answerable_refused"] == 4


def test_testset_and_beir_together_is_a_usage_error(unseen_testset, tmp_path):
    result = CliRunner().invoke(eval_cmd, [str(unseen_testset), "--beir", str(tmp_path)])
    assert result.exit_code == 2 and "either TESTSET.jsonl or --beir" in result.output


def test_invalid_testset_line_is_reported_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "question": "Vem?", "kind": 3}\n')
    result = CliRunner().invoke(eval_cmd, [str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert f"{bad}:1: field 'kind'" in result.output


BEIR_DOCS = [
    ("d1", "Simhall", "Simhallen i Vantör öppnar i augusti och har en bassäng på 25 meter."),
    ("d2", "Skolmat", "Skolmaten i Stockholm lagas i skolornas egna kök varje dag."),
    ("d3", "Bibliotek", "Stadsbiblioteket lånar ut böcker, filmer och ljudböcker gratis."),
    ("d4", "Parkering", "Boendeparkering kräver ett tillstånd som söks hos trafikkontoret."),
    ("d5", "Förskola", "Plats i förskola söks senast fyra månader innan barnet ska börja."),
]
BEIR_QUERIES = [
    ("q1", "När öppnar simhallen i Vantör?", "d1"),
    ("q2", "Hur söker jag tillstånd för boendeparkering?", "d4"),
    ("q3", "När måste man söka plats i förskola?", "d5"),
]


@pytest.fixture()
def beir_dir(tmp_path) -> Path:
    d = tmp_path / "tiny_beir"
    d.mkdir()
    (d / "corpus.jsonl").write_text(
        "".join(
            json.dumps({"_id": i, "title": t, "text": x}, ensure_ascii=False) + "\n"
            for i, t, x in BEIR_DOCS
        ),
        "utf-8",
    )
    (d / "queries.jsonl").write_text(
        "".join(
            json.dumps({"_id": q, "text": t}, ensure_ascii=False) + "\n" for q, t, _ in BEIR_QUERIES
        ),
        "utf-8",
    )
    (d / "qrels.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{doc}\t1\n" for q, _, doc in BEIR_QUERIES)
    )
    return d


def test_beir_folder_is_ingested_ranked_and_scored(beir_dir, bundled_settings, tmp_path):
    index, out = tmp_path / "beir-index", tmp_path / "out"
    result = run(["--beir", beir_dir, "--index", index, "--out", out], bundled_settings)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["id"] for r in rows] == ["q1", "q2", "q3"]
    for row in rows:
        assert row["retrieved"] and set(row["retrieved"]) <= {d for d, _, _ in BEIR_DOCS}
        assert len(row["retrieved"]) == len(set(row["retrieved"]))  # one entry per document
    m = json.loads((out / "summary.json").read_text())["metrics"]
    assert m["n_queries"] == 3
    for name in ("mrr@10", "ndcg@10", "recall@1", "recall@5", "recall@10"):
        assert 0.0 <= m[name] <= 1.0, name
    assert m["recall@10"] == 1.0  # five documents: every relevant one is in the top 10
    assert m["mrr@10"] >= 0.5
    assert "ndcg@10" in (out / "report.md").read_text()

    again = run(
        ["--beir", beir_dir, "--index", index, "--out", out, "--limit", "1"], bundled_settings
    )
    assert again.exit_code == 0, again.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["ingest"].get("skipped") is True and summary["metrics"]["n_queries"] == 1


def test_beir_refuses_to_mix_its_corpus_into_the_statements_index(
    beir_dir, bundled_settings, tmp_path
):
    result = run(
        ["--beir", beir_dir, "--index", bundled_settings.index_dir, "--out", tmp_path],
        bundled_settings,
    )
    assert result.exit_code == 1 and "not made by a BEIR run" in result.output
