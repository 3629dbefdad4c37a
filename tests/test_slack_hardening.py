"""Hostile and careless requests against `bot slack --http`: the real bolt App behind the real
waitress server on 127.0.0.1, signed as Slack signs, its Web API calls going to the stand-in
(tests/slack_stub.py). Also what document text can and cannot do to a Slack message."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import re
import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

from bot.models import Answer, Citation
from bot.slack.blocks import SECTION_CHARS, Templates, answer_blocks, citation_block
from bot.slack.cli import health, slack
from bot.slack.health import Heartbeat, probe_url
from bot.slack.http import HEALTH_PATH
from bot.slack.logs import FORMAT, OneLineFormatter
from ingest.settings import Settings
from tests.slack_bot import QUESTION, SECRET

FORGED = "2026-01-01 00:00:00,000 ERROR bot.slack: answering a message failed [error_id=deadbeef]"


def raw_post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    req = urllib.request.Request(url, body, headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.read().decode()


def signed_headers(body: bytes, content_type: str) -> dict:
    """Slack's v0 signature over the raw bytes (also bytes that are not UTF-8)."""
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": "v0=" + digest,
    }


@pytest.fixture
def log_output():
    """Everything logged at the level and in the format `bot slack` uses (bot/slack/logs.py)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(OneLineFormatter(FORMAT))
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield out
    root.removeHandler(handler)
    root.setLevel(old_level)


# --- the HTTP layer -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "signed", "status"),
    [
        (b'{"type": "event_callback", "event": ', "application/json", False, 401),
        (b'{"type": "event_callback", "event": ', "application/json", True, 400),
        (b"[1, 2, 3]", "application/json", True, 400),
        (b'{"type": "\xff\xfe"}', "application/json", True, 401),  # Slack signs UTF-8 only
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded", True, 400),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded", True, 400),
        (b"", "application/json", True, 400),
        # signed, but not what Slack sends: bolt or the guard would have failed with a 500
        (b'{"type": "event_callback", "event": "str"}', "application/json", True, 400),
        (b'{"type": "block_actions", "actions": []}', "application/json", True, 400),
        (b'{"command": "/fraga", "team_id": "T0TEST", "text": 5}', "application/json", True, 400),
        (b'{"type": "view_submission", "view": null}', "application/json", True, 400),
    ],
)
def test_malformed_bodies_get_400_or_401_never_500(
    make_bot, stub, body, content_type, signed, status
):
    bot = make_bot()
    headers = signed_headers(body, content_type) if signed else {"Content-Type": content_type}
    code, text = raw_post(bot.send.app_url, body, headers)
    assert code == status
    assert "Traceback" not in text
    assert stub.calls == [] and bot.engine.calls == []


def test_signature_is_checked_before_the_body_is_read(make_bot, stub, log_output):
    bot = make_bot()
    body = b'{"malformed'
    wrong = {"Content-Type": "application/json", "X-Slack-Request-Timestamp": "not-a-number"}
    assert raw_post(bot.send.app_url, body, {**wrong, "X-Slack-Signature": "v0=00"})[0] == 401
    assert "not valid JSON" not in log_output.getvalue()  # refused as unsigned, never parsed
    assert "signature" in log_output.getvalue()


def test_bodies_are_never_logged_and_a_newline_cannot_forge_a_log_line(make_bot, stub, log_output):
    bot = make_bot()
    forged_form = ("text=hi%0A" + FORGED.replace(" ", "+")).encode()
    raw_post(bot.send.app_url, forged_form, {"Content-Type": "application/x-www-form-urlencoded"})
    raw_post(bot.send.app_url, ("x\n" + FORGED).encode(), {"Content-Type": "text/plain"})
    big = b"A" * 200_000
    raw_post(bot.send.app_url, big, {"Content-Type": "application/json"})
    # signed, so bolt reads it: a command whose text carries the forged line
    bot.send.command(
        "x\n" + FORGED, user="U0ASKER", channel="C0SKOLA", response_url=stub.response_url()
    )
    logged = log_output.getvalue()
    assert "deadbeef" not in logged and "AAAAAAAAAA" not in logged
    assert "200000 bytes, sha256" in logged
    logger = logging.getLogger("bot.slack")
    logger.warning("a value from a request: %s", "x\n" + FORGED)
    lines = log_output.getvalue().splitlines()
    assert not [line for line in lines if line.startswith("2026-01-01")]
    assert any("\\n2026-01-01" in line for line in lines)


def test_bodies_over_the_limit_get_413(make_bot, stub):
    bot = make_bot(slack_http_max_body_bytes=4096)
    body = json.dumps({"type": "event_callback", "pad": "x" * 10_000}).encode()
    code, _ = raw_post(bot.send.app_url, body, signed_headers(body, "application/json"))
    assert code == 413
    assert stub.calls == []


def test_idle_and_slow_connections_are_closed_and_hold_no_threads(make_bot, stub):
    bot = make_bot(slack_http_timeout_s=1)
    host, port = "127.0.0.1", int(bot.send.app_url.split(":")[2].split("/")[0])
    threads_before = threading.active_count()
    idle = [socket.create_connection((host, port), timeout=10) for _ in range(60)]
    slow = socket.create_connection((host, port), timeout=10)
    slow.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    time.sleep(0.3)
    assert threading.active_count() - threads_before < 5  # not one thread per connection
    started = time.perf_counter()
    assert bot.mention(QUESTION, ts="1700000100.000100").status == 200  # still served
    assert time.perf_counter() - started < 3
    assert slow.recv(1024) == b""  # closed by the server after the read timeout
    assert time.perf_counter() - started < 8
    for s in [*idle, slow]:
        s.close()


def test_a_burst_of_concurrent_events_is_acked_and_answered_once(make_bot, stub):
    bot = make_bot(slack_rate_limit_per_minute=1000)
    n = 200  # the server before waitress reset some connections of a burst of 150

    def send(i: int) -> int:  # questions the bot refuses without the engine: quick to answer
        return bot.mention(" ", ts=f"1700000200.{i:06d}", user=f"U0BURST{i}").status

    with ThreadPoolExecutor(n) as pool:
        statuses = list(pool.map(send, range(n)))
    assert statuses == [200] * n
    notices = stub.wait_for("chat.postEphemeral", count=n, timeout=30)
    time.sleep(0.3)
    assert len(stub.calls_to("chat.postEphemeral")) == n
    assert sorted(c.params["user"] for c in notices) == sorted(f"U0BURST{i}" for i in range(n))


def test_health_route_and_methods(make_bot, stub):
    bot = make_bot()
    base = bot.send.app_url.removesuffix("/slack/events")
    with urllib.request.urlopen(base + HEALTH_PATH, timeout=5) as resp:
        assert (resp.status, resp.read()) == (200, b"ok")
    for path, method, status in [
        (HEALTH_PATH, "POST", 405),
        ("/slack/events", "GET", 405),
        ("/elsewhere", "GET", 404),
    ]:
        req = urllib.request.Request(base + path, b"" if method == "POST" else None, method=method)
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == status


def test_heartbeat_is_written_while_healthy_and_health_says_when_it_is_stale(
    make_bot, stub, tmp_path
):
    bot = make_bot()
    path = tmp_path / "hb"
    url = bot.send.app_url.removesuffix("/slack/events") + HEALTH_PATH
    runner = CliRunner()
    missing = runner.invoke(health, ["--file", str(path), "--max-age", "60"])
    assert missing.exit_code == 1 and "no heartbeat" in missing.output

    assert Heartbeat(path, 60, probe_url(url)).beat()
    ok = runner.invoke(health, ["--file", str(path), "--max-age", "60"])
    assert ok.exit_code == 0, ok.output

    path.write_text(f"{time.time() - 600}\n")
    stale = runner.invoke(health, ["--file", str(path), "--max-age", "60"])
    assert stale.exit_code == 1 and "old" in stale.output
    dead = Heartbeat(path, 60, probe_url("http://127.0.0.1:9/healthz", timeout_s=0.5))
    assert not dead.beat()  # a server that does not answer writes no heartbeat
    assert runner.invoke(health, ["--file", str(path), "--max-age", "60"]).exit_code == 1


# --- long questions ---------------------------------------------------------------------------


def test_a_40000_character_question_is_refused_at_once_everywhere(make_bot, stub, engine):
    long_question = ("Vilket stöd har Rinkebyskolan fått? " * 1200)[:40_000]
    started = time.perf_counter()
    answer = engine.answer(long_question)  # the engine's own limit: CLI, evaluation, Slack
    assert time.perf_counter() - started < 0.5
    assert answer.refused and "40000" in answer.answer and "1000" in answer.answer

    bot = make_bot()
    started = time.perf_counter()
    bot.mention(long_question, ts="1700000300.000100")
    (notice,) = stub.wait_for("chat.postEphemeral")
    assert time.perf_counter() - started < 3
    assert "för lång" in notice.params["text"]
    assert bot.engine.calls == [] and stub.calls_to("reactions.add") == []

    reply = bot.send.command(
        long_question, user="U0ASKER", channel="C0SKOLA", response_url=stub.response_url()
    )
    assert "för lång" in reply.json()["text"]
    time.sleep(0.3)
    assert bot.engine.calls == [] and stub.calls_to("response_url") == []


# --- document text in Slack -------------------------------------------------------------------

HOSTILE = (
    "Enligt *beslut* ska ~ingen~ köra `rm -rf` eller _kursivt_ &amp; <!channel> rapport_2024_v2.pdf"
)


def test_quoted_passages_cannot_produce_formatting_or_broken_entities():
    t = Templates.from_prompts_dir(Settings().prompts_dir)
    c = Citation(
        1,
        "c",
        "d",
        "s.pdf",
        "T",
        "UTBF 2024/1",
        "2024-05-02",
        "Bakgrund",
        "2",
        HOSTILE,
        HOSTILE,
        0.9,
    )
    quote = citation_block(c, t)["text"]["text"].splitlines()[-1]
    for pattern in (r"\*beslut\*", r"~ingen~", r"`", r"_kursivt_", r"<!channel>"):
        assert not re.search(pattern, quote), (pattern, quote)
    assert "rapport_2024_v2.pdf" in quote  # marks inside a word are left as they are
    assert "beslut" in quote and "&amp;amp;" in quote

    answer = Answer("q", "x" * (SECTION_CHARS - 3) + " & Jerry <3", False, [c])  # cut at the &
    blocks = answer_blocks(answer, t, "a1")
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    texts += [e["text"] for b in blocks if b["type"] == "context" for e in b["elements"]]
    assert len(texts[0]) <= SECTION_CHARS and texts[0].endswith("…")  # the answer, clipped
    for text in texts:
        assert not re.search(r"&[a-z#0-9]*…", text), text[-20:]
        assert not re.search(r"&(?!amp;|lt;|gt;)", text)


# --- settings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("UTBOT_SLACK_ALLOWED_USERS", '["U0ASKER",'),
        ("UTBOT_SLACK_ALLOWED_CHANNELS", "general"),
        ("UTBOT_SLACK_ALLOWED_USERGROUPS", "U0NOTAGROUP"),
        ("UTBOT_MAX_QUESTION_CHARS", "lots"),
    ],
)
def test_a_malformed_setting_stops_the_bot_naming_the_variable(monkeypatch, variable, value):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(slack, ["--http"])
    assert result.exit_code == 1
    assert variable in result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
