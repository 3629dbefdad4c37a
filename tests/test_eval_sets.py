"""The curated test set, the hold-out set and the off-domain probe: they load, and every
evidence span is copied verbatim from its statement."""

from __future__ import annotations

from pathlib import Path

from bot.evaluation import metrics
from bot.evaluation.testset import load_testset

ROOT = Path(__file__).resolve().parents[1]


def test_curated_testset_covers_every_statement_and_its_evidence_is_verbatim():
    cases = load_testset(ROOT / "eval" / "testset.jsonl")
    files = (ROOT / "corpus").glob("*.txt")
    corpus = {p.name: metrics.normalise(p.read_text("utf-8")) for p in files}
    answerable = [c for c in cases if c.answerable]
    assert len(cases) >= 60 and len(cases) - len(answerable) >= 12
    assert {s for c in answerable for s in c.expected_sources} == set(corpus)
    for c in answerable:
        assert c.expected_sources, c.id
        assert set(c.expected_sources) <= set(corpus), c.id
        for e in c.evidence:
            assert any(metrics.normalise(e) in corpus[s] for s in c.expected_sources), (c.id, e)
    question = "Varför ingår inte Skärholmen i rektorsnätverket?"
    skarholmen = next(c for c in cases if c.question == question)
    assert "antalet medverkande skolor varit begränsat" in skarholmen.evidence


# --- BEIR helpers and the report -----------------------------------------------------------------


def test_holdout_and_offdomain_sets_load_and_their_evidence_is_verbatim():
    corpus = {
        p.name: metrics.normalise(p.read_text("utf-8")) for p in (ROOT / "corpus").glob("*.txt")
    }
    holdout = load_testset(ROOT / "eval" / "holdout.jsonl")
    assert sum(c.answerable for c in holdout) >= 20 and sum(not c.answerable for c in holdout) >= 10
    for c in holdout:
        for e in c.evidence:
            assert any(metrics.normalise(e) in corpus[s] for s in c.expected_sources), (c.id, e)
    offdomain = load_testset(ROOT / "eval" / "offdomain.jsonl")
    assert len(offdomain) == 236 and not any(c.answerable for c in offdomain)
