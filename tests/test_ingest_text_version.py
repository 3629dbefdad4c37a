"""A new cleaning (TEXT_VERSION) reaches an existing index, and no file is left behind on it.

The cleaning's version is recorded in the catalogue once every file it keeps has been read with
that cleaning; a file that fails to be read again keeps its older text and chunks (nothing
ingested is lost) and is read again on the next run.
"""

from __future__ import annotations

import re

import pytest

import ingest.cleaning
import ingest.pipeline
from ingest.errors import IngestFileError
from ingest.pipeline import Ingestor, SourceDocument
from ingest.settings import Settings
from ingest.store import Catalogue

REMISS = (
    "# Remiss om kronhjort\n\n"
    "* [Jägarnas Riksförbund har hemställt om allmän jakt på kronhjort (N2015/07540/FJR).]"
    '(/contentassets/1f39/jagarnas-riksforbund/ "•Jägarnas Riksförbund har hemställt")\n'
)
PLAIN = "Stöd till skolor\n\nFörvaltningen har gett stöd till fem skolor i Vantör.\n"


def catalogue_state(settings: Settings) -> tuple[str, str | None, set[str]]:
    """The chunks' text, the recorded cleaning version and the catalogued files."""
    cat = Catalogue(settings.index_path, create=False)
    try:
        return "\n".join(cat.chunk_texts()[1]), cat.get_meta("text_version"), set(cat.files())
    finally:
        cat.close()


def indexed_by_the_older_cleaning(tmp_path, embedder) -> tuple:
    """A folder of a Markdown remiss with a link and a plain text, ingested (the cleaning in
    force: ``older_cleaning`` while it is on)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "remiss.md").write_text(REMISS, "utf-8")
    (folder / "plain.txt").write_text(PLAIN, "utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    Ingestor(settings, embedder).run([folder])
    return folder, settings


@pytest.fixture
def older_cleaning(monkeypatch):
    """While on: the cleaning of an index written before links were read as their text."""
    monkeypatch.setattr(ingest.cleaning, "_MARKDOWN_LINK", re.compile(r"(?!x)(x)"))
    monkeypatch.setattr(ingest.pipeline, "TEXT_VERSION", "1")
    return monkeypatch


def test_a_markdown_link_is_indexed_as_its_text_and_an_older_cleaning_is_read_again(
    tmp_path, embedder, older_cleaning
):
    """The next full ingest reads every file again, rewrites those whose chunks changed and
    reuses the rest."""
    folder, settings = indexed_by_the_older_cleaning(tmp_path, embedder)
    text, version, _ = catalogue_state(settings)
    assert "](/contentassets" in text and version == "1"
    older_cleaning.undo()

    summary = Ingestor(settings, embedder).run([folder])
    text, version, _ = catalogue_state(settings)
    assert "](" not in text and "/contentassets" not in text and version == "2"
    assert "Jägarnas Riksförbund har hemställt om allmän jakt på kronhjort" in text
    assert (summary.files_changed, summary.files_unchanged) == (1, 1)  # plain.txt: same chunks
    assert 0 < summary.embedded <= 2
    again = Ingestor(settings, embedder).run([folder])
    assert (again.files_unchanged, again.files_changed, again.embedded) == (2, 0, 0)


def test_a_file_that_fails_to_be_read_again_keeps_its_text_and_is_read_on_the_next_run(
    tmp_path, embedder, older_cleaning, monkeypatch
):
    folder, settings = indexed_by_the_older_cleaning(tmp_path, embedder)
    older_cleaning.undo()
    before, version, files = catalogue_state(settings)
    assert version == "1" and "](/contentassets" in before

    real_read = ingest.pipeline.read_file

    def flaky(path, data, max_bytes):  # the file cannot be read at this moment
        if path.name == "remiss.md":
            raise IngestFileError(str(path), "the file is locked by another program")
        return real_read(path, data, max_bytes)

    monkeypatch.setattr(ingest.pipeline, "read_file", flaky)
    summary = Ingestor(settings, embedder).run([folder])
    assert [f["path"] for f in summary.failures] == [str(folder / "remiss.md")]
    text, version, still = catalogue_state(settings)
    # its older chunks are kept, and the index does not claim the new cleaning
    assert text == before and still == files and version == "1"

    monkeypatch.setattr(ingest.pipeline, "read_file", real_read)
    summary = Ingestor(settings, embedder).run([folder])
    text, version, _ = catalogue_state(settings)
    assert summary.failures == [] and summary.files_changed == 1
    assert "](" not in text and version == ingest.cleaning.TEXT_VERSION


def test_in_memory_documents_are_cleaned_again_by_a_new_cleaning(
    tmp_path, embedder, older_cleaning
):
    settings = Settings(index_dir=tmp_path / "index")
    docs = [
        SourceDocument(doc_id="remiss", title="Remiss om kronhjort", text=REMISS),
        SourceDocument(doc_id="plain", title="Stöd till skolor", text=PLAIN),
    ]
    Ingestor(settings, embedder).run_documents(docs)
    assert "](/contentassets" in catalogue_state(settings)[0]
    older_cleaning.undo()

    summary = Ingestor(settings, embedder).run_documents(docs)
    text, version, _ = catalogue_state(settings)
    assert "](" not in text and "allmän jakt på kronhjort" in text
    assert (summary.files_changed, summary.files_unchanged) == (1, 1)  # "plain": the same chunks
    assert version == ingest.cleaning.TEXT_VERSION
    again = Ingestor(settings, embedder).run_documents(docs)
    assert (again.files_unchanged, again.files_changed, again.embedded) == (2, 0, 0)
