"""Bad input: each bad file fails with one line naming it and what to do, the good ones are
ingested, nothing already ingested is lost."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from ingest.pipeline import Ingestor
from ingest.settings import Settings
from ingest.store import Catalogue
from tests.ingest_helpers import (
    CORPUS,
    DATA,
    TINY,
    N,
    json_summary,
    run_cli,
    state,
)


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=DATA / "dir-2009-71-skolgang.pdf")  # real text under the lock
    writer.encrypt("secret")
    with path.open("wb") as fh:
        writer.write(fh)


def test_bad_files_fail_one_line_each_while_good_files_are_ingested(tmp_path, embedder):
    batch = tmp_path / "batch"
    batch.mkdir()
    (batch / "earlier.txt").write_text(TINY, "utf-8")
    (batch / "empty.txt").write_text(TINY.replace("simundervisning", "skolskjuts"), "utf-8")
    settings = Settings(index_dir=tmp_path / "index")
    Ingestor(settings, embedder).run([batch])
    before = state(settings)
    assert len(before["catalogue"]) == 2

    (batch / "empty.txt").write_bytes(b"")  # ingested before, empty now
    (batch / "junk.pdf").write_bytes(random.Random(7).randbytes(5000))
    shutil.copy(DATA / "scanned-no-text-layer.pdf", batch / "scanned.pdf")
    _encrypted_pdf(batch / "encrypted.pdf")
    (batch / "ansi.txt").write_bytes(
        "Sammanfattning\n\nFörvaltningen föreslår att nämnden godkänner svaret om läxhjälp på "
        "skolorna i Årsta och Älvsjö.\n".encode("cp1252")
    )
    with (batch / "huge.txt").open("wb") as fh:
        line = "Utbildningsnämnden har tagit emot en skrivelse om skolresultat.\n".encode()
        fh.write(line * (50_000_000 // len(line) + 1))
    shutil.copy(CORPUS / N, batch / N)

    result = run_cli(batch, "--index", settings.index_path, "--json", "--prune", cwd=tmp_path)
    assert result.returncode != 0
    failed = [ln for ln in result.stderr.splitlines() if ln.startswith("FAILED ")]
    reasons = {
        "empty.txt": "file is empty",
        "junk.pdf": "not a PDF",
        "scanned.pdf": "no text layer",
        "encrypted.pdf": "PDF is encrypted",
        "huge.txt": "above the 20 MB limit",
    }
    assert len(failed) == len(reasons), result.stderr
    for name, reason in reasons.items():
        (line,) = [ln for ln in failed if ln.startswith(f"FAILED {batch / name}: ")]
        assert reason in line, line
    assert f"note   {batch / 'ansi.txt'}: not valid UTF-8; decoded as cp1252" in result.stderr
    summary = json_summary(result)
    assert (summary["files_new"], summary["files_unchanged"], summary["files_failed"]) == (2, 1, 5)
    assert summary["files_removed"] == 0 and summary["chunks_deleted"] == 0

    after = state(settings)
    assert set(after["files"]) == {str(batch / n) for n in ("earlier.txt", "empty.txt", "ansi.txt", N)}
    assert after["catalogue"] == after["chroma"] == after["keywords"]
    assert before["catalogue"] <= after["catalogue"]  # nothing lost, not even the emptied file's
    assert after["chunks"][str(batch / "empty.txt")] == before["chunks"][str(batch / "empty.txt")]
    assert len(after["chunks"][str(batch / N)]) == 9
    cat = Catalogue(settings.index_path, create=False)
    try:
        (ansi_text,) = [t for cid, t in zip(*cat.chunk_texts(), strict=True)
                        if cid in after["chunks"][str(batch / "ansi.txt")]]
    finally:
        cat.close()
    assert "läxhjälp på skolorna i Årsta och Älvsjö." in ansi_text
