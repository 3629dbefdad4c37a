"""Exact id lookup over a real index (real embeddings, Chroma in a temp dir) of documents of many
families: an id in a question, in any written form, restricts the search to its document; an id
the index does not have is answered plainly, naming it; citations show kind · id · date and the
real title."""

from __future__ import annotations

import pytest

from bot.cli_ask import format_answer
from bot.templates import messages

from .conftest import DATA

FAMILIES = DATA / "families"
DOCS = sorted(p for p in FAMILIES.iterdir() if p.name != "SOURCE.txt") + [
    DATA / "dir-2009-71-skolgang.pdf"
]


@pytest.fixture(scope="module")
def families_engine(tmp_path_factory, embedder):
    from bot.engine import Engine
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings

    settings = Settings(index_dir=tmp_path_factory.mktemp("families") / "index")
    summary = Ingestor(settings, embedder).run(DOCS)
    assert summary.files_failed == 0 and summary.files_new == len(DOCS)
    return Engine.from_settings(settings, embedder)


@pytest.mark.parametrize(
    "question,doc_id",
    [
        ("Vad föreslås i SOU 2019:64?", "SOU_2019-64"),
        ("Vad föreslår sou 2019:64 om anmälan?", "SOU_2019-64"),
        ("Från vilken årskurs ska eleverna få betyg enligt Ds 2010:15?", "Ds_2010-15"),
        ("Vad handlar ds 2010:15 om?", "Ds_2010-15"),
        ("Vad ska utredaren göra enligt Dir. 2009:71?", "dir-2009-71-skolgang"),
        ("Vad ska utredaren göra enligt direktiv 2009:71?", "dir-2009-71-skolgang"),
        ("Vad ska utredaren göra enligt kommittédirektiv 2009:71?", "dir-2009-71-skolgang"),
        ("När ska uppdraget redovisas enligt dir 2019:91?", "tillaggsdirektiv-layout"),
        ("Vad redovisar regeringen i Skr. 2019/20:39?", "skrivelse-layout"),
        ("Vad redovisar regeringen i skrivelse 2019/20:39?", "skrivelse-layout"),
        ("Vad föreslås i proposition 2019/20:1?", "proposition-layout"),
        ("Vilka remissinstanser fick A2015/1903/A?", "Remiss_A2015-1903-A"),
        ("Vad ska Brå kartlägga i uppdraget U2008/4717/S?", "Regeringsuppdrag_U2008-4717-S"),
        ("Vad föreslås i lagrådsremissen U2018/00761/S?", "Lagradsremiss_U2018-00761-S"),
        ("Vad föreslås i lagrådsremissen U2018/761?", "Lagradsremiss_U2018-00761-S"),
        ("Vad ska utredningen se över i promemorian A2017/02195?", "Promemoria_A2017-02195"),
    ],
)
def test_an_id_in_any_written_form_finds_its_document_first(families_engine, question, doc_id):
    hits = families_engine.retrieve(question, k=5)
    assert hits and {h.doc_id for h in hits} == {doc_id}


def test_an_id_the_index_does_not_have_is_named_in_a_plain_answer(families_engine):
    for question, shown in [
        ("Vad står det i Dir. 2019:71?", "Dir. 2019:71"),
        ("Vad säger direktiv 2018:96 om skolan?", "Dir. 2018:96"),
        ("Vad föreslår SOU 2021:45?", "SOU 2021:45"),
    ]:
        answer = families_engine.answer(question)
        assert answer.refused and not answer.citations
        text = messages(families_engine.settings.prompts_dir, "sv")["no_such_id"]
        assert answer.answer == text.format(id=shown)


def test_a_session_year_or_an_sfs_reference_is_no_id_to_refuse_on(families_engine):
    answer = families_engine.answer(
        "Vilken lag (2010:800) gäller för skolan enligt Skr. 2019/20:39?"
    )
    cites = answer.citations or answer.nearest
    assert cites[0].doc_id == "skrivelse-layout"
    assert "2019/20" not in answer.answer or not answer.refused


def test_citations_show_kind_id_date_and_the_real_title(families_engine):
    answer = families_engine.answer("Vad ska utredaren göra enligt Dir. 2009:71?")
    c = (answer.citations or answer.nearest)[0]  # the answer's first citation is the named one
    assert (c.title, c.doc_type, c.ref, c.date) == (
        "Rätt till skolgång m.m. för barn som vistas i landet utan tillstånd",
        "kommittédirektiv",
        "Dir. 2009:71",
        "2009-08-13",
    )
    shown = format_answer(answer, families_engine.settings.prompts_dir)
    assert "Rätt till skolgång m.m. för barn som vistas i landet utan tillstånd — " in shown
    assert "kommittédirektiv · Dir. 2009:71 · 2009-08-13" in shown


def test_every_chunk_carries_family_ref_and_id_keys(families_engine):
    got = families_engine.retriever.vectors.collection.get(
        where={"doc_id": "SOU_2019-64"}, include=["metadatas"]
    )
    assert got["metadatas"]
    for md in got["metadatas"]:
        assert (md["family"], md["ref"], md["id_keys"], md["type"]) == (
            "SOU",
            "SOU 2019:64",
            "sou:2019:64",
            "SOU",
        )
        assert md["title"] == "Nya regler för skolor med konfessionell inriktning"


def test_slack_citations_show_kind_id_date_and_the_real_title(families_engine):
    from bot.slack.blocks import Templates, citation_block

    answer = families_engine.answer("Vad föreslås i SOU 2019:64?")
    c = (answer.citations or answer.nearest)[0]
    text = citation_block(c, Templates.from_prompts_dir(families_engine.settings.prompts_dir))
    title, meta = text["text"]["text"].split("\n")[:2]
    assert title.endswith("Nya regler för skolor med konfessionell inriktning*")
    assert meta.startswith("SOU · SOU 2019:64 · 2020-01-08")


def test_a_record_with_nothing_but_its_head_is_found_by_its_title_and_id(families_engine):
    """An archive listing's Ds has a kind, id, date and title and no body: it is indexed by its
    title rather than failing with 'no text left'."""
    for question in ("Finns det en Ds om registerkontroll inom förskoleverksamhet?",
                     "Vad handlar Ds 2004:42 om?"):
        hits = families_engine.retrieve(question, k=3)
        assert hits and hits[0].doc_id == "Ds_2004-42", question
    answer = families_engine.answer("Vad handlar Ds 2004:42 om?")
    cited = answer.citations + answer.nearest
    assert cited and cited[0].title.startswith("Registerkontroll inom förskoleverksamhet")
    assert cited[0].text == "Registerkontroll inom förskoleverksamhet, skola och skolbarnsomsorg"
