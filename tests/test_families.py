"""Document families (ingest/families.toml): each family read right on real first pages, ids in
every written form, a table of the admin's own, clear errors for a bad table, Markdown structure,
and the four bundled statements keeping their metadata exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.chunking import chunk_document
from ingest.cleaning import clean_pages
from ingest.families import DEFAULT_FILE, FamiliesError, ids_in_text, load
from ingest.identify import describe
from ingest.metadata import extract_metadata
from ingest.readers import read_file
from ingest.settings import Settings

from .conftest import CORPUS, DATA

FAMILIES = DATA / "families"


def read(path: Path):
    raw = read_file(path, path.read_bytes(), 10**9)
    cleaned = clean_pages(raw.pages, raw.paged)
    md = extract_metadata(cleaned.blocks, cleaned.header_dnrs, path.stem)
    return md, describe(md, cleaned.blocks, raw.pages[0])


# file, family, ref, key, date, title
CASES = [
    (
        "families/SOU_2019-64.md",
        "SOU",
        "SOU 2019:64",
        "sou:2019:64",
        "2020-01-08",
        "Nya regler för skolor med konfessionell inriktning",
    ),
    (
        "families/Ds_2010-15.md",
        "Ds",
        "Ds 2010:15",
        "ds:2010:15",
        "2010-05-18",
        "Betyg från årskurs 6 i grundskolan",
    ),
    (
        "families/Promemoria_A2017-02195.md",
        "promemoria",
        "A2017/02195",
        "rk:a2017/2195",
        "2017-12-15",
        "Översynen av stödet för yrkesintroduktionsanställningarna, A2017/02195-1",
    ),
    (
        "families/Remiss_A2015-1903-A.md",
        "remiss",
        "A2015/1903/A",
        "rk:a2015/1903",
        "2015-07",
        "Remiss Ds 2015:36 Genomförande av EU:s direktiv om fri rörlighet för arbetstagare",
    ),
    (
        "families/Regeringsuppdrag_U2008-4717-S.md",
        "regeringsuppdrag",
        "U2008/4717/S",
        "rk:u2008/4717",
        "2008-09",
        "Uppdrag till Brottsförebyggande rådet att kartlägga grövre våldsbrott i skolan",
    ),
    (
        "families/Lagradsremiss_U2018-00761-S.md",
        "lagrådsremiss",
        "U2018/00761/S",
        "rk:u2018/761",
        "2018-02-26",
        "Samling för skolan",
    ),
    (
        "families/Lagradsremiss_2006-ars-sjoarbetskonvention.md",
        "lagrådsremiss",
        None,
        None,
        "2011-10-06",
        "2006 års sjöarbetskonvention",
    ),
    (
        "families/skrivelse-layout.txt",
        "regeringens skrivelse",
        "Skr. 2019/20:39",
        "skr:2019/20:39",
        "2019-11-14",
        "Redovisning av ett exempel på en skrivelse",
    ),
    (
        "families/proposition-layout.txt",
        "proposition",
        "Prop. 2019/20:1",
        "prop:2019/20:1",
        "2019-09-19",
        "Ett exempel på en proposition om skolans styrning",
    ),
    (
        "families/tillaggsdirektiv-layout.txt",
        "tilläggsdirektiv",
        "Dir. 2019:91",
        "dir:2019:91",
        "2019-12-12",
        "Tilläggsdirektiv till Utredningen om ett exempel",
    ),
    (
        "dir-2009-71-skolgang.pdf",
        "kommittédirektiv",
        "Dir. 2009:71",
        "dir:2009:71",
        "2009-08-13",
        "Rätt till skolgång m.m. för barn som vistas i landet utan tillstånd",
    ),
    (
        "hd-dom-T-170-08.pdf",
        "dom",
        "Mål nr T 170-08",
        "court:t170-8",
        "2009-11-04",
        "Överföring av mönsterregistrering",
    ),
]


@pytest.mark.parametrize("name,family,ref,key,date,title", CASES, ids=[c[0] for c in CASES])
def test_each_family_is_read_right(name, family, ref, key, date, title):
    md, _ = read(DATA / name)
    assert (md.family, md.ref, md.date, md.title) == (family, ref, date, title)
    assert md.doc_type == family  # the family's type, never e.g. "remissvar" for a directive
    assert md.id_keys == ([key] if key else [])


def test_a_document_of_no_family_gets_its_first_line_as_title_and_no_invented_id():
    md, _ = read(FAMILIES / "no-family.txt")
    assert md.family is None and md.ref is None and md.id_keys == [] and md.dnr is None
    assert md.title == "Nya regler för skolor med konfessionell inriktning"


def test_a_title_that_is_only_the_id_is_not_taken():
    md, _ = read(FAMILIES / "Ds_2025-13.md")  # its "# heading" is "Ds 2025:13"
    assert md.ref == "Ds 2025:13"
    assert md.title.startswith("Den här promemorian har föranletts") and len(md.title) <= 162


@pytest.mark.parametrize(
    "forms,key",
    [
        (
            [
                "Dir. 2019:91",
                "dir 2019:91",
                "direktiv 2019:91",
                "kommittédirektiv 2019:91",
                "Dir.2019:91",
                "tilläggsdirektivet 2019:91",
            ],
            "dir:2019:91",
        ),
        (
            [
                "Skr. 2019/20:39",
                "skr 2019/20:39",
                "skrivelse 2019/20:39",
                "regeringens skrivelse 2019/20:39",
            ],
            "skr:2019/20:39",
        ),
        (["Prop. 2019/20:1", "prop 2019/20:1", "proposition 2019/20:1"], "prop:2019/20:1"),
        (["SOU 2019:64", "sou 2019:64", "SOU 2019: 64"], "sou:2019:64"),
        (["Ds 2010:15", "ds 2010:15", "DS 2010:15"], "ds:2010:15"),
        (["U2021/01234", "U2021/1234", "U2021/01234/S"], "rk:u2021/1234"),
        (
            ["UTBF 2024/6786", "UTBF-2024-6786", "dnr 2024/6786", "Dnr: 2024/6786", "2024/6786"],
            "dnr:2024/6786",
        ),
        (
            ["motion 2013:44", "Motion 2013:44", "motionen (2013:44)", "motion nr 2013:44"],
            "motion:2013:44",
        ),
        (["Mål nr T 170-08", "mål T 170-08", "målnummer T 170-08"], "court:t170-8"),
    ],
)
def test_every_written_form_of_an_id_is_one_id(forms, key):
    for form in forms:
        found = ids_in_text(f"Vad står det i {form} om skolan?")
        assert [d.key for d in found] == [key], form


def test_ids_of_one_family_are_never_read_as_another():
    # a session year is not a Dnr, an SFS reference or a school year is no document id
    assert [d.key for d in ids_in_text("Skr. 2019/20:39 och budgeten för 2016/17")] == [
        "skr:2019/20:39"
    ]
    assert ids_in_text("enligt skollagen (2010:800) och lagen (2018:218)") == []
    assert ids_in_text("under läsåret 2021/2022 och 2019/20") == []
    assert ids_in_text("förordning (EU) 2016/679 och direktiv 2006/123/EG") == []


def test_an_admin_table_adds_a_family(tmp_path, monkeypatch):
    own = tmp_path / "families.toml"
    own.write_text(
        DEFAULT_FILE.read_text(encoding="utf-8")
        + """
[schemes.rir]
patterns = ['\\bRiR\\s*(?P<year>(?:19|20)\\d\\d)\\s*:\\s*(?P<num>\\d{1,3})\\b']
display = "RiR {year}:{num}"
key = "{year}:{num}"
priority = 20

[[families]]
name = "granskningsrapport"
kind_lines = ['granskningsrapport']
schemes = ["rir"]
date_cues = ["Publicerad"]
""",
        encoding="utf-8",
    )
    doc = tmp_path / "rir.md"
    doc.write_text(
        "Granskningsrapport\nRiR 2020:12\nPublicerad 2020-05-07\n\n# Statens stöd\nText.\n"
    )
    monkeypatch.setenv("UTBOT_FAMILIES_FILE", str(own))
    md, _ = read(doc)
    assert (md.family, md.ref, md.date, md.title) == (
        "granskningsrapport",
        "RiR 2020:12",
        "2020-05-07",
        "Statens stöd",
    )
    assert [d.key for d in ids_in_text("rir 2020:12")] == ["rir:2020:12"]


@pytest.mark.parametrize(
    "text,field",
    [
        ("[schemes.x]\npatterns = ['(']\ndisplay = 'x'\nkey = 'x'\n", "schemes.x.patterns"),
        ("[schemes.x]\npatterns = ['(?P<year>\\d{4})']\nkey = '{year}'\n", "schemes.x.display"),
        (
            "[schemes.x]\npatterns = ['(?P<year>\\d{4})']\ndisplay = '{num}'\nkey = '{year}'\n"
            "[[families]]\nname = 'a'\nkind_lines = ['a']\n",
            "schemes.x.display",
        ),
        (
            "[schemes.x]\npatterns = ['(?P<year>\\d{4})']\ndisplay = '{year}'\nkey = '{year}'\n"
            "[[families]]\nname = 'a'\nkind_lines = ['a']\nschemes = ['y']\n",
            "families[0] (a).schemes",
        ),
        ("[schemes.x\n", "not valid TOML"),
    ],
)
def test_a_bad_table_names_its_file_and_field(tmp_path, text, field):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FamiliesError) as err:
        load(path)
    assert str(path) in str(err.value) and field in str(err.value)


def test_a_missing_table_says_which_setting_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("UTBOT_FAMILIES_FILE", str(tmp_path / "nowhere.toml"))
    with pytest.raises(FamiliesError, match="UTBOT_FAMILIES_FILE"):
        ids_in_text("Dir. 2019:91")


def test_markdown_headings_become_title_and_sections_not_body_text():
    md, blocks = read(FAMILIES / "Remiss_A2015-1903-A.md")
    text, chunks = chunk_document("r", md.title, blocks, 1200, 100)
    assert "# Remiss" not in text and not text.startswith("Remiss Ds 2015:36")
    # the kind, id and date lines are shown in citations, not indexed as body text
    assert "Publicerad 2015-07" not in text and text.startswith("Här kan du ta del av")
    assert all(c.index_text.startswith(md.title) for c in chunks)
    doc = "Promemoria\nPublicerad 2020-01-01\n\n# Titeln\nInledande text.\n\n## Bakgrund till förslaget\nText om bakgrunden.\n\n### Äldre regler\nText om äldre regler.\n"
    cleaned = clean_pages([doc], paged=False)
    _, chunks = chunk_document("p", "Titeln", cleaned.blocks, 1200, 100)
    assert [c.section_path for c in chunks] == [
        ["Inledning"],
        ["Bakgrund till förslaget"],
        ["Bakgrund till förslaget", "Äldre regler"],
    ]
    assert not any("#" in c.text for c in chunks)
    assert chunks[2].index_text.startswith("Titeln – Bakgrund till förslaget – Äldre regler\n")


def test_the_four_bundled_statements_keep_their_metadata_exactly():
    expected = json.loads((DATA / "corpus_metadata.json").read_text(encoding="utf-8"))
    settings = Settings()
    assert sorted(expected) == sorted(p.name for p in CORPUS.iterdir())
    for name, want in expected.items():
        md, blocks = read(CORPUS / name)
        got = md.to_dict()
        assert {k: got[k] for k in want["metadata"]} == want["metadata"], name
        _, chunks = chunk_document(
            Path(name).stem, md.title, blocks, settings.chunk_chars, settings.chunk_overlap_chars
        )
        assert [
            {"id": c.id, "section": c.section, "start": c.start, "end": c.end} for c in chunks
        ] == want["chunks"], name
