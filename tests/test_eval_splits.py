"""Tuning / blind splits: seeded, stratified, reproducible byte for byte, committed."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from click.testing import CliRunner

from bot.evaluation.cli_archive import eval_split_cmd
from bot.evaluation.splits import (
    DEFAULT_SETS,
    SplitMissingError,
    assign,
    split_path,
    write_splits,
)
from bot.evaluation.testset import load_testset
from tests.conftest import ROOT

SPLITS = ROOT / "eval" / "splits"


def test_committed_splits_are_what_eval_split_writes(tmp_path):
    manifest = write_splits([ROOT / s for s in DEFAULT_SETS], tmp_path)
    committed = json.loads((SPLITS / "MANIFEST.json").read_text(encoding="utf-8"))
    assert committed["seed"] == manifest["seed"] == 12
    for name, entry in manifest["sets"].items():
        for part in ("tuning", "blind"):
            ours = (tmp_path / entry[part]["file"]).read_bytes()
            assert ours == (SPLITS / entry[part]["file"]).read_bytes(), (name, part)
            assert entry[part]["sha256"] == committed["sets"][name][part]["sha256"]
        assert entry["source_sha256"] == committed["sets"][name]["source_sha256"]


def test_split_is_a_partition_stratified_by_answerability_and_kind(tmp_path):
    source = ROOT / "eval" / "dev_questions.jsonl"
    write_splits([source], tmp_path)
    whole = load_testset(source)
    tuning = load_testset(tmp_path / "dev_questions.tuning.jsonl")
    blind = load_testset(tmp_path / "dev_questions.blind.jsonl")
    assert sorted(c.id for c in tuning + blind) == sorted(c.id for c in whole)
    assert not {c.id for c in tuning} & {c.id for c in blind}
    by_t = Counter((c.answerable, c.kind) for c in tuning)
    by_b = Counter((c.answerable, c.kind) for c in blind)
    for stratum in Counter((c.answerable, c.kind) for c in whole):
        assert abs(by_t[stratum] - by_b[stratum]) <= 1, stratum


def test_another_seed_gives_another_split_and_the_same_seed_the_same():
    strata = {(True, "fact"): [f"q{i}" for i in range(20)], (False, "off"): ["u1", "u2", "u3"]}
    first = assign(strata, seed=12, name="set", blind_fraction=0.5)
    assert first == assign(strata, seed=12, name="set", blind_fraction=0.5)
    assert first != assign(strata, seed=13, name="set", blind_fraction=0.5)
    assert Counter(first.values())["blind"] == round(23 * 0.5)  # within one of half
    third = assign(strata, seed=12, name="set", blind_fraction=0.25)
    assert Counter(third.values())["blind"] == round(23 * 0.25)


def test_eval_split_command_writes_the_manifest(tmp_path):
    source = ROOT / "tests" / "data" / "archive-mini" / "questions.jsonl"
    result = CliRunner().invoke(eval_split_cmd, [str(source), "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "MANIFEST.json").read_text(encoding="utf-8"))
    entry = manifest["sets"]["questions"]
    assert entry["tuning"]["n"] + entry["blind"]["n"] == 6
    assert entry["tuning"]["n_unanswerable"] == entry["blind"]["n_unanswerable"] == 1


def test_a_missing_split_says_how_to_make_it(tmp_path):
    with pytest.raises(SplitMissingError, match="python -m bot eval-split"):
        split_path(tmp_path, ROOT / "eval" / "testset.jsonl", "blind")
