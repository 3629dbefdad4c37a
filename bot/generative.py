"""The LLM seam: generative answers through llama-index, the only module that imports it.

Switched on with UTBOT_ANSWER_MODE=generative. ``UTBOT_LLM_PROVIDER`` picks the llama-index
integration (openai_like: vLLM, LM Studio, any OpenAI-compatible server; azure_openai; ollama,
native /api/chat; openai). Each LLM object is built here from Settings and used directly: never
llama-index's global ``Settings``, never a default OpenAI client. The model sees the question, the
numbered passages and the prompt files in prompts/generative/; the engine holds its answer to the
grounding check and falls back to the extractive answer when it fails or the endpoint does not
answer. The integrations come with the ``llm`` extra: ``pip install -e '.[llm]'``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.templates import prompt, render
from ingest.errors import UtbotError

if TYPE_CHECKING:
    from bot.retrieval import Hit
    from ingest.settings import Settings

log = logging.getLogger(__name__)

EXTRA_HINT = "pip install -e '.[llm]'"


class GenerationError(UtbotError):
    """The endpoint failed (timeout, HTTP error, empty reply): the extractive answer is given."""


def _require(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise UtbotError(
            f"UTBOT_ANSWER_MODE=generative with UTBOT_LLM_PROVIDER needs {package}, which is not "
            f"installed ({exc}). Install the llm extra: {EXTRA_HINT}"
        ) from None


def build_llm(settings: Settings) -> Any:
    """The llama-index LLM for ``settings.llm_provider``, built explicitly (no global Settings)."""
    provider, model, url = settings.llm_provider, settings.llm_model, settings.llm_base_url
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
    if not model:
        raise UtbotError(
            f"UTBOT_LLM_PROVIDER={provider} needs UTBOT_LLM_MODEL (the model name; for "
            "azure_openai the deployment name). See `python -m bot config`."
        )
    if provider in ("openai_like", "azure_openai") and not url:
        raise UtbotError(
            f"UTBOT_LLM_PROVIDER={provider} needs UTBOT_LLM_BASE_URL (e.g. "
            "http://localhost:8000/v1 for vLLM, https://<resource>.openai.azure.com for Azure)."
        )
    callbacks = _require("llama_index.core.callbacks", "llama-index-core").CallbackManager([])
    common = {"temperature": 0.0, "callback_manager": callbacks}
    if provider != "ollama":
        # the openai client imports its API resources on the first call (seconds): do it at
        # start-up, not while the first user waits
        _require("openai.resources", "openai")
    openai_common = {
        **common,
        "timeout": settings.llm_timeout_s,
        "max_retries": settings.llm_max_retries,
    }
    if provider == "openai_like":
        cls = _require("llama_index.llms.openai_like", "llama-index-llms-openai-like").OpenAILike
        return cls(
            model=model,
            api_base=url,
            # the OpenAI client needs some key; a server without auth ignores it
            api_key=key or "none",
            is_chat_model=True,
            context_window=settings.llm_context_window,
            **openai_common,
        )
    if provider == "azure_openai":
        if not key:
            raise UtbotError("UTBOT_LLM_PROVIDER=azure_openai needs UTBOT_LLM_API_KEY.")
        mod = _require("llama_index.llms.azure_openai", "llama-index-llms-azure-openai")
        return _azure_deployment(mod.AzureOpenAI, settings.llm_context_window)(
            model=model,
            engine=model,
            azure_endpoint=url,
            api_key=key,
            api_version=settings.llm_api_version,
            **openai_common,
        )
    if provider == "ollama":
        cls = _require("llama_index.llms.ollama", "llama-index-llms-ollama").Ollama
        return cls(
            model=model,
            base_url=url or "http://localhost:11434",
            request_timeout=settings.llm_timeout_s,
            context_window=settings.llm_context_window,
            headers={"Authorization": f"Bearer {key}"} if key else None,
            **common,
        )
    if provider == "openai":
        if not key:
            raise UtbotError("UTBOT_LLM_PROVIDER=openai needs UTBOT_LLM_API_KEY.")
        cls = _require("llama_index.llms.openai", "llama-index-llms-openai").OpenAI
        return cls(model=model, api_key=key, api_base=url, **openai_common)
    raise UtbotError(f"unknown UTBOT_LLM_PROVIDER={provider!r}")  # pragma: no cover - Literal


def _azure_deployment(base: type, context_window: int) -> type:
    """AzureOpenAI addressed by deployment name alone: llama-index looks the model's context
    window up by OpenAI model name, which a deployment ("utbot-gpt4o") is not, and fails; the
    deployment is a chat model with UTBOT_LLM_CONTEXT_WINDOW tokens."""
    from llama_index.core.base.llms.types import LLMMetadata

    class AzureDeployment(base):  # type: ignore[misc, valid-type]
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(
                context_window=context_window,
                num_output=self.max_tokens or -1,
                is_chat_model=True,
                model_name=self.engine,
            )

    return AzureDeployment


class Generator:
    """One configured model: ``answer()`` sends the prompt and returns the model's text."""

    def __init__(self, settings: Settings, llm: Any | None = None) -> None:
        self.settings = settings
        self.llm = llm if llm is not None else build_llm(settings)
        self.label = f"{settings.llm_provider}/{settings.llm_model}"

    def messages(
        self, question: str, lang: str, hits: list[Hit], refusal: str, history: list[str]
    ) -> tuple[str, str]:
        """(system, user): the prompt files filled in with the question and numbered passages."""
        folder = self.settings.prompts_dir
        passages = "\n\n".join(
            f"[{n}] {h.metadata.get('title') or h.metadata.get('source')} – "
            f"{h.metadata.get('section') or ''}\n{h.text}"
            for n, h in enumerate(hits, start=1)
        )
        earlier = (
            render(prompt(folder, "generative/history.txt"), questions="\n".join(history))
            if history
            else ""
        )
        system = render(prompt(folder, f"generative/system.{lang}.txt"), refusal=refusal)
        user = render(
            prompt(folder, "generative/user.txt"),
            passages=passages,
            history=earlier,
            question=question,
        )
        return system, user

    def answer(
        self,
        question: str,
        lang: str,
        hits: list[Hit],
        refusal: str,
        history: list[str] | None = None,
    ) -> str:
        from llama_index.core.llms import ChatMessage

        system, user = self.messages(question, lang, hits, refusal, history or [])
        chat = [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]
        try:
            reply = self.llm.chat(chat)
        except Exception as exc:  # each client raises its own types (openai, httpx, ollama)
            raise GenerationError(f"{self.label} failed: {type(exc).__name__}: {exc}") from exc
        text = (reply.message.content or "").strip()
        if not text:
            raise GenerationError(f"{self.label} returned an empty answer")
        return text
