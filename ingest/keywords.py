"""The keyword side: bm25s over Snowball-stemmed Swedish tokens, with compounds split, mixed
with bm25s over character 4-grams.

Swedish writes "rektorsnätverket" where a question may say "nätverket för rektorer". Each long word
is also indexed as its parts when both parts are words of the corpus (linking -s- dropped), so
either spelling finds the other. The same analyser reads documents and questions.

Character 4-grams of the same words catch what stems and compound splitting miss ("vaccinering"
/ "vaccination", "försörja" / "försörjningsskyldig"): on SweFAQ dev the mix lifted MRR@10 from
0.740 to 0.77 with SweQUAD-MC unchanged (docs/experiments.md).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from functools import lru_cache
from pathlib import Path

import numpy as np

FORMAT = "2"  # 2: word and 4-gram indexes; an index of another format is rebuilt
GRAM = 4
_WORD = re.compile(r"[0-9]+(?:[/:-][0-9]+)*|[^\W\d_]+(?:-[^\W\d_]+)*", re.UNICODE)
_MIN_PART = 3


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("swedish")


def _bm25s(lean: bool = False):
    """bm25s; ``lean`` (the read side) imports it without scipy unless scipy is loaded already.
    bm25s needs scipy only to build an index with its scipy backend (its numpy backend builds the
    same arrays, about half again as slow at 100,000 chunks), and a bot's cold start is spared
    scipy's import: 0.26 s of held GIL here, scipy's array-API shim loading every numpy
    submodule, f2py included. ``None`` in sys.modules is Python's documented way to make an
    import fail; the entry is removed once bm25s is loaded, so scipy stays importable."""
    if not lean or "bm25s" in sys.modules or "scipy" in sys.modules:
        import bm25s

        return bm25s
    sys.modules["scipy"] = None  # type: ignore[assignment]
    try:
        import bm25s
    finally:
        del sys.modules["scipy"]
    return bm25s


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    stop = _bm25s().stopwords
    return frozenset(stop.STOPWORDS_SWEDISH) | frozenset(stop.STOPWORDS_EN) | {"dnr", "då", "finns"}


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in stopwords()]


def grams(text: str, n: int = GRAM) -> list[str]:
    """Character n-grams of each word, with its boundaries marked ("#skol", "skola", "kola#")."""
    out: list[str] = []
    for w in words(text):
        w = f"#{w}#"
        out.extend(w[i : i + n] for i in range(max(1, len(w) - n + 1)))
    return out


class Analyzer:
    """Text to index tokens: stems, plus the stems of a compound's parts."""

    def __init__(self, vocabulary: set[str] | None = None) -> None:
        self.vocabulary = vocabulary or set()  # stems seen as whole words in the corpus
        self._split_cache: dict[str, list[str]] = {}

    @staticmethod
    def stem(word: str) -> str:
        return _stemmer().stemWord(word)

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        for w in words(text):
            parts = w.split("-") if "-" in w and not w[0].isdigit() else [w]
            for part in parts:
                if not part:
                    continue
                stem = self.stem(part)
                out.append(stem)
                out.extend(self.compound_parts(part))
        return out

    def compound_parts(self, word: str) -> list[str]:
        if len(word) < 8 or not self.vocabulary or word[0].isdigit():
            return []
        if word in self._split_cache:
            return self._split_cache[word]
        best: list[str] = []
        for i in range(len(word) - _MIN_PART, _MIN_PART - 1, -1):  # longest head first
            head, tail = word[:i], word[i:]
            tail_stem = self.stem(tail)
            if len(tail) < 4 or tail_stem not in self.vocabulary:
                continue
            for h in (head, head[:-1] if head.endswith("s") else None):
                if h and len(h) >= _MIN_PART and self.stem(h) in self.vocabulary:
                    best = [self.stem(h), tail_stem]
                    break
            if best:
                break
        self._split_cache[word] = best
        return best


def build_vocabulary(texts: list[str]) -> set[str]:
    vocab: set[str] = set()
    stem = Analyzer.stem
    for t in texts:
        for w in words(t):
            for part in w.split("-"):
                if len(part) >= 3 and not part.isdigit():
                    vocab.add(stem(part))
    return vocab


class KeywordIndex:
    """Two bm25s indexes (stems, 4-grams) over chunk ids, saved in one folder with the
    vocabulary and id list."""

    def __init__(
        self, retriever, gram_retriever, ids: list[str], analyzer: Analyzer, version: str
    ) -> None:
        self.retriever = retriever
        self.gram_retriever = gram_retriever
        self.ids = ids
        self.analyzer = analyzer
        self.version = version
        self._row = {cid: i for i, cid in enumerate(ids)}

    @classmethod
    def build(cls, ids: list[str], texts: list[str], version: str) -> KeywordIndex:
        bm25s = _bm25s()  # scipy's backend when bm25s has it, else numpy's: the same index
        analyzer = Analyzer(build_vocabulary(texts))
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        gram_retriever = bm25s.BM25(k1=1.2, b=0.75)
        if ids:
            retriever.index([analyzer.tokens(t) or [""] for t in texts], show_progress=False)
            gram_retriever.index([grams(t) or [""] for t in texts], show_progress=False)
        return cls(retriever, gram_retriever, ids, analyzer, version)

    @staticmethod
    def is_current(folder: Path, version: str) -> bool:
        """Does the folder hold a complete index of this chunk version, in this format?"""
        try:
            return (folder / "version.txt").read_text() == version and (
                folder / "format.txt"
            ).read_text() == FORMAT
        except FileNotFoundError:
            return False

    def save(self, folder: Path) -> None:
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self.ids:
            self.retriever.save(str(tmp / "bm25"))
            self.gram_retriever.save(str(tmp / "bm25-grams"))
        (tmp / "format.txt").write_text(FORMAT)
        (tmp / "ids.json").write_text(json.dumps(self.ids))
        (tmp / "vocabulary.json").write_text(json.dumps(sorted(self.analyzer.vocabulary)))
        (tmp / "version.txt").write_text(self.version)  # written last: marks the folder complete
        old = folder.with_name(folder.name + ".old")
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            os.replace(folder, old)
        os.replace(tmp, folder)
        shutil.rmtree(old, ignore_errors=True)

    @staticmethod
    def count(folder: Path) -> int | None:
        """Chunk ids a saved index holds (None: no complete index in the folder)."""
        try:
            return len(json.loads((folder / "ids.json").read_text()))
        except (FileNotFoundError, ValueError):
            return None

    @classmethod
    def load(cls, folder: Path) -> KeywordIndex | None:
        bm25s = _bm25s(lean=True)

        version = (folder / "version.txt").read_text() if (folder / "version.txt").exists() else ""
        if not version or not cls.is_current(folder, version):
            return None
        ids = json.loads((folder / "ids.json").read_text())
        analyzer = Analyzer(set(json.loads((folder / "vocabulary.json").read_text())))
        retriever = bm25s.BM25.load(str(folder / "bm25")) if ids else bm25s.BM25()
        grams_ = bm25s.BM25.load(str(folder / "bm25-grams")) if ids else bm25s.BM25()
        return cls(retriever, grams_, ids, analyzer, version)

    def search(
        self, query: str, k: int, allowed: set[str] | None = None, gram_weight: float = 0.0
    ) -> list[tuple[str, float]]:
        """(chunk id, score) best first; ``allowed`` restricts to those chunk ids.

        With ``gram_weight`` 0 the score is the stems' BM25 score; otherwise each side is scaled
        by its best score and mixed: (1 - gram_weight) * stems + gram_weight * 4-grams."""
        if not self.ids:
            return []
        scores = self._scores(self.retriever, self.analyzer.tokens(query))
        if gram_weight:
            g = self._scores(self.gram_retriever, grams(query))
            scores = (1 - gram_weight) * _scaled(scores) + gram_weight * _scaled(g)
        if not scores.any():
            return []
        if allowed is not None:
            mask = np.zeros(len(self.ids), dtype=bool)
            for cid in allowed:
                if (row := self._row.get(cid)) is not None:
                    mask[row] = True
            scores = np.where(mask, scores, 0.0)
        k = min(k, len(self.ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, stems) -> dict[str, float]:
        """BM25's inverse document frequency of each stem over the chunks; a stem no chunk uses
        gets the highest (it is as rare as a word can be)."""
        vocab = self.retriever.vocab_dict if self.ids else {}
        indptr = self.retriever.scores["indptr"] if self.ids else None
        n = len(self.ids)
        out = {}
        for stem in stems:
            t = vocab.get(stem)
            df = int(indptr[t + 1] - indptr[t]) if t is not None else 0
            out[stem] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out

    def _scores(self, retriever, tokens: list[str]) -> np.ndarray:
        vocab = retriever.vocab_dict
        tokens = [t for t in tokens if t in vocab]
        return retriever.get_scores(tokens) if tokens else np.zeros(len(self.ids))


def _scaled(scores: np.ndarray) -> np.ndarray:
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else scores
