"""Generative answers through an OpenAI-compatible endpoint. The LLM is unreachable here, so a
stand-in speaks the real chat-completions protocol over HTTP on 127.0.0.1: it quotes the first
sentence of the first passage it is sent (or, as a liar, a sentence that is in no passage)."""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.engine import Engine

SKARHOLMEN = "Varför ingår inte Skärholmen i rektorsnätverket?"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def do_POST(self):  # noqa: N802 - http.server's naming
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, "body": body,
                                     "auth": self.headers.get("Authorization")})
        user = body["messages"][-1]["content"]
        passage = user.split("[1] ", 1)[1].split("\n", 1)[1]
        first = re.split(r"(?<=[.!?])\s", passage.strip(), maxsplit=1)[0]
        if self.server.mode == "liar":
            first = "Skärholmen valdes bort av politiska skäl."
        content = f"Utlåtandet säger: ”{first}” [1]"
        out = json.dumps({"id": "x", "object": "chat.completion", "model": body["model"],
                          "choices": [{"index": 0, "finish_reason": "stop",
                                       "message": {"role": "assistant", "content": content}}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(out.encode())


@pytest.fixture()
def llm_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.requests, server.mode = [], "honest"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _engine(bundled_settings, embedder, url):
    settings = bundled_settings.model_copy(update={
        "answer_mode": "generative", "llm_base_url": url, "llm_model": "test-model",
        "llm_timeout_s": 5.0})
    return Engine(settings, embedder)


def test_generative_answer_quotes_and_cites_through_the_endpoint(llm_server, bundled_settings, embedder):
    url = f"http://127.0.0.1:{llm_server.server_address[1]}/v1"
    answer = _engine(bundled_settings, embedder, url).answer(SKARHOLMEN)
    assert answer.mode == "generative" and not answer.refused and answer.grounded
    assert answer.answer.startswith("Utlåtandet säger: ”") and answer.answer.endswith("[1]")
    request = llm_server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["body"]["model"] == "test-model"
    assert "Skärholmen" in request["body"]["messages"][-1]["content"]
    assert "[1]" in request["body"]["messages"][-1]["content"]


def test_an_invented_quote_falls_back_to_the_extractive_answer(llm_server, bundled_settings, embedder):
    llm_server.mode = "liar"
    url = f"http://127.0.0.1:{llm_server.server_address[1]}/v1"
    answer = _engine(bundled_settings, embedder, url).answer(SKARHOLMEN)
    assert llm_server.requests, "the endpoint was asked"
    assert answer.mode == "extractive" and not answer.refused
    assert "politiska" not in answer.answer


def test_an_unreachable_endpoint_falls_back_to_the_extractive_answer(bundled_settings, embedder):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    answer = _engine(bundled_settings, embedder, f"http://127.0.0.1:{port}/v1").answer(SKARHOLMEN)
    assert answer.mode == "extractive" and not answer.refused


def test_questions_outside_the_corpus_are_refused_before_any_llm_call(llm_server, bundled_settings,
                                                                     embedder):
    url = f"http://127.0.0.1:{llm_server.server_address[1]}/v1"
    answer = _engine(bundled_settings, embedder, url).answer("Vem vann Melodifestivalen 2024?")
    assert answer.refused
    assert llm_server.requests == []
