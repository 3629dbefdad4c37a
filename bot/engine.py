"""The answering engine shared by the CLI, the Slack app and the evaluation.

question -> (follow-up resolution, Dnr detection) -> hybrid retrieval -> extractive answer with
numbered citations, or an honest refusal with the nearest passages -> grounding check.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from bot.compose import best_spans, citations, compose
from bot.extractive import (
    SentenceEmbeddingCache,
    candidate_sentences,
    pick,
    score_sentences,
    typed_candidates,
)
from bot.grounding import check_grounding, quoted_spans
from bot.judge import Judge, bundled_judge, confidence_needed
from bot.judge import features as judge_features
from bot.models import Answer, Filters
from bot.query import detect_language
from bot.question import Question, parse
from bot.ranker import Ranker, bundled_ranker
from bot.retrieval import DOC_ONLY_WORDS, Hit, HybridRetriever, VectorsLost, dedupe
from bot.support import coverage_share, missing_share, type_found
from bot.templates import messages, render
from ingest.embedding import Embedder, create_embedder
from ingest.families import without_ids
from ingest.settings import Settings

log = logging.getLogger(__name__)


class Engine:
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self.retriever = HybridRetriever(settings, embedder)
        self.sentence_cache = SentenceEmbeddingCache(embedder)
        self._chat = None
        self._judge: Judge | None = None
        self._ranker: Ranker | None = None
        if settings.answer_mode == "generative":  # a misconfigured model fails at start-up
            from bot.generative import Generator

            self._chat = Generator(settings)

    @classmethod
    def from_settings(cls, settings: Settings, embedder: Embedder | None = None) -> Engine:
        return cls(settings, embedder or create_embedder(settings))

    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> list[Hit]:
        """Ranked passages (no answer). Only overlapping chunks of one document are merged here:
        different documents that share boilerplate are all kept, since any may be the one asked for."""
        docs = self.retriever.documents
        doc_ids = docs.named_in(question) or docs.by_author(question)
        return dedupe(
            self.retriever.retrieve(question, k=k * 2, filters=filters, doc_ids=doc_ids or None),
            same_doc_only=True,
        )[:k]

    def answer(
        self,
        question: str,
        *,
        history: list[str] | None = None,
        filters: Filters | None = None,
        k: int | None = None,
        trace: dict | None = None,
    ) -> Answer:
        """The answer to a question. ``trace``, when given, receives the parsed question, the
        passages and the ranked candidate sentences (what ``python -m bot fit-ranker`` fits on)."""
        t0 = time.perf_counter()
        limit = self.settings.max_question_chars
        if len(question) > limit:  # refused at once: the work per question stays bounded
            lang = detect_language(question[:limit])
            text = messages(self.settings.prompts_dir, lang)
            refusal = text["question_too_long"].format(length=len(question), limit=limit)
            return Answer(question, refusal, True, [], lang=lang)
        history = [h[:limit] for h in history] if history else history
        self._reopen_if_stale()
        k = k or self.settings.top_k
        q = parse(question, history)
        lang, resolved = q.lang, q.resolved
        text = messages(self.settings.prompts_dir, lang)
        doc_ids = self.retriever.documents.with_ids(q.ids)  # the ids parse() read, not read again
        if not doc_ids and q.ids:  # no such document: say so, by id
            ids = ", ".join(dict.fromkeys(d.display for d in q.ids))
            return Answer(question, text["no_such_id"].format(id=ids), True, [], lang=lang)
        qvec = self.embedder.embed_query(resolved)
        t_embed = time.perf_counter()
        scope = doc_ids or self.retriever.documents.by_author(resolved)
        search = {"k": max(k, 3) * 2, "filters": filters, "doc_ids": scope or None}
        try:
            found = self.retriever.retrieve(resolved, query_vector=qvec, **search)
        except VectorsLost:  # reopening says how to repair, or finds the vectors back
            self._reopen_if_stale()
            found = self.retriever.retrieve(resolved, query_vector=qvec, **search)
        hits = dedupe(found)[:k]
        t_retrieve = time.perf_counter()
        sentences = self.rank_sentences(
            q,
            self.retriever.documents.without_authors(resolved)
            if scope and not doc_ids
            else resolved,
            qvec,
            hits,
        )
        if trace is not None:
            trace.update(question=q, hits=hits, sentences=sentences)
        picked = pick(
            sentences, self.settings.answer_sentences, self.settings.answer_sentence_ratio
        )
        parts = self._support(q, hits, sentences, picked, doc_ids)
        support = parts["support"]
        outcome = "refused" if support < self.settings.refusal_threshold or not picked else "answer"
        quoted = picked if outcome == "answer" else []
        confidence, feats = None, {}
        if outcome == "answer" and not parts.get("named_document"):
            feats = judge_features(q, hits, sentences, quoted, parts)
            confidence = self._judge_confidence(feats)
            if confidence is not None and confidence < confidence_needed(
                self.settings.wrong_answer_cost
            ):
                outcome = "passages"
        t_select = time.perf_counter()
        extra = {"lang": lang, "resolved_question": resolved if q.is_follow_up else None}
        if outcome != "answer":
            on_topic = outcome == "passages"  # show where each passage comes closest to answering
            answer = Answer(
                question,
                text["refusal" if outcome == "refused" else "no_direct_answer"],
                True,
                [],
                nearest=citations(hits[:3], best_spans(hits[:3], sentences) if on_topic else {}),
                outcome=outcome,
                **extra,
            )
        else:
            answer = compose(question, resolved, lang, hits, quoted, sentences)
        # the judge weighs the sentence the extractive answer would quote; a model reading the
        # passages may still find the answer there, so `passages` asks it too (its answer must
        # pass the grounding check; if it cannot answer, the passages are shown)
        if self.settings.answer_mode == "generative" and outcome != "refused":
            answer = self._generative(question, resolved, lang, hits, text, history or [], answer)
        ok, problems = check_grounding(answer, self.settings.llm_unquoted_words)
        if not ok:  # never show an answer that does not quote its sources exactly
            answer = Answer(
                question,
                text["grounding_failed"],
                True,
                [],
                nearest=answer.citations,
                lang=lang,
                grounded=False,
            )
        t_end = time.perf_counter()
        answer.timings_ms = {
            "embed": (t_embed - t0) * 1000,
            "retrieve": (t_retrieve - t_embed) * 1000,
            "select": (t_select - t_retrieve) * 1000,
            "total": (t_end - t0) * 1000,
        }
        answer.support, answer.confidence, answer.features = support, confidence, feats
        return answer

    def rank_sentences(self, q: Question, text: str, qvec, hits: list[Hit]) -> list:
        """The candidate sentences of the top passages (and, when the question wants a name,
        number or date none of them has, those of the passages below that have one), scored by
        the fitted sentence ranker, best first. ``text``: the question as its keywords count."""
        if self._ranker is None:
            self._ranker = Ranker.load(self.settings.ranker_model or bundled_ranker())
            self._warn_if_fitted_elsewhere("sentence ranker", self._ranker.meta, "fit-ranker")
        top, per = self.settings.answer_passages, self.settings.candidates_per_passage
        return score_sentences(
            q,
            text,
            qvec,
            typed_candidates(q, hits, candidate_sentences(hits, top, per), top, per),
            hits,
            self.retriever.keywords.analyzer,
            self.sentence_cache,
            self._ranker,
            max_embedded=self.settings.rank_embedded,
        )

    def _judge_confidence(self, feats: dict[str, float]) -> float | None:
        """The fitted judge's probability that the quoted sentences answer; None when the
        judge is off (wrong_answer_cost 0: every supported question is answered)."""
        if self.settings.wrong_answer_cost <= 0:
            return None
        if self._judge is None:
            self._judge = Judge.load(self.settings.judge_model or bundled_judge())
            self._warn_if_fitted_elsewhere("judge", self._judge.meta, "fit")
        return self._judge.confidence(feats)

    def _warn_if_fitted_elsewhere(self, what: str, meta: dict, command: str) -> None:
        """A fitted model's features (cosines above all) are those of the embedder it was fitted
        with; served with another, its weights and thresholds no longer mean what they did."""
        fitted = meta.get("embedder")
        if fitted and fitted != self.embedder.model_id:
            log.warning(
                "The %s was fitted on the vectors of %s, but this bot embeds with %s: its weights "
                "may not suit these vectors. Refit it (python -m bot %s) on indexes built with "
                "this embedder, or serve with the embedder it was fitted for.",
                what,
                fitted,
                self.embedder.model_id,
                command,
            )

    def _reopen_if_stale(self) -> None:
        """A long-running bot sees a weekly re-ingest without a restart: it reopens the index
        once an ingest run has finished (not per file). An index found inconsistent on reopening
        (Chroma emptied) raises IndexInconsistentError, saying how to repair, on every question
        until it is repaired."""
        if self.retriever.is_stale():
            log.info("index %s changed; reopening it", self.settings.index_path)
            self.retriever.close()  # first: a fresh Chroma client sees other processes' writes
            self.retriever = HybridRetriever(self.settings, self.embedder)

    def _generative(self, question, resolved, lang, hits, text, history, extractive) -> Answer:
        """The LLM's answer if it passes the grounding check; otherwise the extractive answer (or
        the passages on the topic) with a note saying why (the endpoint failed, or its answer
        could not be verified)."""
        from bot.generative import GenerationError

        label = self._chat.label
        fallback = {"llm": label, "fallback": True}
        try:
            reply = self._chat.answer(resolved, lang, hits, text["refusal"], history)
        except GenerationError as exc:
            log.warning("generative answer unavailable, answering extractively: %s", exc)
            return replace(extractive, note=render(text["llm_unavailable"], llm=label), **fallback)
        common = {"lang": lang, "mode": "generative", "llm": label}
        common["resolved_question"] = extractive.resolved_question
        if reply.strip(' "”“.') == text["refusal"].strip(" ."):  # the refusal, give or take a stop
            if extractive.outcome == "passages":  # the passages on the topic say more than no
                return replace(extractive, **common)
            nearest = citations(hits[:3], {})
            return Answer(question, text["refusal"], True, [], nearest=nearest, **common)
        spans = {i: quoted_spans(reply, h.text) for i, h in enumerate(hits)}
        answer = Answer(question, reply, False, citations(hits, spans), **common)
        ok, problems = check_grounding(answer, self.settings.llm_unquoted_words)
        if ok:
            return answer
        log.warning(
            "generative answer (%s) failed the grounding check (%s); answering extractively",
            label,
            "; ".join(problems),
        )
        return replace(extractive, note=text["llm_ungrounded"], **fallback)

    def _support(self, q: Question, hits: list[Hit], sentences, picked, doc_ids) -> dict:
        """How well the passages support an answer (refused below the calibrated threshold), and
        the parts it is made of, which the judge reads too."""
        if not hits:
            return {"support": 0.0}
        analyzer = self.retriever.keywords.analyzer
        if doc_ids and not _asks_more_than_the_name(q.resolved, analyzer):
            # "Vad handlar UTBF 2024/6786 om?": the document's summary answers
            return {"support": 1.0, "named_document": 1.0}
        if not q.names_something:
            return {"support": 0.0}  # "Hur går det till?": nothing to look up
        best = sentences[0] if sentences else None
        hit = hits[best.hit_index] if best else hits[0]
        kw = best.keyword if best else 0.0
        dense = max(hits[0].dense, best.dense if best else 0.0)
        st = self.settings
        if q.lang == "en":  # Swedish stems cannot match an English question's words
            kw, missing, coverage = st.support_keyword_share_en, 0.0, None  # coverage: unknown
        else:
            missing = missing_share(q.resolved, analyzer, hits[0].text)
            coverage = coverage_share(q.resolved, self.retriever.keywords, hit.text, hit.metadata)
        # a passage under a school's heading speaks of that school ("… > Rinkebyskolan")
        headings = {
            (hits[s.hit_index].metadata.get("section") or "").split(" > ")[-1] for s in picked
        }
        typed = type_found(q.wanted, " ".join(s.text for s in picked), " / ".join(headings))
        support = (
            dense
            + st.support_keyword_weight * kw
            - st.support_missing_weight * missing
            - (0.0 if typed else st.type_penalty)
        )
        return {"support": support, "missing": missing, "typed": float(typed), "coverage": coverage}


def _asks_more_than_the_name(question: str, analyzer) -> bool:
    """Does a question that names a document by Dnr or motion number also ask about something
    in it ("Vad beslutade kommunfullmäktige om motion 2013:44?")? Then it is checked for support
    like any other; naming a real document is not by itself an answer."""
    rest = without_ids(question)
    return bool(set(analyzer.tokens(rest)) - DOC_ONLY_WORDS)
