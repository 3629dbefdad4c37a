"""A generative answer through an OpenAI-compatible chat endpoint (Ollama, vLLM, Azure OpenAI).

Switched on with UTBOT_ANSWER_MODE=generative. The model sees the numbered passages and must cite
them; the engine runs the same grounding check as for extractive answers and falls back to the
extractive answer when the model's answer fails it or the endpoint cannot be reached.
"""

from __future__ import annotations

import logging

from bot.retrieval import Hit
from bot.templates import prompt, render
from ingest.errors import UtbotError
from ingest.settings import Settings

log = logging.getLogger(__name__)


class GenerationError(UtbotError):
    pass


class ChatClient:
    """POST {base_url}/chat/completions, the OpenAI wire format."""

    def __init__(self, settings: Settings) -> None:
        if not settings.llm_base_url or not settings.llm_model:
            raise UtbotError(
                "UTBOT_ANSWER_MODE=generative needs UTBOT_LLM_BASE_URL (e.g. "
                "http://localhost:11434/v1) and UTBOT_LLM_MODEL."
            )
        self.url = settings.llm_base_url.rstrip("/") + "/chat/completions"
        self.model = settings.llm_model
        self.key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else None
        self.timeout = settings.llm_timeout_s

    def complete(self, system: str, user: str) -> str:
        import httpx

        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
        }
        try:
            resp = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
            resp.raise_for_status()
            return resp.json()["choices"][0]["message"]["content"].strip()
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            raise GenerationError(f"LLM endpoint {self.url} failed: {exc}") from exc


def generate(
    client: ChatClient, settings: Settings, question: str, lang: str, hits: list[Hit], refusal: str
) -> str:
    passages = "\n\n".join(
        f"[{n}] {h.metadata.get('title') or h.metadata.get('source')} – "
        f"{h.metadata.get('section') or ''}\n{h.text}"
        for n, h in enumerate(hits, start=1)
    )
    system = render(prompt(settings.prompts_dir, f"generative/system.{lang}.txt"), refusal=refusal)
    user = render(
        prompt(settings.prompts_dir, "generative/user.txt"), passages=passages, question=question
    )
    return client.complete(system, user)
