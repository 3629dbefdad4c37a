"""Reading, cleaning, sections, chunks and sentences on the bundled statements and real PDFs.

No embeddings here: readers -> clean_pages -> extract_metadata -> chunk_document, exactly as the
pipeline chains them (``Ingestor._prepare_file``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunking import render
from ingest.errors import IngestFileError
from ingest.readers import read_file
from ingest.sentences import sentence_spans
from tests.cleaning_helpers import (
    CORPUS,
    DATA,
    DIR_PDF,
    FONT_PDF,
    HD_PDF,
    M11,
    M13,
    MAX_BYTES,
    STATEMENTS,
    N,
    Parsed,
    V,
    lines,
    parse,
    parsed_documents,
    sections,
)


@pytest.fixture(scope="module")
def docs() -> dict[str, Parsed]:
    return parsed_documents()


# --- sections ------------------------------------------------------------------------------------


def test_utbf_has_a_subsection_per_school(docs):
    found = sections(docs[V])
    parent = "Förvaltningens synpunkter och förslag"
    for school in ("Hagsätraskolan", "Hässelbygårdsskolan", "Rinkebyskolan", "Lillholmsskolan",
                   "Grimstaskolan"):
        assert f"{parent} > {school}" in found
    hassleby = [c for c in docs[V].chunks if c.section_path == [parent, "Hässelbygårdsskolan"]]
    assert "Hässelbygårdsskolan har central förvaltning" in hassleby[0].text
    assert all("Rinkebyskolan" not in c.text for c in hassleby)


def test_wrapped_consequences_heading_is_one_whole_section(docs):
    found = sections(docs[V])
    assert "Konsekvenser för barn och barnets rättigheter samt jämställdhetsanalys" in found
    assert "jämställdhetsanalys" not in [ln for c in docs[V].chunks for ln in lines(c.text)]
    assert "Konsekvenser för barn och barns rättigheter samt jämställdhet" in sections(docs[N])


def test_motion_2013_44_has_one_section_per_point(docs):
    parent = "Förvaltningens synpunkter och förslag"
    points = [
        "Attraktiva profiler i ytterstadsskolor för att attrahera elever från hela staden",
        "Skolor med låga resultat ska ha resurser att anställa de bästa lärarna",
        "Kostnadsfri läxhjälp av utbildade lärare",
        "Säkra att elever med behov av särskilt stöd får specialpedagogiskt stöd",
        "Stärka studierådgivningen",
        "Kartlägga varför elever lämnar grundskolan utan att vara behöriga",
        "Unga som inte börjar eller hoppar av gymnasieskolan ska sökas upp inom 14 dagar",
    ]
    found = sections(docs[M13])
    assert [s for s in found if s.startswith(f"{parent} > ")] == [f"{parent} > {p}" for p in points]
    study = [c for c in docs[M13].chunks if c.section_path[-1] == "Stärka studierådgivningen"]
    assert "heltidsanställd studie- och yrkesvägledare" in study[0].text


def test_section_names_of_the_other_statements(docs):
    assert sections(docs[M11]) == [
        "Förvaltningens förslag till beslut", "Sammanfattning", "Ärendets beredning", "Bakgrund",
        "Förvaltningens synpunkter", "Förvaltningens förslag", "Bilaga",
    ]
    assert sections(docs[N]) == [
        "Inledning", "Förvaltningens förslag till beslut", "Sammanfattning", "Bakgrund/Ärendet",
        "Ärendets beredning", "Förvaltningens synpunkter och förslag",
        "Konsekvenser för barn och barns rättigheter samt jämställdhet", "Förslag till beslut",
        "Bilaga",
    ]


# --- what cleaning removes and keeps -------------------------------------------------------------


@pytest.mark.parametrize("name", STATEMENTS)
def test_no_page_furniture_or_debris_in_chunks(docs, name):
    for chunk in docs[name].chunks:
        assert "Sida 3 (5)" not in chunk.text
        assert "Tjänsteutlåtande" not in lines(chunk.text)
        assert "Dnr UTBF" not in chunk.text
        assert "Skrivelse om att vända skolresultat" not in chunk.text
        assert "**" not in chunk.text
        assert "\uf0b7" not in chunk.text and "\u2022" not in chunk.text


def test_removed_header_lines_of_utbf_are_exactly_the_page_furniture(docs):
    assert docs[V].cleaned.removed_lines == [
        "Skrivelse om att vända skolresultat", "Tjänsteutlåtande", "Dnr UTBF 2024/6786",
        "Sida 3 (5)", "Skrivelse om att vända skolresultat",
    ]


def test_markdown_bold_becomes_its_own_line(docs):
    assert lines(docs[N].text)[:7] == [
        "Handläggare", "", "Anne Winterhagen", "", "Telefon: 08-50833637", "", "Till",
    ]


def test_bullets_become_list_items_starting_with_dash(docs):
    text_lines = lines(docs[V].text)
    npf = "- NPF-utbildning för rektorer ht 2022 Anna Borg, KIND, Karolinska institutet."
    assert npf in text_lines
    # a bullet item wrapped over two lines is one item
    assert ("- Nätverk för rektorer i utsatta områden, i samarbete med Stockholms universitet och "
            "Skolverket. Start 2022.") in text_lines
    # the "•" bullets of the last school, too
    assert "- Fortsätta med Kvalitetsutveckling genom förstelärare" in text_lines
    items = [b for b in docs[V].cleaned.blocks if b.kind == "item"]
    assert len(items) >= 30
    for item in items:
        assert f"- {item.text}" in text_lines
    # numbered items keep their number instead of a dash
    m11 = lines(docs[M11].text)
    assert any(ln.startswith("1. Tillsätta en tvärsektoriell utredning") for ln in m11)


def test_suspended_compounds_survive_and_hard_wraps_are_joined(docs):
    m13 = docs[M13].text
    assert "stärka studie- och yrkesvägledningen" in m13
    assert "grundutbildning i studie- och yrkesvägledning." in m13
    assert "flera grund- och gymnasieskolor" in m13  # "grund-" ended a line, "och" began the next
    utbf = lines(docs[V].text)
    # wrapped over two source lines, one line here
    assert ("Utbildningsnämnden godkänner utbildningsförvaltningens tjänsteutlåtande som svar på "
            "skrivelsen.") in utbf
    assert "2022–2024, togs i bruk vt 2024" in docs[V].text  # "2022–" / "2024" across a wrap
    # the double-spaced motion: every other line empty, still one paragraph
    assert ("Utbildningsnämnden överlämnar förvaltningens tjänsteutlåtande till Kommunstyrelsen "
            "som svar på remissen.") in lines(docs[M11].text)
    assert ("Detta ärende har beretts inom ekonomi, kvalitets- och tillhandahållaravdelningen."
            in lines(docs[M11].text))


# --- chunks --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*STATEMENTS, DIR_PDF, HD_PDF, FONT_PDF])
def test_chunk_text_is_the_clean_text_at_its_offsets(docs, name):
    doc = docs[name]
    assert doc.chunks
    for chunk in doc.chunks:
        assert chunk.text == doc.text[chunk.start:chunk.end]
        assert chunk.text.strip() == chunk.text and chunk.text
        assert chunk.index_text.endswith("\n" + chunk.text)
        assert chunk.id.startswith(f"{Path(name).stem}:")
    assert [c.ordinal for c in doc.chunks] == list(range(len(doc.chunks)))
    assert len({c.id for c in doc.chunks}) == len(doc.chunks)


@pytest.mark.parametrize("name", [*STATEMENTS, DIR_PDF, HD_PDF])
def test_no_chunk_straddles_two_sections(docs, name):
    doc = docs[name]
    _, secs = render(doc.cleaned.blocks)
    spans = [(s.path, s.units[0].start, s.units[-1].end) for s in secs]
    for chunk in doc.chunks:
        owners = [path for path, a, b in spans if chunk.start < b and a < chunk.end]
        assert owners == [chunk.section_path], (chunk.id, owners)


def test_long_sections_split_with_overlap_within_size(docs):
    chunks = [c for c in docs[M11].chunks if c.section == "Förvaltningens synpunkter"]
    assert len(chunks) >= 5
    # a paragraph longer than the target is split at sentences; other chunks stay near the target
    assert all(len(c.text) <= 1000 for c in chunks)
    small = parse(CORPUS / M11, chunk_chars=400, overlap=120)
    small_chunks = [c for c in small.chunks if c.section == "Förvaltningens synpunkter"]
    assert len(small_chunks) > len(chunks)
    assert any(b.start < a.end for a, b in zip(small_chunks, small_chunks[1:], strict=False))


def test_chunk_ids_are_stable_and_depend_on_content(tmp_path):
    first = parse(CORPUS / V)
    second = parse(CORPUS / V)
    assert [c.id for c in first.chunks] == [c.id for c in second.chunks]
    edited = tmp_path / V
    edited.write_text(
        (CORPUS / V).read_text("utf-8").replace("Simstrategi Vantör. Start 2024.",
                                                "Simstrategi Vantör. Start 2025."), "utf-8"
    )
    changed = parse(edited)
    old, new = {c.id for c in first.chunks}, {c.id for c in changed.chunks}
    assert 0 < len(new - old) < len(new)  # only the chunk holding the edit gets a new id


def test_txt_chunks_have_no_page_numbers(docs):
    assert all(c.page_start is None and c.pages is None for c in docs[V].chunks)


# --- PDFs ----------------------------------------------------------------------------------------


def test_pdf_words_stay_whole_and_end_of_line_hyphens_are_joined(docs):
    doc = docs[DIR_PDF]
    assert "komplettera förslagen" in doc.text
    assert "rätten till skolgång" in doc.text
    assert "förskole-\nverksamhet" in "\n".join(doc.raw.pages)  # the hyphenation is in the PDF
    assert "förskoleverksamhet" in doc.text
    assert "förskole- verksamhet" not in doc.text and "förskole-verksamhet" not in doc.text
    assert "uppgifts- och anmälningsskyldighet" in doc.text  # a suspended compound stays


def test_pdf_bare_page_numbers_are_gone(docs):
    doc = docs[DIR_PDF]
    assert [ln for ln in lines(doc.text) if re.fullmatch(r"\d{1,3}", ln)] == []
    assert [str(n) for n in range(2, 11)] == [r for r in doc.cleaned.removed_lines]
    assert doc.md.date == "2009-08-13" and doc.md.doc_type == "kommittédirektiv"


def test_court_judgment_headers_are_removed_and_pages_kept(docs):
    doc = docs[HD_PDF]
    for chunk in doc.chunks:
        assert "Sida 1 (18)" not in chunk.text
        assert not re.search(r"\bSid \d+\b", chunk.text), chunk.id
        assert "HÖGSTA DOMSTOLEN T 170-08" not in chunk.text
        if chunk.page_start > 1:  # the running header of pages 2-18
            assert "HÖGSTA DOMSTOLEN" not in lines(chunk.text), chunk.id
            assert "T 170-08" not in lines(chunk.text), chunk.id
    assert lines(doc.text).count("T 170-08") == 1  # the case number on the cover page stays
    assert doc.cleaned.removed_lines.count("HÖGSTA DOMSTOLEN") == 17
    pages = [c.page_start for c in doc.chunks]
    assert pages[0] == 1 and pages[-1] == 18 and pages == sorted(pages)
    assert next(c for c in doc.chunks if c.section == "DOMSLUT").pages == "2"
    assert doc.md.date == "2009-11-04"
    assert "sexhundratjugofemtusentrehundranittiofem (625 395) kr" in doc.text


def test_custom_font_encoding_pdf_parses(docs):
    doc = docs[FONT_PDF]
    assert doc.md.title == "Regeringens proposition 1999/2000:17"
    assert doc.md.date == "1999-10-14"
    assert doc.md.doc_type == "proposition"
    assert "Avtal mellan Sverige och Danmark om beskattning av anställda ombord" in doc.text
    # the running header of pages 2-11 is dropped; the cover page keeps its one line
    assert doc.cleaned.removed_lines.count("Prop. 1999/2000:17") == 10
    assert doc.text.count("Prop. 1999/2000:17") == 1
    assert doc.chunks[-1].page_end == 11


def test_scanned_pdf_without_text_layer_is_refused_with_ocr_advice():
    path = DATA / "scanned-no-text-layer.pdf"
    with pytest.raises(IngestFileError) as info:
        read_file(path, path.read_bytes(), MAX_BYTES)
    assert info.value.path == str(path)
    assert "no text layer" in info.value.reason
    assert "OCR" in info.value.reason


def test_court_judgment_is_typed_dom(docs):
    assert docs[HD_PDF].md.doc_type == "dom"


# --- sentences -----------------------------------------------------------------------------------


def test_sentence_splitting_keeps_swedish_abbreviations_inside_sentences(docs):
    text = ("Förordningen omfattar bl.a. asylsökande barn. Skrivelsen kom från Andréa Hedin m.fl. "
            "(M) i januari. Utredaren ska t.ex. analysera förutsättningarna. Den sista meningen. "
            "Lärarna betyder mest (t.ex. John Hattie: Visible learning). Slut.")
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == [
        "Förordningen omfattar bl.a. asylsökande barn.",
        "Skrivelsen kom från Andréa Hedin m.fl. (M) i januari.",
        "Utredaren ska t.ex. analysera förutsättningarna.",
        "Den sista meningen.",
        "Lärarna betyder mest (t.ex. John Hattie: Visible learning).",  # "(t.ex." is one too
        "Slut.",
    ]
    # on the real PDF text: the sentence with "bl.a." and "m.fl." runs to its real end
    pdf = docs[DIR_PDF].text
    start = pdf.index("Förordningen omfattar bl.a.")
    first = [pdf[a:b] for a, b in sentence_spans(pdf, start)][0]
    assert first.startswith("Förordningen omfattar bl.a. asylsökande barn, barn som har beviljats")
    assert first.endswith("medgetts rätt att vistas här medan ansökan prövas.")


def test_sentence_spans_are_absolute_and_skip_the_list_dash():
    text = "Rubrik\n\n- Första punkten. Andra meningen.\n- Nästa punkt"
    start = text.index("- Första")
    got = [text[a:b] for a, b in sentence_spans(text, start)]
    assert got == ["Första punkten.", "Andra meningen.", "Nästa punkt"]
