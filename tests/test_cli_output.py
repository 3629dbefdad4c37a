"""What the terminal commands tell a person or a log: progress lines when output is piped, a
prompt for an empty question, and a filter that matches no document named as such."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.ingest_helpers import TINY


def run(module: str, *args, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)], cwd=cwd, capture_output=True, text=True,
        timeout=300, env={**os.environ, **(env or {})},
    )


def test_piped_ingest_prints_progress_lines_with_counts_and_rate(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for place in ("Vantör", "Farsta", "Kista"):
        (folder / f"{place}.txt").write_text(TINY.replace("Vantör", place), "utf-8")
    result = run("ingest", folder, "--index", tmp_path / "index", "--json", cwd=tmp_path,
                 env={"UTBOT_PROGRESS_EVERY_FILES": "2", "UTBOT_EMBED_BATCH_SIZE": "1"})
    assert result.returncode == 0, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.startswith("ingest: ")]
    assert any(re.fullmatch(r"ingest: reading 2/3 files, [\d.]+ files/s, \d+ s", ln) for ln in lines), lines
    assert any(re.fullmatch(r"ingest: embedding 2/3 files, 2/3 chunks, [\d.]+ chunks/s, \d+ s", ln)
               for ln in lines), lines
    assert lines[-1].startswith("ingest: embedding 3/3 files, 3/3 chunks")
    assert json.loads(result.stdout.splitlines()[-1])["embedded"] == 3  # --json as before


def test_ask_with_an_empty_question_asks_for_one(tmp_path, bundled_settings):
    result = run("bot", "ask", "  ", "--index", bundled_settings.index_path, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert "Skriv en fråga, till exempel" in result.stderr


def test_a_filter_matching_no_document_is_named(tmp_path, bundled_settings):
    question = "Varför ingår inte Skärholmen i rektorsnätverket?"
    result = run("bot", "ask", question, "--year", "2030", "--index", bundled_settings.index_path,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Inget dokument i indexet matchar filtret --year 2030" in result.stdout
    both = run("bot", "ask", question, "--year", "2025", "--type", "remissvar på motion", "--json",
               "--index", bundled_settings.index_path, cwd=tmp_path)  # each matches, not both
    answer = json.loads(both.stdout.splitlines()[-1])
    assert answer["refused"] and "--year 2025 --type remissvar på motion" in answer["answer"]
