"""The support features and sentence candidates on hand-made text (no index needed)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    "question, fits, does_not_fit",
    [
        (
            "Hur stort är tilläggsanslaget?",
            "Anslaget är 1 200 kronor.",
            "Anslaget är avsett för skolor.",
        ),
        ("Hur stora är klasserna?", "Klasserna har 25 elever.", "Klasserna är blandade."),
        ("Hur många skolor gäller det?", "Det gäller fem skolor.", "Det gäller skolorna i Vantör."),
        (
            "Hur många rektorer deltar?",
            "Där deltar 12 rektorer.",
            "Stockholm och två andra kommuner.",
        ),
        ("Vad är KUF?", "Kvalitetsutveckling genom förstelärare (KUF).", "Förstelärare leder."),
        ("vad är fokussskolor", "sjutton skolor, benämnda fokusskolor", "sjutton grundskolor"),
        ("Vad är life science?", "Life science är biovetenskap.", "Stockholm Science & Innovation"),
        ("Hur många av ungdomarna nåddes?", "Av de 4 969 ungdomar nåddes 4 787.", "Alla nåddes."),
        ("När startade nätverket?", "Nätverket startade 2022.", "Nätverket är ett samarbete."),
        ("Under vilken period var skolan med?", "Ht 2019 till vt 2022.", "Skolan var med."),
        ("Från vilket år gäller modellen?", "Den gäller från 2012.", "Modellen är ny."),
        # a number asked for by its noun, a sum of money by "belopp", a frequency by "Hur ofta"
        ("Vilken lägsta ålder föreslås?", "Åldersgränsen höjs från 16 till 18 år.", "Åldersgränsen höjs."),
        ("Till vilket belopp höjs gränsen?", "Gränsen höjs till 120 000 kronor.", "Gränsen höjs 2025."),
        ("Hur ofta görs körningar i registret?", "Registret körs en gång per vecka.", "Registret körs ofta."),
        ("How often is the register checked?", "Det görs varje månad.", "Det görs i registret."),
        # "Vilket datum …?" asks for a day: a season or a year alone does not give one
        ("Vilket datum ska uppdraget redovisas?", "Det ska redovisas senast den 27 juni 2025.", "Det ska redovisas våren 2025."),
        ("Vilken dag behandlas ärendet?", "Ärendet behandlas 2025-02-12.", "Ärendet behandlas i februari."),
        ("Hur länge ska rätten gälla?", "Rätten ska gälla i tre år.", "Rätten gäller från 2025."),
        ("Under hur lång tid pågår försöket?", "Försöket pågår under 18 månader.", "Försöket är nytt."),
        ("Vem är rektor på skolan?", "Rektor är Anna Borg.", "Rektorn leder skolan."),
        ("Vilken rektor leder skolan?", "Skolan leds av Anna Borg.", "Rektorn leder skolan."),
        ("Vilken forskare nämns?", "Lärarna (t.ex. John Hattie) betyder mest.", "Forskare menar så."),
        ("Vilka skolor avses?", "Hagsätraskolan och Rinkebyskolan.", "Sjutton skolor, fokusskolor."),
        ("Vilken skola i Kista?", "Stockholm Science & Innovation School (SSIS).", "En skola i Kista."),
        # a body: a compound ending in one, a name inside the sentence, "Myndigheten för …", (S)
        ("Vilket departement bereder frågan?", "Frågan bereds i Finansdepartementet.", "Frågan bereds."),
        ("Vilken myndighet ska utreda?", "Regeringen ger Statens skolinspektion uppdraget.", "En myndighet ska utreda."),
        ("Vilken myndighet ska utreda?", "Myndigheten för delaktighet ska utreda det.", "Myndigheten ska utreda det."),
        ("Vilka avdelningar deltog?", "Det gjordes inom gymnasieavdelningen.", "Flera avdelningar deltog."),
        ("Vilket parti skrev motionen?", "Motionen är skriven av Eva Ek (S).", "Motionen kom i maj."),
        ("Vilken organisation driver läxhjälpen?", "Läxhjälpen drivs av Röda korset.", "Läxhjälpen drivs i rektorsnätverket."),
        # "vilka" before a verb of writing or signing asks for the authors, as "Vem skrev …?"
        ("Vilka skrev motionen?", "Motionen är skriven av Eva Ek och Per Holm.", "Motion 2011:24: Ökad jämlikhet."),
        ("Vilka står bakom skrivelsen?", "En skrivelse från Jan Jönsson (L).", "Skrivelsen kom i maj."),
        ("Vilka motionärer står bakom motionen?", "Av Karin Rågsjö och Måns Almqvist.", "Motionärerna föreslår följande."),
    ],
)
def test_answer_type_check_wants_a_number_date_name_or_the_term_defined(
    question, fits, does_not_fit
):
    from bot.support import answer_type_ok

    assert answer_type_ok(question, fits)
    assert not answer_type_ok(question, does_not_fit)


def test_vilka_before_another_verb_and_a_compound_of_budget_ask_for_no_particular_type():
    from bot.support import wanted_type

    assert wanted_type("Vilket krav uppfyller inte budgetramverket?") is None  # a framework
    assert wanted_type("Hur stor är förvaltningens budget för 2025?") == ("amount", "")
    assert wanted_type("Vad var budgeten?") == ("amount", "")
    assert wanted_type("Vad föreslås om beloppsregeln?") is None  # a rule, not a sum

    assert wanted_type("Vilka kan ofta gå utan skor?") is None
    assert wanted_type("Vilka är de två andra kommunerna?") is None
    assert wanted_type("Vilka skrev motionen?")[0] == "person"


def test_short_lines_are_grouped_and_sentences_are_not():
    from bot.extractive import line_blocks
    from ingest.sentences import sentence_spans

    text = (
        "Förvaltningen föreslår att nämnden godkänner svaret.\n\n"
        "Per Törnvall\nUtbildningsdirektör\nPeter Bragner\nGrundskoledirektör"
    )
    blocks = [text[a:b] for a, b in line_blocks(text, sentence_spans(text))]
    assert blocks == [
        "Förvaltningen föreslår att nämnden godkänner svaret.",
        "Per Törnvall\nUtbildningsdirektör\nPeter Bragner\nGrundskoledirektör",
    ]


def test_the_bundled_thesaurus_reads_and_maps_inflected_words_to_synonyms():
    from bot.synonyms import BUNDLED, bundled, read_mythes
    from ingest.keywords import Analyzer

    entries = read_mythes(BUNDLED)
    assert len(entries) > 10_000
    assert "arbeta" in entries["jobba"]  # decoded from ISO-8859-1: "göra" etc. keep their å, ä, ö
    assert all("\ufffd" not in s for syns in entries.values() for s in syns)
    thesaurus = bundled(Analyzer.stem)
    assert thesaurus.alternatives(Analyzer.stem("jobbar"), {"arbet", "skol"}) == ["arbet"]
    assert thesaurus.alternatives(Analyzer.stem("jobbar"), {"skol"}) == []


def test_a_word_the_corpus_lacks_is_a_paraphrase_only_when_the_passage_uses_its_synonym():
    from bot.support import missing_share
    from ingest.keywords import Analyzer, build_vocabulary

    passage = "Ansvaret för ungdomar som inte går i skola eller arbetar har överförts till nämnden."
    analyzer = Analyzer(build_vocabulary([passage, "Bedömning sker varje termin."]))
    question = "Vem har ansvaret för unga som inte jobbar?"  # content words: ansvaret, jobbar
    assert missing_share(question, analyzer) == 0.5  # "jobbar": never in the corpus
    assert missing_share(question, analyzer, passage) == 0.0  # the passage says "arbetar"
    assert missing_share(question, analyzer, "Nämnden följer upp.") == 0.5
    # "betyg": its synonym "bedömning" is elsewhere in the corpus, not in the passage answering
    assert missing_share("Vilka betyg fick ungdomar?", analyzer, passage) == 0.5
    assert missing_share("Vilka betyg fick ungdomar?", analyzer, "Bedömning sker.") == 0.0


def test_sentences_of_the_asked_type_are_sought_below_the_top_passages_only_when_needed():
    from bot.extractive import candidate_sentences, typed_candidates
    from bot.question import parse
    from bot.retrieval import Hit
    from ingest.settings import Settings

    per = Settings().candidates_per_passage
    texts = [
        "Forskning om lärarnas betydelse styr arbetet.",
        "Förvaltningen satsar på lärare.",
        "Kompetensutveckling erbjuds alla.",
        "De viktigaste faktorerna är lärarnas kompetens (t.ex. John Hattie: Visible learning).",
    ]
    hits = [Hit(f"c{i}", "d", t, {}, 1.0 - i / 10, 0.8, 1.0) for i, t in enumerate(texts)]
    top = candidate_sentences(hits, 3, per)
    question = "Vilken forskare hänvisar förvaltningen till?"
    extra = typed_candidates(parse(question), hits, top, 3, per)[len(top) :]
    assert [(s.hit_index, s.fallback) for s in extra] == [(3, True)]
    # a question that asks for no type, or whose top passages answer it in kind, looks no further
    assert typed_candidates(parse("Vad satsar förvaltningen på?"), hits, top, 3, per) == top
    hits[1].text = "Förvaltningen satsar på lärare, enligt Anna Borg."
    top = candidate_sentences(hits, 3, per)
    assert typed_candidates(parse(question), hits, top, 3, per) == top


def test_a_sentence_referring_back_within_its_first_words_brings_the_one_before():
    from bot.extractive import Sentence, extend

    text = (
        "Elever som invandrat inom två år ger högst vikt. "
        "I den nya modellen är detta den kategori som genererar högst anslag."
    )
    start = text.index("I den nya")
    a, b = extend(Sentence(0, start, len(text), text[start:]), text)
    assert text[a:b] == text


def test_a_school_question_is_answered_by_a_passage_under_the_schools_heading():
    from bot.support import answer_type_ok

    question = "Vilken skola hade en lektor?"
    sentence = "Skolan har haft en lektor som utvecklat undervisningen."
    assert not answer_type_ok(question, sentence)
    assert answer_type_ok(question, sentence, "Rinkebyskolan")
    # headings count for school questions only: a number there does not answer "Hur många"
    assert not answer_type_ok("Hur många rektorer deltar?", "Två andra kommuner.", "12 rektorer")
