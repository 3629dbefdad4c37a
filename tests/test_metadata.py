"""Metadata read from the four bundled statements' text: title, Dnr, date, type, authors, motion
numbers, signatories, handläggare (ingest/metadata.py, through the pipeline's reading chain)."""

from __future__ import annotations

import pytest

from tests.cleaning_helpers import (
    M11,
    M13,
    STATEMENTS,
    N,
    Parsed,
    V,
    parsed_documents,
)


@pytest.fixture(scope="module")
def docs() -> dict[str, Parsed]:
    return parsed_documents()



def test_titles_come_from_the_text(docs):
    assert docs[N].md.title == "Skolverkets nätverk för skolor i utsatta områden"
    assert docs[V].md.title == "Att vända skolresultat"
    assert docs[M11].md.title == (
        "Motion 2011:24: Ökad jämlikhet, minskad segregation och goda uppväxtvillkor "
        "för barn och unga"
    )
    assert docs[M13].md.title == (
        "Motion 2013:44 om konkreta åtgärder för att bryta kunskapssegregationen"
    )
    assert {docs[name].md.title_from for name in STATEMENTS} == {"text"}


def test_dnr_comes_from_the_removed_page_header_and_is_none_elsewhere(docs):
    utbf = docs[V]
    assert utbf.md.dnr == "UTBF 2024/6786"
    assert utbf.cleaned.header_dnrs == ["UTBF 2024/6786"]
    assert "Dnr UTBF 2024/6786" in utbf.cleaned.removed_lines
    assert "2024/6786" not in utbf.text  # only the header carried it, and the header is gone
    assert utbf.md.year == 2024  # no date in the text: the Dnr gives the year
    for name in (N, M11, M13):
        assert docs[name].md.dnr is None, name


def test_date_is_iso_where_the_text_gives_one(docs):
    assert docs[N].md.date == "2025-11-20"
    assert docs[N].md.year == 2025
    for name in (V, M11, M13):
        assert docs[name].md.date is None, name


def test_doc_type_tells_answers_to_skrivelser_from_remissvar_on_motions(docs):
    assert docs[N].md.doc_type == "svar på skrivelse"
    assert docs[V].md.doc_type == "svar på skrivelse"
    assert docs[M11].md.doc_type == "remissvar på motion"
    assert docs[M13].md.doc_type == "remissvar på motion"


def test_authors_with_party(docs):
    assert docs[N].md.authors == [{"name": "Jan Jönsson", "party": "L"}]
    assert docs[V].md.authors == [{"name": "Andréa Hedin m.fl.", "party": "M"}]
    assert docs[M11].md.authors == [
        {"name": "Karin Rågsjö", "party": "V"},
        {"name": "Måns Almqvist", "party": "V"},
    ]
    assert docs[M13].md.authors == [{"name": "Karin Rågsjö", "party": "V"}]
    assert docs[M11].md.author_label == "Karin Rågsjö och Måns Almqvist (V)"


def test_motion_numbers(docs):
    assert docs[M11].md.motion_number == "2011:24"
    assert docs[M13].md.motion_number == "2013:44"
    assert docs[M11].md.year == 2011 and docs[M13].md.year == 2013
    assert docs[N].md.motion_number is None and docs[V].md.motion_number is None


def test_signatories_with_roles(docs):
    assert docs[N].md.signatories == [
        {"name": "Per Törnvall", "role": "Utbildningsdirektör"},
        {"name": "Peter Bragner", "role": "Grundskoledirektör"},
    ]
    # two signatures side by side on one line, roles under them
    assert docs[V].md.signatories == [
        {"name": "Lena Holmdahl", "role": "Utbildningsdirektör"},
        {"name": "Peter Bragner", "role": "Grundskoledirektör"},
    ]
    # names joined by one space, the second role wrapped onto the next line
    assert docs[M11].md.signatories == [
        {"name": "Thomas Persson", "role": "Utbildningsdirektör"},
        {"name": "Johanna Engman", "role": "Avdelningschef, biträdande förvaltningschef"},
    ]
    assert docs[M13].md.signatories == []


def test_handlaggare_and_recipient(docs):
    assert docs[N].md.handlaggare == "Anne Winterhagen"
    assert docs[N].md.recipient == "Utbildningsnämnden"  # the date after it is not part of it
    assert docs[V].md.handlaggare is None
