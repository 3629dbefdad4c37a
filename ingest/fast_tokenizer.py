"""A Unigram tokenizer that loads in a fraction of the time, with the same token ids.

Loading multilingual e5's ``tokenizer.json`` (250,002 pieces) costs about a second of CPU,
nearly all of it building the Unigram model's trie, and holds the GIL throughout: it was the
largest part of the bot's cold start. Swedish text needs only the pieces written in Latin letters
and punctuation (about 110,000), so a second tokenizer over those pieces is kept beside the
original (``tokenizer.latin.json``, with ``tokenizer.latin.npz`` mapping its ids to the
original's), derived from it on first use and rebuilt when it changes.

Why the ids are the same. A Unigram tokenizer picks, by Viterbi, the best-scoring segmentation
of each word into pieces that occur in it. The trimmed vocabulary keeps every piece made only of
the kept characters, the special tokens and the lowest-scoring piece (unknown characters are
scored from it). For a text whose characters are all covered by kept pieces, every piece that
can occur in it is kept with its score, so the segmentation is the same; mapped back, so are the
ids. A text with any other character shows the unknown token in the trimmed encoding: that text
(if its normalised form holds a character outside the kept ones) is encoded again with the
original tokenizer, loaded then (once per process).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

TRIMMED, ID_MAP = "tokenizer.latin.json", "tokenizer.latin.npz"
FORMAT = 3  # moves whenever kept_char or the files' layout change: older derived files are redone


def kept_char(ch: str) -> bool:
    """Latin letters (Basic Latin to Latin Extended-B), general punctuation, currency signs,
    letter-like symbols, arrows, mathematical operators, the private use area (word processors'
    bullets, U+F0B7) and SentencePiece's word marker."""
    o = ord(ch)
    return (
        o < 0x250
        or 0x2000 <= o < 0x20D0
        or 0x2100 <= o < 0x2300
        or 0xE000 <= o < 0xF900
        or ch == "\u2581"
    )


def _stamp(source: Path) -> np.ndarray:
    st = source.stat()
    return np.array([st.st_size, st.st_mtime_ns, FORMAT], dtype=np.int64)


def build_trimmed(source: Path, folder: Path | None = None) -> bool:
    """Write the trimmed tokenizer and its id map beside ``source`` (or in ``folder``); False
    when ``source`` is not a Unigram tokenizer (nothing to gain) or the folder is read-only."""
    spec = json.loads(source.read_text(encoding="utf-8"))
    model = spec.get("model") or {}
    if model.get("type") != "Unigram" or not model.get("vocab"):
        return False
    vocab = model["vocab"]
    specials = {t["id"] for t in spec.get("added_tokens") or []}
    if model.get("unk_id") is not None:
        specials.add(model["unk_id"])
    specials.add(min(range(len(vocab)), key=lambda i: vocab[i][1]))  # sets the unknown score
    keep = [i for i, (piece, _) in enumerate(vocab) if i in specials or all(map(kept_char, piece))]
    new = {old: n for n, old in enumerate(keep)}
    model["vocab"] = [vocab[i] for i in keep]
    if model.get("unk_id") is not None:
        model["unk_id"] = new[model["unk_id"]]
    for token in spec.get("added_tokens") or []:
        token["id"] = new[token["id"]]
    post = spec.get("post_processor") or {}
    for special in (post.get("special_tokens") or {}).values():
        special["ids"] = [new[i] for i in special["ids"]]
    folder = folder or source.parent
    try:
        tmp = folder / f".{TRIMMED}.{os.getpid()}"
        tmp.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
        with open(folder / f".{ID_MAP}.{os.getpid()}", "wb") as fh:
            unk = new[model["unk_id"]] if model.get("unk_id") is not None else -1
            np.savez(fh, ids=np.array(keep, dtype=np.int64), stamp=_stamp(source), unk=unk)
        os.replace(tmp, folder / TRIMMED)
        os.replace(folder / f".{ID_MAP}.{os.getpid()}", folder / ID_MAP)
    except OSError:
        return False
    return True


class FastTokenizer:
    """``tokenizers.Tokenizer`` for what the embedder needs (ids without special tokens, token
    lookup), through the trimmed form when there is a current one."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._full = None
        self._trim = None
        try:
            self._trim = self._load_trimmed(current_only=True)
        except Exception:  # missing, stale or unreadable (any tokenizers error): derived again
            self._trim = None
        if self._trim is None:
            self._full = self._load_full()
            if build_trimmed(source):
                self._trim = self._load_trimmed(current_only=False)

    def _load_trimmed(self, current_only: bool):
        from tokenizers import Tokenizer

        with np.load(self.source.parent / ID_MAP) as data:
            if current_only and not np.array_equal(data["stamp"], _stamp(self.source)):
                return None
            ids, unk = data["ids"], int(data["unk"])
        tok = Tokenizer.from_file(str(self.source.parent / TRIMMED))
        tok.no_truncation()
        tok.no_padding()
        self._ids, self._unk = ids, unk
        return tok

    def _load_full(self):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.source))
        tok.no_truncation()
        tok.no_padding()
        return tok

    @property
    def full(self):
        if self._full is None:
            self._full = self._load_full()
        return self._full

    def encode_ids(self, texts: list[str], special: bool = False) -> list[list[int]]:
        if self._trim is None:
            return [e.ids for e in self.full.encode_batch(texts, add_special_tokens=special)]
        out: list[list[int]] = []
        redo: list[int] = []
        for i, enc in enumerate(self._trim.encode_batch(texts, add_special_tokens=special)):
            if self._unk in enc.ids and not self._all_kept(texts[i]):
                redo.append(i)
                out.append([])
            else:
                out.append(self._ids[enc.ids].tolist())
        if redo:
            again = self.full.encode_batch([texts[i] for i in redo], add_special_tokens=special)
            for i, enc in zip(redo, again, strict=True):
                out[i] = enc.ids
        return out

    def _all_kept(self, text: str) -> bool:
        """Every character of the normalised text is a kept one: then the trimmed vocabulary
        holds every piece that can occur in it, and an unknown token is one the original
        tokenizer gives too."""
        return all(map(kept_char, self._trim.normalizer.normalize_str(text)))

    def token_to_id(self, token: str) -> int | None:
        if self._trim is None:
            return self.full.token_to_id(token)
        found = self._trim.token_to_id(token)
        return None if found is None else int(self._ids[found])
