"""The CI gate: the curated test set must not fall below its committed baseline."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bot.evaluation.cli import eval_cmd
from tests.conftest import ROOT


def test_curated_test_set_does_not_regress_below_the_committed_baseline(bundled_settings, tmp_path):
    baseline = ROOT / "eval" / "baselines" / "testset.summary.json"
    result = CliRunner().invoke(
        eval_cmd,
        [str(ROOT / "eval" / "testset.jsonl"), "--out", str(tmp_path / "out"),
         "--baseline", str(baseline)],
        obj=bundled_settings,
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())["metrics"]
    assert result.exit_code == 0, result.output
    assert summary["grounded_rate"] == 1.0
    assert summary["n_questions"] >= 60
