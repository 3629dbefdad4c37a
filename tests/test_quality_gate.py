"""The CI gate: the curated test set, answered by the default configuration (the onnx int8
embedder built from the bundled weights), must not fall below its committed baseline."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bot.evaluation.cli import eval_cmd
from tests.conftest import CORPUS, ROOT


@pytest.fixture(scope="module")
def default_settings(tmp_path_factory, model_cache):
    """The bundled corpus indexed with the default embedder (built into the test model cache)."""
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings

    index = tmp_path_factory.mktemp("default") / "index"
    settings = Settings(index_dir=index, embed_backend="onnx", embed_model_cache=model_cache)
    assert settings.embed_precision == Settings.model_fields["embed_precision"].default
    summary = Ingestor(settings).run([CORPUS])
    assert summary.files_failed == 0 and summary.files_new == 4
    return settings


def test_curated_test_set_does_not_regress_below_the_committed_baseline(default_settings, tmp_path):
    baseline = ROOT / "eval" / "baselines" / "testset.summary.json"
    result = CliRunner().invoke(
        eval_cmd,
        [str(ROOT / "eval" / "testset.jsonl"), "--out", str(tmp_path / "out"),
         "--baseline", str(baseline)],
        obj=default_settings,
    )
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert result.exit_code == 0, result.output
    assert summary["config"]["embed_backend"] == "onnx"
    assert summary["metrics"]["grounded_rate"] == 1.0
    assert summary["metrics"]["n_questions"] >= 60
