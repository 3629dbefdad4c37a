"""The extractive answer: the one to three sentences of the top passages that best answer.

The candidate sentences of the top passages are scored by the fitted sentence ranker
(bot/ranker.py: cosine to the question, keyword shares, the passage, the cue phrase and answer
type the question calls for …). A chosen sentence that introduces a list ("… i form av:") brings
the list items with it.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from bot.injection import is_injection
from bot.question import Question
from bot.ranker import Ranker, feature_matrix
from bot.retrieval import Hit
from bot.support import type_found
from ingest.keywords import Analyzer
from ingest.lexicon import BACK_REFERENCE
from ingest.sentences import sentence_spans


@dataclass
class Sentence:
    hit_index: int
    start: int  # offsets into the hit's text
    end: int
    text: str
    score: float = 0.0
    dense: float = 0.0
    keyword: float = 0.0
    fallback: bool = False  # from below the top passages, for its answer type only
    prob: float = 0.0  # the ranker's probability that this candidate answers
    features: np.ndarray | None = None  # the ranker's feature row (bot/ranker.py)


class SentenceEmbeddingCache:
    """Sentence vectors by text; the same passages come back for related questions."""

    def __init__(self, embedder, size: int = 20000) -> None:
        self.embedder = embedder
        self.size = size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

    def get(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if todo:
            for t, v in zip(todo, self.embedder.embed_passages(todo), strict=True):
                self._cache[t] = v
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        for t in texts:
            self._cache.move_to_end(t)
        return np.stack([self._cache[t] for t in texts]) if texts else np.zeros((0, 1))


def candidate_sentences(
    hits: list[Hit], top_passages: int, per_passage: int, first: int = 0
) -> list[Sentence]:
    """Candidate sentences of hits[first:top_passages], at most the first ``per_passage`` of
    each (settings.candidates_per_passage); ``hit_index`` stays the hit's own index."""
    out: list[Sentence] = []
    for i, hit in enumerate(hits[:top_passages]):
        if i < first:
            continue
        spans = line_blocks(hit.text, sentence_spans(hit.text))
        for a, b in spans[:per_passage]:
            text = hit.text[a:b].strip()
            if len(text) >= 20 and any(c.isalpha() for c in text) and not is_injection(text):
                out.append(Sentence(i, a, b, text))
    return out


def typed_candidates(
    q: Question, hits: list[Hit], sentences: list[Sentence], top: int, per_passage: int
):
    """When the question asks for a name, number or date and none of the candidates from the top
    passages has one, the sentences of the asked type from the passages below them."""
    if not q.expects_type or any(type_found(q.wanted, s.text) for s in sentences):
        return sentences
    lower = candidate_sentences(hits, len(hits), per_passage, first=top)  # below the top ones
    lower = [s for s in lower if type_found(q.wanted, s.text)]
    for s in lower:
        s.fallback = True
    return sentences + lower


def line_blocks(
    text: str, spans: list[tuple[int, int]], short: int = 60, max_lines: int = 6
) -> list[tuple[int, int]]:
    """Runs of short lines without end punctuation become one candidate: a signature block
    ("Per Törnvall / Utbildningsdirektör / …") or a letterhead ("Handläggare / Anne Winterhagen /
    Telefon: …") says who and what only as a whole; one line alone is too short to quote."""
    out: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []

    def flush() -> None:
        if run:
            out.append((run[0][0], run[-1][1]))
            run.clear()

    for a, b in spans:
        piece = text[a:b].strip()
        if len(piece) < short and not piece.endswith((".", "!", "?", ":")) and "\n" not in piece:
            run.append((a, b))
            if len(run) == max_lines:
                flush()
        else:
            flush()
            out.append((a, b))
    flush()
    return out


def score_sentences(
    q: Question,
    question: str,
    qvec: np.ndarray,
    sentences: list[Sentence],
    hits: list[Hit],
    analyzer: Analyzer,
    cache: SentenceEmbeddingCache,
    ranker: Ranker,
    max_embedded: int = 40,
) -> list[Sentence]:
    """The candidates scored by the fitted sentence ranker (bot/ranker.py), best first; each
    gets its ranker score, its probability among the candidates and its feature row."""
    q_stems = set(analyzer.tokens(question))
    tokens = [analyzer.tokens(s.text) for s in sentences]  # once: the ranker's features read them
    for s, toks in zip(sentences, tokens, strict=True):
        s.keyword = len(q_stems & set(toks)) / len(q_stems) if q_stems else 0.0
    # past max_embedded candidates, the keyword share and the passage's rank choose which to
    # embed; the rest take the lowest cosine found
    ranked = sorted(sentences, key=lambda s: (-s.keyword, s.hit_index))
    chosen = ranked[:max_embedded]
    chosen += [s for s in sentences if s.fallback and s not in chosen]
    if chosen:
        vecs = cache.get([s.text for s in chosen])
        for s, v in zip(chosen, vecs, strict=True):
            s.dense = float(np.dot(v, qvec))
    floor = min((c.dense for c in chosen), default=0.0)
    for s in sentences:
        if s not in chosen:
            s.dense = floor
    if not sentences:
        return []
    matrix = feature_matrix(q, sentences, hits, analyzer, tokens)
    scores = ranker.scores(matrix)
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    for s, row, z, p in zip(sentences, matrix, scores, probs, strict=True):
        s.features, s.score, s.prob = row, float(z), float(p)
    return sorted(sentences, key=lambda s: -s.score)


def pick(sentences: list[Sentence], n: int, ratio: float) -> list[Sentence]:
    """The best sentence, and up to n-1 more that the ranker finds at least ``ratio`` as likely
    to answer and that say something new (n and ratio: Settings.answer_sentences and
    answer_sentence_ratio; no default here, so none can go stale)."""
    if not sentences:
        return []
    best = sentences[0]
    picked = [best]
    seen = {_norm(best.text)}
    for s in sentences[1:]:
        if len(picked) >= n or s.prob < ratio * best.prob:
            break
        key = _norm(s.text)
        if key in seen or any(key in k or k in key for k in seen):
            continue
        seen.add(key)
        picked.append(s)
    return picked


def extend(s: Sentence, hit_text: str) -> tuple[int, int]:
    """The sentence's span, with the sentence it refers back to ("… har därför …") and the items
    of a list it introduces ("… i form av:")."""
    start, end = with_list_items(s, hit_text)
    if BACK_REFERENCE.match(s.text):
        before = [a for a, b in sentence_spans(hit_text, 0, s.start) if b <= s.start]
        if before:
            start = before[-1]
    return start, end


def with_list_items(s: Sentence, hit_text: str, max_items: int = 8) -> tuple[int, int]:
    """Extend a sentence that introduces something ("… i form av:", "… beslutar följande:") over
    the list's items ("- ", "1. "), or over the one sentence that follows when no list does."""
    if not s.text.rstrip().endswith(":"):
        return s.start, s.end
    end = s.end
    pos = s.end
    count = 0
    for line in hit_text[s.end :].split("\n"):
        if _ITEM.match(line):
            end = pos + len(line.rstrip())
            count += 1
            if count >= max_items:
                break
        elif line.strip() and count:
            break
        pos += len(line) + 1
    if not count:
        after = sentence_spans(hit_text, s.end)
        if after:
            end = after[0][1]
    return s.start, end


_ITEM = re.compile(r"^\s*(?:- |\d{1,2}[.)] )")


def trim_passage(
    text: str, spans: list[tuple[int, int]], context: int = 1, limit: int = 700
) -> str:
    """The passage around the answering spans, with one sentence of context each side."""
    if not spans:  # a supporting passage: its opening is enough
        return _shorten(text, 320)
    sents = sentence_spans(text)
    a = min(s for s, _ in spans)
    b = max(e for _, e in spans)
    idx_a = next((i for i, (s, e) in enumerate(sents) if e > a), 0)
    idx_b = next((i for i, (s, e) in enumerate(sents) if e >= b), len(sents) - 1)
    start = sents[max(0, idx_a - context)][0] if sents else a
    end = sents[min(len(sents) - 1, idx_b + context)][1] if sents else b
    if end - start > limit:
        start, end = a, b
    out = text[start:end]
    return ("… " if start > 0 else "") + out + (" …" if end < len(text.rstrip()) else "")


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit] + " …"


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()
