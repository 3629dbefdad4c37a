"""The extractive answer's text and its citations: the chosen sentences quoted in citation order
with their [n] markers, and each passage cited with its title, id, date, section and page."""

from __future__ import annotations

from bot.extractive import extend, trim_passage
from bot.models import Answer, Citation
from bot.retrieval import Hit


def compose(question: str, resolved: str, lang: str, hits: list[Hit], picked, ranked=()) -> Answer:
    """The answer quoting the picked sentences (extended over a list they introduce or the
    sentence they refer back to), each followed by its citation's [n]. A cited passage the
    answer does not quote is shown around its best sentence among ``ranked`` (the scored
    candidates, best first), or by its opening when it has none."""
    order = {}
    for s in picked:  # citations numbered in the order the answer uses them, then the rest
        order.setdefault(s.hit_index, len(order) + 1)
    for i in range(len(hits)):
        order.setdefault(i, len(order) + 1)
    spans: dict[int, list[tuple[int, int]]] = {}
    parts = []
    for s in sorted(picked, key=lambda s: (order[s.hit_index], s.start)):
        a, b = extend(s, hits[s.hit_index].text)
        if any(a < b2 and a2 < b for a2, b2 in spans.get(s.hit_index, [])):
            continue  # already quoted as part of a neighbour
        spans.setdefault(s.hit_index, []).append((a, b))
        quote = hits[s.hit_index].text[a:b].strip()
        parts.append(f"{quote} [{order[s.hit_index]}]")
    closest = best_spans(hits, ranked)
    in_order = sorted(range(len(hits)), key=lambda i: order[i])
    cited = citations(
        [hits[i] for i in in_order],
        {r: spans.get(i) or closest.get(i, []) for r, i in enumerate(in_order)},
    )
    return Answer(
        question,
        "\n".join(parts),
        False,
        cited,
        lang=lang,
        resolved_question=resolved if resolved != question else None,
    )


def citations(hits: list[Hit], spans: dict[int, list[tuple[int, int]]]) -> list[Citation]:
    """The hits as numbered citations; ``spans`` by position: the quoted spans of each passage."""
    out = []
    for n, h in enumerate(hits, start=1):
        md = h.metadata
        out.append(
            Citation(
                n=n,
                chunk_id=h.chunk_id,
                doc_id=h.doc_id,
                source=md.get("source", ""),
                title=md.get("title"),
                dnr=md.get("dnr"),
                date=md.get("date"),
                section=md.get("section"),
                page=md.get("pages"),
                text=trim_passage(h.text, spans.get(n - 1, [])),
                full_text=h.text,
                score=round(h.score, 4),
                doc_type=md.get("type"),
                ref=md.get("ref"),
            )
        )
    return out


def best_spans(hits: list[Hit], ranked) -> dict[int, list[tuple[int, int]]]:
    """Each passage's best-ranked candidate sentence (with what it introduces or refers back
    to), so that a passage shown without a quote (instead of an answer, or as a source the answer
    does not quote) is excerpted where it comes closest to answering, not by its opening.
    ``ranked``: the scored candidates, best first."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for s in ranked:
        if s.hit_index < len(hits) and s.hit_index not in spans:
            spans[s.hit_index] = [extend(s, hits[s.hit_index].text)]
    return spans
