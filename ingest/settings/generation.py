"""Settings of generative answers (an LLM through llama-index) and of the texts shown to users
and to the LLM (the prompts folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from ingest.settings.common import bundled_prompts


class GenerationSettings(BaseModel):
    answer_mode: Literal["extractive", "generative"] = Field(
        "extractive",
        description="extractive (default, offline): the answer quotes the passages' own sentences. "
        "generative: an LLM (UTBOT_LLM_PROVIDER, needs `pip install -e '.[llm]'`) writes the "
        "answer from the numbered passages; it must quote and cite in every sentence and pass the "
        "grounding check, otherwise the extractive answer is given with a note.",
    )
    llm_provider: Literal["openai_like", "azure_openai", "ollama", "openai"] = Field(
        "openai_like",
        description="Which llama-index integration reaches the model. openai_like: any "
        "OpenAI-compatible server (vLLM, LM Studio, llama.cpp), e.g. UTBOT_LLM_BASE_URL="
        "http://localhost:8000/v1 UTBOT_LLM_MODEL=Qwen/Qwen2.5-7B-Instruct. azure_openai: "
        "UTBOT_LLM_BASE_URL=https://<resource>.openai.azure.com UTBOT_LLM_MODEL=<deployment> "
        "UTBOT_LLM_API_KEY=<key> UTBOT_LLM_API_VERSION=2024-10-21. ollama (native /api/chat): "
        "UTBOT_LLM_BASE_URL=http://localhost:11434 UTBOT_LLM_MODEL=llama3.1:8b. openai: "
        "UTBOT_LLM_MODEL=gpt-4o-mini UTBOT_LLM_API_KEY=sk-….",
    )
    llm_base_url: str | None = Field(
        None,
        description="Where the model is served. openai_like: the /v1 base, e.g. "
        "http://localhost:8000/v1 (vLLM). azure_openai: the resource endpoint, e.g. "
        "https://stockholm-utb.openai.azure.com. ollama: http://localhost:11434 (the default). "
        "openai: unset (api.openai.com) or a proxy.",
    )
    llm_model: str | None = Field(
        None,
        description="Model name at the endpoint (e.g. llama3.1:8b for Ollama, "
        "Qwen/Qwen2.5-7B-Instruct for vLLM); for azure_openai the deployment name (e.g. gpt-4o-mini).",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        description="API key: sent as a Bearer token (openai, openai_like, ollama behind a proxy) "
        "or as the api-key header (azure_openai, required there).",
    )
    llm_api_version: str = Field(
        "2024-10-21",
        description="azure_openai only: the api-version query parameter (a GA version, e.g. 2024-10-21).",
    )
    llm_context_window: int = Field(
        8192,
        gt=0,
        description="Tokens the model accepts (openai_like, ollama): llama-index sizes prompts by "
        "it; Ollama gets it as num_ctx.",
    )
    llm_max_retries: int = Field(
        0,
        ge=0,
        description="Retries of a failed LLM call (OpenAI-protocol providers). 0: one try, and on "
        "failure the extractive answer at once, so a user never waits for retries.",
    )
    llm_timeout_s: float = Field(
        30.0,
        gt=0,
        description="Timeout for one LLM call, in seconds; past it the extractive answer is given with a note.",
    )
    llm_unquoted_words: int = Field(
        12,
        ge=0,
        description="Most words one sentence of a generative answer may have outside quotation "
        "marks (framing such as 'Enligt utlåtandet …'); the rest must be quoted verbatim from a "
        "cited passage. Keeps a claim the model makes up from passing as an answer.",
    )
    prompts_dir: Path = Field(
        default_factory=bundled_prompts,
        description="Folder of prompt and message templates shown to an LLM or a user. Default: "
        "the bot/prompts package data, wherever utbot is installed; set it to use your own.",
    )

    # --- Slack -------------------------------------------------------------------------------
