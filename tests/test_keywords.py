"""The keyword side: Swedish stemming, compound splitting, bm25s search, save and load."""

from __future__ import annotations

import pytest

from ingest.keywords import Analyzer, KeywordIndex, build_vocabulary

TEXTS = {
    "natverk": "Nätverket för rektorer som leder skolor med utmaningar är ett samarbete mellan "
    "Stockholms universitet, Skolverket och Stockholms stad.",
    "laxhjalp": "De flesta gymnasieskolor erbjuder sina elever läxhjälp i form av räknestugor.",
    "syv": "Målet är en heltidsanställd studie- och yrkesvägledare på varje skola.",
    "resurser": "Resursfördelningssystemet ger mer resurser till skolor med svaga förutsättningar.",
    "simning": "Simstrategi Vantör startade 2024 i samverkan med stadsdelsförvaltningen.",
}


@pytest.fixture()
def index() -> KeywordIndex:
    return KeywordIndex.build(list(TEXTS), list(TEXTS.values()), version="3")


def test_analyzer_splits_a_compound_into_parts_that_match_the_phrase():
    analyzer = Analyzer(build_vocabulary(list(TEXTS.values())))
    compound = analyzer.tokens("rektorsnätverket")
    phrase = analyzer.tokens("nätverket för rektorer")
    assert compound[0] == "rektorsnätverket"  # the whole word is kept too
    assert set(phrase) <= set(compound)  # linking -s- dropped: rektor + nätverket
    assert "för" not in " ".join(phrase).split()  # a stop word


def test_compounds_split_only_into_words_of_the_corpus():
    assert Analyzer().tokens("rektorsnätverket") == ["rektorsnätverket"]  # no vocabulary
    analyzer = Analyzer(build_vocabulary(["Skolor och kommuner."]))
    assert analyzer.compound_parts("rektorsnätverket") == []


def test_hyphenated_words_are_indexed_as_their_parts():
    analyzer = Analyzer(build_vocabulary(list(TEXTS.values())))
    assert analyzer.tokens("NPF-utbildning") == [Analyzer.stem("npf"), Analyzer.stem("utbildning")]
    assert analyzer.tokens("2021-2024") == ["2021-2024"]  # a number range stays one token


def test_compound_query_finds_the_phrase_text(index):
    hits = index.search("rektorsnätverket", k=3)
    assert hits and hits[0][0] == "natverk"
    assert [cid for cid, _ in index.search("läxhjälp på gymnasiet", k=3)][0] == "laxhjalp"
    assert index.search("fotbolls-VM", k=3) == []  # no word of the corpus: nothing


def test_scores_are_ordered_best_first(index):
    hits = index.search("skolor resurser", k=5)
    scores = [s for _, s in hits]
    assert hits[0][0] == "resurser"
    assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)


def test_allowed_restricts_results(index):
    everything = [cid for cid, _ in index.search("skolor", k=5)]
    assert set(everything) == {"natverk", "syv", "resurser"}
    restricted = index.search("skolor", k=5, allowed={"natverk", "syv"})
    assert [cid for cid, _ in restricted] == [c for c in everything if c in {"natverk", "syv"}]
    assert dict(restricted) == {c: s for c, s in index.search("skolor", k=5) if c != "resurser"}
    assert index.search("rektorsnätverket", k=5, allowed={"laxhjalp", "syv"}) == []
    assert index.search("rektorsnätverket", k=5, allowed={"natverk", "unknown-id"})[0][0] == (
        "natverk"
    )
    assert index.search("skolor", k=5, allowed=set()) == []


def test_save_and_load_round_trip_keeps_ids_version_and_results(index, tmp_path):
    folder = tmp_path / "keywords"
    index.save(folder)
    loaded = KeywordIndex.load(folder)
    assert loaded is not None
    assert loaded.ids == list(TEXTS)
    assert loaded.version == "3"
    assert loaded.analyzer.vocabulary == index.analyzer.vocabulary
    for query in ("rektorsnätverket", "läxhjälp", "studie- och yrkesvägledare"):
        assert loaded.search(query, k=3) == index.search(query, k=3)
    # saving again replaces the folder atomically and leaves no temp folders behind
    KeywordIndex.build(["x"], ["Simundervisning i Vantör."], version="4").save(folder)
    assert KeywordIndex.load(folder).ids == ["x"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keywords"]


def test_load_of_an_incomplete_folder_is_none(tmp_path):
    assert KeywordIndex.load(tmp_path / "missing") is None
    folder = tmp_path / "keywords"
    folder.mkdir()
    (folder / "ids.json").write_text("[]")
    assert KeywordIndex.load(folder) is None  # no version.txt: never finished writing


def test_empty_index_searches_to_nothing(tmp_path):
    empty = KeywordIndex.build([], [], version="1")
    assert empty.search("skolor", k=3) == []
    empty.save(tmp_path / "kw")
    assert KeywordIndex.load(tmp_path / "kw").search("skolor", k=3) == []


def test_character_grams_find_what_stems_miss(index):
    # "vägledning" is no stem of the text's "yrkesvägledare", nor "läxor" of "läxhjälp"
    for query, cid in (("vägledning", "syv"), ("läxor", "laxhjalp"), ("samverka", "simning")):
        assert index.search(query, k=3) == []
        mixed = index.search(query, k=3, gram_weight=0.7)
        assert mixed[0][0] == cid and 0 < mixed[0][1] <= 1.0
    # with both sides scaled to their best, a word match still leads
    assert index.search("simstrategi", k=3, gram_weight=0.7)[0] == ("simning", 1.0)


def test_an_index_of_an_older_format_is_not_loaded(index, tmp_path):
    folder = tmp_path / "keywords"
    index.save(folder)
    assert KeywordIndex.is_current(folder, "3") and not KeywordIndex.is_current(folder, "4")
    (folder / "format.txt").unlink()  # as written before the 4-gram index existed
    assert KeywordIndex.load(folder) is None and not KeywordIndex.is_current(folder, "3")


def test_the_next_ingest_upgrades_an_older_keyword_index_without_embedding(tmp_path, embedder):
    from ingest.pipeline import Ingestor
    from ingest.settings import Settings

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Läxhjälp\n\nDe flesta gymnasieskolor erbjuder läxhjälp.\n", "utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    Ingestor(settings, embedder).run([folder])
    keywords = settings.index_path / "keywords"
    (keywords / "format.txt").unlink()  # as an index written before the 4-gram index
    assert KeywordIndex.load(keywords) is None
    again = Ingestor(settings, embedder).run([folder])
    assert again.embedded == 0 and again.files_unchanged == 1
    loaded = KeywordIndex.load(keywords)
    assert loaded is not None and loaded.search("läxor", k=1, gram_weight=0.7)


def test_idf_ranks_a_word_few_chunks_use_above_one_every_chunk_uses():
    texts = ["Skolan har många elever.", "Skolan har nya lärare.", "Rektorn leder skolan."]
    index = KeywordIndex.build(["a", "b", "c"], texts, "v1")
    stem = index.analyzer.stem
    idf = index.idf({stem("skolan"), stem("rektorn"), "kvantfysik"})
    assert idf[stem("skolan")] < idf[stem("rektorn")] < idf["kvantfysik"]


def test_loading_a_keyword_index_does_not_import_scipy(index, tmp_path):
    """bm25s needs scipy only to build with its scipy backend; a bot starting cold loads and
    searches without it (scipy's import was 0.26 s of its start), and scipy stays importable."""
    import subprocess
    import sys

    index.save(tmp_path / "kw")
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ingest.keywords import KeywordIndex\n"
        f"kw = KeywordIndex.load(Path({str(tmp_path / 'kw')!r}))\n"
        "print(kw.search('nätverket för rektorer', k=1)[0][0], 'scipy' in sys.modules)\n"
        "import scipy.sparse\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["natverk", "False"]


def test_bm25s_numpy_backend_builds_the_index_its_scipy_backend_does(monkeypatch):
    """An ingest in a process whose bm25s was loaded without scipy builds with numpy: the same
    scores."""
    import bm25s
    import scipy.sparse

    monkeypatch.setattr(bm25s, "SCIPY_AVAILABLE", True)  # whichever way this process loaded it
    monkeypatch.setattr(bm25s, "sp", scipy.sparse, raising=False)
    analyzer = Analyzer(build_vocabulary(list(TEXTS.values())))
    corpus = [analyzer.tokens(t) or [""] for t in TEXTS.values()]
    built = {}
    for backend in ("scipy", "numpy"):
        built[backend] = bm25s.BM25(k1=1.2, b=0.75, csc_backend=backend)
        built[backend].index(corpus, show_progress=False)
    for key in ("data", "indices", "indptr"):
        assert (built["scipy"].scores[key] == built["numpy"].scores[key]).all()
