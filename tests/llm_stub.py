"""A stand-in LLM on 127.0.0.1 that speaks the real wire protocols the bot's providers use.

``LLMStub`` is a small threaded HTTP server answering
- OpenAI chat completions: ``POST /v1/chat/completions`` with ``Authorization: Bearer <key>``;
- Azure OpenAI: ``POST /openai/deployments/{deployment}/chat/completions?api-version=…`` with an
  ``api-key`` header (no api-version: 400, as Azure answers);
- Ollama's native API: ``POST /api/chat`` (``stream: false``), answering with one JSON message.
With ``key`` set, an OpenAI or Azure request without that key is refused (401) as the real
services do (Ollama has no keys). Every
request is recorded as ``Request`` (protocol, path, query, headers, body, and the system and user
messages). What the "model" says is ``reply(request)``, a function the test gives; ``status``
and ``delay`` make it fail or stall.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ingest.sentences import sentence_spans

_AZURE = re.compile(r"^/openai/deployments/([^/]+)/chat/completions$")
_PASSAGE = re.compile(r"^\[(\d+)\] [^\n]*\n", re.MULTILINE)


@dataclass
class Request:
    protocol: str  # "openai", "azure" or "ollama"
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # names lower-cased
    body: dict
    deployment: str | None = None

    @property
    def model(self) -> str | None:
        return self.body.get("model")

    def message(self, role: str) -> str:
        return next((m["content"] for m in self.body["messages"] if m["role"] == role), "")

    @property
    def system(self) -> str:
        return self.message("system")

    @property
    def user(self) -> str:
        return self.message("user")

    def passages(self) -> dict[int, str]:
        """The numbered passages in the user message: {n: passage text}."""
        text = self.user
        marks = list(_PASSAGE.finditer(text))
        tail = min(i for i in (text.find("\nTidigare frågor"), text.rfind("\nFråga")) if i >= 0)
        out = {}
        for m, nxt in zip(marks, [*marks[1:], None], strict=True):
            out[int(m.group(1))] = text[m.end() : nxt.start() if nxt else tail].strip()
        return out

    def refusal(self) -> str:
        """The exact refusal sentence the system prompt asks for."""
        return self.system.rsplit(": ", 1)[-1].strip()


def quotable_sentence(
    passage: str, skip: Callable[[str], bool] = lambda s: False, last: bool = False
) -> str:
    """A whole sentence of the passage a model could quote (no quotation marks inside): the
    first, or the last."""
    spans = sentence_spans(passage)
    for a, b in reversed(spans) if last else spans:
        s = " ".join(passage[a:b].split())
        if len(s) >= 30 and not re.search(r"[”“\"„«»]", s) and not skip(s):
            return s
    raise AssertionError(f"no quotable sentence in {passage[:200]!r}")


class LLMStub:
    def __init__(self, reply: Callable[[Request], str], key: str | None = None) -> None:
        self.reply = reply
        self.key = key
        self.status = 200
        self.delay = 0.0
        self.requests: list[Request] = []
        self._stop = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> LLMStub:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def authorised(self, req: Request) -> bool:
        if self.key is None or req.protocol == "ollama":  # Ollama's API has no keys
            return True
        if req.protocol == "azure":
            return req.headers.get("api-key") == self.key
        return req.headers.get("authorization") == f"Bearer {self.key}"


def _handler(stub: LLMStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            url = urllib.parse.urlsplit(self.path)
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            query = dict(urllib.parse.parse_qsl(url.query))
            headers = {k.lower(): v for k, v in self.headers.items()}
            azure = _AZURE.match(url.path)
            if url.path == "/v1/chat/completions":
                req = Request("openai", url.path, query, headers, body)
            elif azure:
                req = Request("azure", url.path, query, headers, body, azure.group(1))
            elif url.path == "/api/chat":
                req = Request("ollama", url.path, query, headers, body)
            else:
                return self._send(404, {"error": {"message": f"no route {url.path}"}})
            stub.requests.append(req)
            if req.protocol == "azure" and "api-version" not in query:
                return self._send(400, {"error": {"message": "api-version is required"}})
            if not stub.authorised(req):
                return self._send(401, {"error": {"message": "invalid key"}})
            if stub.delay and stub._stop.wait(stub.delay):
                return None
            if stub.status != 200:
                return self._send(stub.status, {"error": {"message": "internal error"}})
            content = stub.reply(req)
            if req.protocol == "ollama":
                return self._send(200, _ollama(req, content))
            return self._send(200, _openai(req, content))

    return Handler


def _openai(req: Request, content: str) -> dict:
    return {
        "id": f"chatcmpl-{len(content)}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": req.model or req.deployment,
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def _ollama(req: Request, content: str) -> dict:
    return {
        "model": req.model,
        "created_at": "2025-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": content},
        "done": True,
        "done_reason": "stop",
        "total_duration": 1,
        "prompt_eval_count": 1,
        "eval_count": 1,
    }
