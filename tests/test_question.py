"""The question read once (bot/question.py) and the shared Swedish lexicon (ingest/lexicon.py)."""

from __future__ import annotations

from bot.question import parse
from bot.support import answer_type_ok
from ingest.lexicon import years
from ingest.lexicon.questions import CUE_PATTERNS


def test_a_question_is_read_once_into_its_parts():
    q = parse("Vilket stöd får Lillholmsskolan under 2025 enligt UTBF 2024/6786?")
    assert q.lang == "sv" and not q.is_follow_up
    assert q.names == ("Lillholmsskolan",)  # "Vilket" opens the question, it names nothing
    assert q.years == {2025}  # the Dnr's year is not a year asked about
    assert [d.display for d in q.ids] == ["UTBF 2024/6786"]
    assert "stöd" in q.content and "vilket" not in q.content and q.names_something


def test_a_follow_up_is_resolved_before_anything_else_reads_it():
    q = parse("och Grimstaskolan då?", ["Vilket stöd har Rinkebyskolan fått?"])
    assert q.resolved == "Vilket stöd har Grimstaskolan fått?" and q.is_follow_up
    assert q.names == ("Grimstaskolan",)


def test_the_kind_of_question_gives_the_cue_its_answer_should_have():
    assert parse("När ska uppdraget redovisas?").cue == "deadline"
    assert parse("Varför ingår inte Skärholmen i nätverket?").cue == "reason"
    assert parse("Vad beslutade kommunfullmäktige om motionen?").cue == "decision"
    assert parse("Hur definieras en internationell skola i förslaget?").cue == "definition"
    assert parse("Vad avses med konfessionella inslag?").cue == "definition"
    assert parse("Vad gör nätverket?").cue is None
    assert CUE_PATTERNS["definition"].search("Begreppet bör definieras som inslag som …")
    assert not CUE_PATTERNS["definition"].search("Definitioner ska införas i skollagen.")
    assert CUE_PATTERNS["deadline"].search("Uppdraget ska redovisas senast den 31 mars 2025.")
    assert not CUE_PATTERNS["deadline"].search("Regeringen ger Skolverket i uppdrag att utreda.")


def test_what_a_question_asks_for_is_read_once():
    assert parse("Hur många skolor ingår?").expects_type
    assert parse("Vem skrev motionen?").expects_type
    assert not parse("Vad gör nätverket?").expects_type
    assert parse("How many teachers work there?").lang == "en"
    assert not parse("Hur går det till?").names_something


def test_a_year_span_counts_each_year_and_a_statute_reference_none():
    assert years("under 2021–2024") == {2021, 2022, 2023, 2024}
    assert years("enligt skollagen (2010:800)") == set()
    assert years("dnr 2024/6786, beslut 2019") == {2019}


def test_a_statute_reference_is_not_the_date_or_amount_asked_for():
    law = "Bestämmelserna finns i skollagen (2010:800)."
    assert not answer_type_ok("När infördes bestämmelserna?", law)
    assert not answer_type_ok("Hur mycket kostar reformen?", law)
    assert answer_type_ok("När infördes bestämmelserna?", "De infördes den 1 juli 2011.")
