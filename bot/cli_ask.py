"""``python -m bot ask`` / ``chat`` / ``config``: the terminal front end of the engine."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ingest.errors import UtbotError

INDEX_OPT = click.option(
    "--index",
    type=click.Path(path_type=Path),
    help="Index folder (default ./index, or UTBOT_INDEX_DIR).",
)


def build_engine(index: Path | None):
    from ingest.embedding import create_embedder
    from ingest.settings import Settings

    settings = Settings()
    if index is not None:
        settings = settings.model_copy(update={"index_dir": index})
    try:
        # the embedder first: its model loads in a thread of its own while the engine's modules
        # are imported and the index opens (cold start to first answer)
        embedder = create_embedder(settings)
        from bot.engine import Engine

        return Engine.from_settings(settings, embedder)
    except UtbotError as exc:
        raise click.ClickException(str(exc)) from exc


def format_answer(answer, prompts_dir: Path) -> str:
    from bot.templates import messages

    t = messages(prompts_dir, answer.lang)
    lines = [answer.answer, ""]
    if answer.note:
        lines[1:1] = [click.style(answer.note, italic=True), ""]
    cites = answer.citations if not answer.refused else answer.nearest
    heading = {"answer": "sources_heading", "passages": "passages_heading"}
    if cites:
        lines.append(t[heading.get(answer.outcome, "nearest_heading")])
    for c in cites:
        meta = [c.title or c.source]  # fields the document does not give are left out
        kind, ident, is_dnr = c.identity()
        ident = f"{t['dnr']} {ident}" if ident and is_dnr else ident
        if kind or ident or c.date:  # kind · id · date
            meta.append(" · ".join(v for v in (kind, ident, c.date) if v))
        meta += [
            f"{t[key]} {value}"
            for key, value in (("section", c.section), ("page", c.page))
            if value
        ]
        lines.append(click.style(f"[{c.n}] ", bold=True) + " — ".join(meta))
        quote = " ".join(c.text.split())
        lines.append(f"    “{quote}”")
    return "\n".join(lines)


def _filters(dnr, year, doc_type):
    from bot.models import Filters

    return Filters(dnr=dnr, year=year, type=doc_type)


def _filter_matching_nothing(engine, filters, options: dict) -> str | None:
    """The filter (as the user typed it) that no document in the index matches, if any: each
    option alone first, then their combination."""
    from bot.models import Filters

    given = {opt: value for opt, value in options.items() if value is not None}
    if not given or engine.retriever.matches_any(filters):
        return None
    names = {"--dnr": "dnr", "--year": "year", "--type": "type"}
    for opt, value in given.items():
        if not engine.retriever.matches_any(Filters(**{names[opt]: value})):
            return f"{opt} {value}"
    return " ".join(f"{opt} {value}" for opt, value in given.items())


@click.command()
@click.argument("question")
@INDEX_OPT
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line.")
@click.option("-k", "k", type=int, default=None, help="Citations to return (default 5).")
@click.option("--dnr", help="Only this diarienummer, e.g. 'UTBF 2024/6786'.")
@click.option("--year", type=int, help="Only documents from this year.")
@click.option("--type", "doc_type", help="Only this document type, e.g. 'svar på skrivelse'.")
def ask(question, index, as_json, k, dnr, year, doc_type) -> None:
    """Answer one question, with cited passages."""
    from bot.templates import messages
    from ingest.settings import bundled_prompts

    if not question.strip():
        raise click.UsageError(messages(bundled_prompts(), "sv")["empty_question"])
    engine = build_engine(index)
    filters = _filters(dnr, year, doc_type)
    empty = _filter_matching_nothing(
        engine, filters, {"--dnr": dnr, "--year": year, "--type": doc_type}
    )
    if empty:
        from bot.models import Answer
        from bot.query import detect_language

        lang = detect_language(question)
        text = messages(engine.settings.prompts_dir, lang)["no_document_matches"]
        answer = Answer(question, text.format(filter=empty), True, [], lang=lang)
    else:
        answer = engine.answer(question, k=k, filters=filters)
    if as_json:
        click.echo(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        click.echo(format_answer(answer, engine.settings.prompts_dir))
    leave(engine)


# set by bot.cli.run: this process runs one command and ends with it
OWN_PROCESS = False


def leave(engine) -> None:
    """End a process that has printed its one answer without Python's finalization, which took
    0.45-0.65 s here (tearing down chromadb's, onnxruntime's and scipy's modules), a fifth of
    ``bot ask``'s cold start. The index was only read; it is closed first, and the output and
    the log handlers are flushed."""
    if not OWN_PROCESS:
        return
    import logging
    import os
    import sys

    engine.retriever.close()
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(0)


@click.command()
@INDEX_OPT
@click.option("-k", "k", type=int, default=None, help="Citations per answer.")
def chat(index, k) -> None:
    """Ask questions one after another; a follow-up is read with the previous question."""
    engine = build_engine(index)
    history: list[str] = []
    click.echo("Ställ en fråga (tom rad eller Ctrl-D avslutar).")
    while True:
        try:
            question = input("> ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not question:
            break
        answer = engine.answer(question, history=history, k=k)
        click.echo(format_answer(answer, engine.settings.prompts_dir) + "\n")
        history.append(answer.resolved_question or question)


@click.command()
def config() -> None:
    """Print every setting with its environment variable and description."""
    from ingest.settings import field_docs

    for env, default, desc in field_docs():
        click.echo(f"{env}  (default {default or '[]'})\n    {desc}")
