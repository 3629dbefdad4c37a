"""Generative answers through llama-index, one provider per wire protocol. The LLM endpoints are
unreachable here, so tests/llm_stub.py stands in for them on 127.0.0.1, speaking OpenAI chat
completions (Bearer key), Azure OpenAI (deployment in the path, api-version, api-key header) and
Ollama's /api/chat. The engine, index and embeddings are the real ones."""

from __future__ import annotations

import re
import sys
import time
import tomllib

import pytest
from pydantic import SecretStr

from bot.engine import Engine
from bot.templates import messages
from tests.conftest import ROOT
from tests.llm_stub import LLMStub, Request, quotable_sentence

SKARHOLMEN = "Varför ingår inte Skärholmen i rektorsnätverket?"
ENGLISH = "Who wrote the motion about breaking knowledge segregation?"
KEY = "test-key-123"
PROVIDERS = {  # provider: (base url under the stub, model or deployment, expected path)
    "openai_like": ("/v1", "qwen2.5-7b-instruct", "/v1/chat/completions"),
    "azure_openai": ("", "utbot-gpt4o", "/openai/deployments/utbot-gpt4o/chat/completions"),
    "ollama": ("", "llama3.1:8b", "/api/chat"),
    "openai": ("/v1", "gpt-4o-mini", "/v1/chat/completions"),
}


def grounded(req: Request) -> str:
    return f"Enligt utlåtandet ”{quotable_sentence(req.passages()[1])}” [1]."


@pytest.fixture(scope="module")
def stub():
    with LLMStub(grounded, key=KEY) as s:
        yield s


@pytest.fixture()
def llm(stub):
    """The stub, reset to a well-behaved model before each test."""
    stub.reply, stub.status, stub.delay = grounded, 200, 0.0
    stub.requests.clear()
    return stub


def _settings(bundled_settings, stub, provider, **extra):
    suffix, model, _ = PROVIDERS[provider]
    return bundled_settings.model_copy(
        update={
            "answer_mode": "generative",
            "llm_provider": provider,
            "llm_base_url": stub.url + suffix,
            "llm_model": model,
            "llm_api_key": None if provider == "ollama" else SecretStr(KEY),
            "llm_timeout_s": 1.0,
            **extra,
        }
    )


@pytest.fixture(scope="module")
def engines(bundled_settings, embedder, stub):
    return {p: Engine(_settings(bundled_settings, stub, p), embedder) for p in PROVIDERS}


def _text(key: str, lang: str = "sv") -> str:
    from ingest.settings import bundled_prompts

    return messages(bundled_prompts(), lang)[key]


@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_a_grounded_answer_comes_through_each_protocol(provider, engines, llm):
    answer = engines[provider].answer(SKARHOLMEN)
    assert answer.mode == "generative" and not answer.fallback and answer.note is None
    assert not answer.refused and answer.grounded
    assert answer.llm == f"{provider}/{PROVIDERS[provider][1]}"
    assert answer.answer.startswith("Enligt utlåtandet ”") and answer.answer.endswith("[1].")
    [req] = llm.requests
    assert req.path == PROVIDERS[provider][2]
    if provider == "azure_openai":
        assert req.deployment == "utbot-gpt4o" and req.query == {"api-version": "2024-10-21"}
        assert req.headers["api-key"] == KEY and "authorization" not in req.headers
    elif provider == "ollama":
        assert req.model == "llama3.1:8b" and req.body["stream"] is False
        assert req.body["options"]["num_ctx"] == 8192 and "authorization" not in req.headers
    else:
        assert req.model == PROVIDERS[provider][1]
        assert req.headers["authorization"] == f"Bearer {KEY}"
    assert "[1] " in req.user and "[2] " in req.user and SKARHOLMEN in req.user
    assert "Skärholmen" in req.passages()[1]
    assert "på svenska" in req.system and _text("refusal") in req.system


INVENTED = "Enligt utlåtandet ”Skärholmen valdes bort av politiska skäl.” [1]."


def _wrong_number(req: Request) -> str:
    return f"Enligt utlåtandet ”{quotable_sentence(req.passages()[1])}” [{len(req.passages()) + 1}]."


def _other_passage(req: Request) -> str:  # a real quote, attributed to the wrong passage
    p = req.passages()
    return f"Enligt utlåtandet ”{quotable_sentence(p[2], skip=lambda s: s in p[1])}” [1]."


def _unquoted(req: Request) -> str:
    return "Skärholmen ingår inte eftersom nämnden har beslutat att stänga skolorna där [1]."


def _refusal_then_claim(req: Request) -> str:
    return f"{req.refusal()} Men ”{quotable_sentence(req.passages()[1])}” [1]."


def _long_framing(req: Request) -> str:
    claim = "Förvaltningen menar att Skärholmen redan har fått mer pengar än alla andra stadsdelar i år och därför"
    return f"{claim} ”{quotable_sentence(req.passages()[1])}” [1]."


@pytest.mark.parametrize(
    "reply",
    [
        lambda req: INVENTED,
        _wrong_number,
        _other_passage,
        _unquoted,
        _refusal_then_claim,
        _long_framing,
    ],
    ids=["invented-quote", "wrong-n", "quote-from-another-passage", "claim-without-quote",
         "refusal-then-claim", "claim-in-the-framing"],
)
@pytest.mark.parametrize("provider", ["openai_like", "azure_openai", "ollama"])
def test_an_ungrounded_answer_gives_the_extractive_answer_and_a_note(
    provider, reply, engines, engine, llm, caplog
):
    llm.reply = reply
    with caplog.at_level("WARNING", logger="bot.engine"):
        answer = engines[provider].answer(SKARHOLMEN)
    assert len(llm.requests) == 1, "the model was asked"
    assert answer.mode == "extractive" and answer.fallback and not answer.refused
    assert answer.llm == f"{provider}/{PROVIDERS[provider][1]}"
    assert answer.note == _text("llm_ungrounded")
    assert answer.answer == engine.answer(SKARHOLMEN).answer  # the extractive answer, whole
    assert "politiska" not in answer.answer and "stänga" not in answer.answer
    assert "failed the grounding check" in caplog.text  # the reason is logged


@pytest.mark.parametrize("provider", ["openai_like", "azure_openai", "ollama"])
def test_the_models_refusal_is_an_honest_refusal(provider, engines, llm):
    llm.reply = Request.refusal if provider != "ollama" else lambda req: f"”{req.refusal()[:-1]}”"
    answer = engines[provider].answer(SKARHOLMEN)
    assert answer.refused and answer.mode == "generative" and not answer.fallback
    assert answer.answer == _text("refusal") and answer.nearest


@pytest.mark.parametrize("provider", ["openai_like", "azure_openai", "ollama"])
def test_an_endpoint_error_gives_the_extractive_answer_at_once(provider, engines, engine, llm, caplog):
    llm.status = 500
    with caplog.at_level("WARNING", logger="bot.engine"):
        answer = engines[provider].answer(SKARHOLMEN)
    assert len(llm.requests) == 1, "no retries: the user is not kept waiting"
    assert answer.fallback and answer.mode == "extractive" and not answer.refused
    assert answer.answer == engine.answer(SKARHOLMEN).answer
    assert answer.note == _text("llm_unavailable").format(llm=answer.llm)
    assert "unavailable" in caplog.text


@pytest.mark.parametrize("provider", ["openai_like", "azure_openai", "ollama"])
def test_a_timeout_gives_the_extractive_answer_within_the_timeout(provider, engines, engine, llm):
    llm.delay = 6.0
    start = time.perf_counter()
    answer = engines[provider].answer(SKARHOLMEN)
    assert time.perf_counter() - start < 4.0  # llm_timeout_s is 1 s
    assert answer.fallback and answer.answer == engine.answer(SKARHOLMEN).answer
    assert answer.note and "(" + answer.llm + ")" in answer.note


def test_a_wrong_key_is_an_endpoint_error(bundled_settings, embedder, llm):
    settings = _settings(bundled_settings, llm, "azure_openai", llm_api_key=SecretStr("wrong"))
    answer = Engine(settings, embedder).answer(SKARHOLMEN)
    assert llm.requests[0].headers["api-key"] == "wrong"
    assert answer.fallback and answer.note == _text("llm_unavailable").format(llm=answer.llm)


def test_english_questions_get_the_english_prompt_and_notes(engines, llm):
    llm.status = 500
    answer = engines["openai_like"].answer(ENGLISH)
    assert "in English" in llm.requests[0].system
    assert answer.lang == "en" and answer.note == _text("llm_unavailable", "en").format(llm=answer.llm)


def test_the_threads_earlier_questions_reach_the_model(engines, llm):
    engines["ollama"].answer("Och vem skrev skrivelsen?", history=[SKARHOLMEN])
    user = llm.requests[0].user
    assert "Tidigare frågor i samma tråd" in user and SKARHOLMEN in user.split("Fråga / Question:")[0]


def test_questions_outside_the_corpus_are_refused_before_any_llm_call(engines, llm):
    answer = engines["openai_like"].answer("Vem vann Melodifestivalen 2024?")
    assert answer.refused and answer.llm is None
    assert llm.requests == []


def test_llama_index_global_settings_are_never_used(engines, llm):
    from llama_index.core import Settings

    engines["azure_openai"].answer(SKARHOLMEN)
    assert Settings._llm is None  # the LLM was passed explicitly, no default resolved


def test_the_answer_json_says_which_model_answered_and_shows_what_it_quoted(engines, llm):
    quoted = []

    def quote_the_last_sentence(req: Request) -> str:
        quoted.append(quotable_sentence(req.passages()[1], last=True))
        return f"Enligt utlåtandet ”{quoted[-1]}” [1]."

    llm.reply = quote_the_last_sentence
    data = engines["azure_openai"].answer(SKARHOLMEN).to_json()
    assert data["mode"] == "generative" and data["llm"] == "azure_openai/utbot-gpt4o"
    assert data["fallback"] is False and data["note"] is None
    assert quoted[0] in " ".join(data["citations"][0]["text"].split())  # the passage shown around it


def test_eval_rows_record_the_mode_the_model_and_a_fallback(engines, engine, llm):
    from bot.evaluation.runner import config_snapshot, run_cases
    from bot.evaluation.testset import EvalCase

    case = EvalCase("skarholmen", SKARHOLMEN)
    [generative] = run_cases(engines["ollama"], [case])
    llm.status = 500
    [fallen] = run_cases(engines["ollama"], [case])
    [extractive] = run_cases(engine, [case])
    assert (generative["mode"], generative["llm"], generative["llm_fallback"]) == (
        "generative", "ollama/llama3.1:8b", False)
    assert (fallen["mode"], fallen["llm"], fallen["llm_fallback"]) == (
        "extractive", "ollama/llama3.1:8b", True)
    assert (extractive["mode"], extractive["llm"], extractive["llm_fallback"]) == (
        "extractive", None, False)
    snapshot = config_snapshot(engines["ollama"].settings)
    assert snapshot["llm_provider"] == "ollama" and snapshot["answer_mode"] == "generative"


@pytest.mark.parametrize(
    "provider, module",
    [("ollama", "llama_index.llms.ollama"), ("azure_openai", "llama_index.llms.azure_openai"),
     ("openai_like", "llama_index.core.callbacks")],
)
def test_generative_mode_without_the_llm_extra_says_what_to_install(
    provider, module, bundled_settings, stub, monkeypatch
):
    from bot.generative import build_llm
    from ingest.errors import UtbotError

    monkeypatch.setitem(sys.modules, module, None)  # what an install without the extra sees
    with pytest.raises(UtbotError, match=re.escape("pip install -e '.[llm]'")):
        build_llm(_settings(bundled_settings, stub, provider))


def test_a_missing_model_or_endpoint_is_named_at_start_up(bundled_settings, embedder, stub):
    from ingest.errors import UtbotError

    with pytest.raises(UtbotError, match="UTBOT_LLM_MODEL"):
        Engine(_settings(bundled_settings, stub, "ollama", llm_model=None), embedder)
    with pytest.raises(UtbotError, match="UTBOT_LLM_BASE_URL"):
        Engine(_settings(bundled_settings, stub, "azure_openai", llm_base_url=None), embedder)


def test_llama_index_is_only_in_the_llm_extra_and_imported_only_at_the_seam():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project["dependencies"] if d.startswith("llama")]
    extra = {re.split(r"[<>=]", d)[0] for d in project["optional-dependencies"]["llm"]}
    assert extra == {"llama-index-core", "llama-index-llms-openai", "llama-index-llms-openai-like",
                     "llama-index-llms-azure-openai", "llama-index-llms-ollama"}
    assert any("llm" in d for d in project["optional-dependencies"]["dev"])
    users = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "bot").rglob("*.py")
                   if "llama_index" in p.read_text(encoding="utf-8"))
    assert users == ["bot/generative.py"]


def test_config_shows_each_providers_settings_with_an_example():
    from click.testing import CliRunner

    from bot.cli import main

    out = CliRunner().invoke(main, ["config"]).output
    for text in ("UTBOT_LLM_PROVIDER", "azure_openai", "openai.azure.com", "UTBOT_LLM_API_VERSION",
                 "http://localhost:11434", "llama3.1:8b", "http://localhost:8000/v1",
                 "UTBOT_LLM_CONTEXT_WINDOW", "UTBOT_LLM_TIMEOUT_S"):
        assert text in out, text


def test_the_default_install_pulls_in_no_llama_index():
    """The default dependencies and everything they require (read from the installed packages'
    metadata, extras off): what `pip install -e .` installs."""
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    todo, seen = [Requirement(d) for d in project["dependencies"]], set()
    while todo:
        req = todo.pop()
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name in seen or (req.marker and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        try:
            todo += [Requirement(r) for r in distribution(req.name).requires or []]
        except PackageNotFoundError:
            pass
    assert len(seen) > 50  # the closure was walked
    assert not [n for n in seen if n.startswith("llama")]


def test_a_question_the_judge_leaves_to_the_passages_still_reaches_the_model(
    bundled_settings, embedder, stub, llm, tmp_path
):
    import json

    from bot.fit import Row, fit
    from bot.judge import FEATURES

    rows = [Row("s", str(i), dict.fromkeys(FEATURES, float(i)), i % 2 == 0) for i in range(4)]
    path = tmp_path / "judge.json"
    path.write_text(json.dumps({**fit(rows, 1.0, {}, names=("support",)), "bias": -50.0}))
    unsure = Engine(_settings(bundled_settings, stub, "ollama", judge_model=path), embedder)
    answer = unsure.answer(SKARHOLMEN)  # the extractive answer would be `passages`
    assert answer.outcome == "answer" and answer.mode == "generative" and len(llm.requests) == 1
    llm.reply = lambda req: f"”{req.refusal()[:-1]}”"  # the model finds no answer either
    shown = unsure.answer(SKARHOLMEN)
    assert shown.outcome == "passages" and shown.answer == _text("no_direct_answer")
    assert shown.nearest and shown.mode == "generative" and len(llm.requests) == 2
