"""Block Kit rendering, escaping of document text, templates, and the guard's small parts."""

from __future__ import annotations

import json

import pytest

from bot.models import Answer, Citation
from bot.slack.blocks import (
    ZWJ,
    TemplateError,
    Templates,
    answer_blocks,
    escape,
    fallback_text,
)
from bot.slack.guard import Access, Deduper, RateLimiter, question_of
from bot.slack.listeners.common import question_text
from ingest.settings import Settings

HOSTILE = "<!channel> <@U123> <https://evil|x> @here"


@pytest.fixture(scope="module")
def templates() -> Templates:
    return Templates.from_prompts_dir(Settings().prompts_dir)


def citation(n: int, text: str = "Stöd från central förvaltning.", **kw) -> Citation:
    fields = dict(
        n=n,
        chunk_id=f"c{n}",
        doc_id="d1",
        source="UTBF-2024-6786_att-vanda-skolresultat.txt",
        title="Att vända skolresultat",
        dnr="UTBF 2024/6786",
        date="2024-11-20",
        section="Rinkebyskolan",
        page="3",
        text=text,
        full_text=text,
        score=0.9,
    )
    return Citation(**{**fields, **kw})


def answer(n_citations: int = 2, **kw) -> Answer:
    fields = dict(
        question="Vilket stöd har Rinkebyskolan fått?",
        answer="Rinkebyskolan har fått stöd genom Samverkan för bästa skola [1].",
        refused=False,
        citations=[citation(i) for i in range(1, n_citations + 1)],
    )
    return Answer(**{**fields, **kw})


def all_text(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def test_a_hostile_passage_cannot_mention_broadcast_or_link(templates):
    hostile = answer(citations=[citation(1, HOSTILE, title=HOSTILE, section="@channel")])
    blocks = answer_blocks(hostile, templates, "a1")
    text = all_text(blocks)
    for live in ("<!channel>", "<@U123>", "<https://", "|x>", "@here", "@channel", "https://"):
        assert live not in text, live
    assert "&lt;!channel&gt;" in text and "&lt;@U123&gt;" in text
    assert f"@{ZWJ}here" in text and f"@{ZWJ}channel" in text
    for block in blocks:
        if block["type"] == "section":
            assert block["text"]["verbatim"] is True


def test_escape_follows_slacks_rules_and_is_applied_to_the_answer_too(templates):
    assert escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    assert escape("@everyone se www.example.se") == f"@{ZWJ}everyone se www{ZWJ}.example.se"
    assert escape(None) == ""
    blocks = answer_blocks(answer(answer=HOSTILE), templates, "a1")
    assert "<!channel>" not in all_text(blocks)
    assert "<" not in fallback_text(answer(question="<!here> hej"), templates)


def test_each_citation_is_compact_with_title_dnr_date_section_page_and_quote(templates):
    blocks = answer_blocks(answer(1), templates, "a1")
    (cited,) = [
        b for b in blocks if b["type"] == "section" and b["text"]["text"].startswith("*[1]")
    ]
    title, meta, quote = cited["text"]["text"].split("\n")
    assert title == "*[1] Att vända skolresultat*"
    assert meta == "Dnr UTBF 2024/6786 · 2024-11-20 · avsnitt Rinkebyskolan · s. 3"
    assert quote == "> Stöd från central förvaltning."
    assert blocks[0]["text"]["text"].startswith("Rinkebyskolan har fått stöd")


def test_more_than_three_sources_are_folded_behind_a_button(templates):
    folded = answer_blocks(answer(5), templates, "a1")
    cited = [b for b in folded if b["type"] == "section" and b["text"]["text"].startswith("*[")]
    assert len(cited) == 3
    buttons = {e["action_id"]: e for e in folded[-1]["elements"]}
    assert buttons["show_more_sources"]["text"]["text"] == "Visa fler källor (2)"
    assert buttons["show_more_sources"]["value"] == "a1"
    assert {"feedback_up", "feedback_down"} <= buttons.keys()

    expanded = answer_blocks(answer(5), templates, "a1", expanded=True)
    cited = [b for b in expanded if b["type"] == "section" and b["text"]["text"].startswith("*[")]
    assert len(cited) == 5
    assert "show_more_sources" not in all_text(expanded)

    assert "show_more_sources" not in all_text(answer_blocks(answer(3), templates, "a1"))


def test_a_refusal_says_so_and_labels_the_nearest_passages(templates):
    refused = answer(
        answer="Jag hittar inget stöd för ett svar i dokumenten.",
        refused=True,
        citations=[],
        nearest=[citation(1)],
    )
    text = all_text(answer_blocks(refused, templates, "a1"))
    assert "Inget svar i underlagen" in text
    assert "Jag hittar inget stöd" in text
    assert "Närmaste träffar" in text
    assert "Källor" not in text


def test_a_slash_command_answer_has_a_share_button(templates):
    blocks = answer_blocks(answer(), templates, "a1", shareable=True)
    share = [e for e in blocks[-1]["elements"] if e["action_id"] == "share_answer"]
    assert share and share[0]["text"]["text"] == "Dela i kanalen"


def test_templates_fail_loudly_on_a_missing_variable_or_file(templates, tmp_path):
    with pytest.raises(TemplateError, match="error_id"):
        templates.render("error")
    with pytest.raises(TemplateError, match="no_such_template"):
        templates.render("no_such_template")
    with pytest.raises(TemplateError, match="not found"):
        Templates.from_prompts_dir(tmp_path)
    assert "4f2a9c01" in templates.render("error", error_id="4f2a9c01")


def test_a_slack_message_becomes_a_plain_question():
    text = "<@U0BOT> Vad gäller för <https://x.se|Rinkebyskolan> &amp; Grimsta &lt;2025&gt;?"
    assert question_text(text) == "Vad gäller för Rinkebyskolan & Grimsta <2025>?"
    assert question_text("<@U0BOT>") == ""


def test_deduper_forgets_after_the_ttl():
    now = [0.0]
    d = Deduper(ttl_s=60, clock=lambda: now[0])
    assert d.first_time("event:1", "msg:C1:1")
    assert not d.first_time("event:1")
    assert not d.first_time("event:2", "msg:C1:1")  # same message through another event
    now[0] = 61
    assert d.first_time("event:1")


def test_rate_limiter_allows_n_per_minute_per_user():
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert limiter.allow("U1") and limiter.allow("U1")
    assert not limiter.allow("U1")
    assert limiter.allow("U2")
    now[0] = 60
    assert limiter.allow("U1")


def test_access_checks_channels_and_dms():
    assert Access.of([], True).verdict("C1", False) is None
    assert Access.of(["C1"], True).verdict("C2", False) == "channel_not_allowed"
    assert Access.of(["C1"], False).verdict("D1", True) == "dms_off"
    dm = {
        "type": "event_callback",
        "event": {
            "type": "message",
            "channel_type": "im",
            "user": "U1",
            "channel": "D1",
            "ts": "1.0",
        },
    }
    assert question_of(dm).is_dm
    edited = {"type": "event_callback", "event": {**dm["event"], "subtype": "message_changed"}}
    assert question_of(edited) is None


def test_the_fallback_note_is_shown_under_the_answer(templates):
    """A generative answer replaced by the extractive one says why, in Slack as in the terminal."""
    note = "Språkmodellen svarade inte <i tid>; svaret nedan är utdrag ur dokumenten."
    blocks = answer_blocks(answer(note=note, fallback=True), templates, "a1")
    contexts = [b for b in blocks if b["type"] == "context"]
    assert any("utdrag ur dokumenten" in json.dumps(c, ensure_ascii=False) for c in contexts)
    assert "&lt;i tid&gt;" in all_text(blocks)
    assert "Språkmodellen" not in all_text(answer_blocks(answer(), templates, "a2"))
