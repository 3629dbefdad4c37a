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


def test_each_outcome_is_printed_with_its_own_heading_once():
    """An answer lists its sources under "Källor:", a refusal its nearest passages as such; the
    passages shown instead of an answer are introduced by the reply itself, not a second time."""
    import click

    from bot.cli_ask import format_answer
    from bot.models import Answer, Citation
    from bot.templates import messages
    from ingest.settings import bundled_prompts

    t = messages(bundled_prompts(), "sv")
    cite = Citation(n=1, chunk_id="c1", doc_id="d", source="d.txt", title="Titel", dnr=None,
                    date=None, section=None, page=None, text="Ett stycke.", full_text="Ett stycke.", score=1.0)
    answered = Answer("q", "Ett stycke. [1]", False, [cite])
    passages = Answer("q", t["no_direct_answer"], True, [], nearest=[cite], outcome="passages")
    refused = Answer("q", t["refusal"], True, [], nearest=[cite], outcome="refused")
    assert t["sources_heading"] in format_answer(answered, bundled_prompts())
    shown = click.unstyle(format_answer(passages, bundled_prompts()))
    assert shown.startswith(t["no_direct_answer"]) and "[1] Titel" in shown
    assert shown.split("\n")[2].startswith("[1] Titel")  # the reply, then its passages at once
    assert t["nearest_heading"] in format_answer(refused, bundled_prompts())
