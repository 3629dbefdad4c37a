"""How fast the Slack bot feels, over the HTTP path on the bundled corpus.

The real App (create_app + the real engine) is served by the same waitress server as
``python -m bot slack --http``, on 127.0.0.1. For each question a correctly signed app_mention is
POSTed to it over HTTP, as Slack would; the bot's Web API calls go to the stand-in server of the
tests (tests/slack_stub.py). Measured from just before the event is sent:

  ack     the HTTP response to the event (target p95 ≤ 1 s; Slack retries after 3 s)
  eyes    the 👀 reactions.add arriving at the stand-in (target p95 ≤ 1 s)
  answer  the chat.postMessage with the answer arriving at the stand-in (target p95 ≤ 3 s)

Usage: python bench/slack_latency.py [--index DIR] [-n 20] [--warmup 1]
Without --index a temporary index is built with ``python -m ingest corpus --index DIR``.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "Vilket stöd har Rinkebyskolan fått?",
    "Vilket stöd har Grimstaskolan fått från central förvaltning?",
    "Vad planeras för Lillholmsskolan under 2025?",
    "Vilka skolor avses i skrivelsen om att vända skolresultat?",
    "Vad är Samverkan för bästa skola?",
    "Vad föreslår förvaltningen att nämnden ska besluta om skrivelsen?",
    "Vilket stöd har Hagsätraskolan fått?",
    "Vad innebär nätverket för rektorer i utsatta områden?",
    "Vad handlar Skolverkets nätverk för skolor i utsatta områden om?",
    "Vad föreslås i motionen om ökad jämlikhet och minskad segregation?",
    "Vad vill motionen om att bryta kunskapssegregationen att staden gör?",
    "Vilket stöd har Hässelbygårdsskolan fått?",
    "Vad är kvalitetsutveckling genom förstelärare?",
    "Hur gör förvaltningen jämställdhetsanalys i ärendet?",
    "Vem skrev skrivelsen om att vända skolresultat?",
    "Vad är skolsocialt stödteam?",
    "När startade nätverket för rektorer i samarbete med Stockholms universitet?",
    "Vilket analysstöd fick Lillholmsskolan läsåret 2023/2024?",
    "Vad kostar en ny simhall i Rinkeby?",
    "Hur många elever går i Grimstaskolan?",
]

SECRET = "0123456789abcdef0123456789abcdef"


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def build_index(index: Path) -> None:
    print(f"building a temporary index in {index} …", file=sys.stderr)
    subprocess.run(
        [sys.executable, "-m", "ingest", str(ROOT / "corpus"), "--index", str(index)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def run(index: Path, n: int, warmup: int, timeout: float) -> int:
    from pydantic import SecretStr
    from slack_sdk import WebClient

    from bot.engine import Engine
    from bot.slack.app import create_app
    from bot.slack.http import serve_http
    from ingest.settings import Settings
    from tests.slack_stub import BOT_USER_ID, SlackSender, SlackStub

    with SlackStub() as stub, tempfile.TemporaryDirectory() as feedback_dir:
        settings = Settings(index_dir=index).model_copy(
            update={
                "slack_bot_token": SecretStr("xoxb-bench"),
                "slack_signing_secret": SecretStr(SECRET),
                "slack_api_url": stub.api_url,
                "slack_rate_limit_per_minute": 10_000,
            }
        )
        engine = Engine.from_settings(settings)
        # the feedback store goes to a scratch folder, not into the index being measured
        app_settings = settings.model_copy(update={"index_dir": Path(feedback_dir)})
        app = create_app(app_settings, engine, WebClient("xoxb-bench", base_url=stub.api_url))
        server = serve_http(app, app_settings, "127.0.0.1", 0).start()
        send = SlackSender(server.url(), SECRET)
        rows = []
        try:
            for i in range(warmup + n):
                question = QUESTIONS[i % len(QUESTIONS)]
                ts = f"{1_800_000_000 + i}.000100"
                event = {
                    "type": "app_mention",
                    "user": f"U0BENCH{i % 7}",
                    "text": f"<@{BOT_USER_ID}> {question}",
                    "ts": ts,
                    "channel": "C0BENCH",
                    "event_ts": ts,
                }
                t0 = time.perf_counter()
                reply = send.event(event, event_id=f"Ev0BENCH{i}")
                ack = time.perf_counter() - t0
                if reply.status != 200:
                    raise SystemExit(f"event {i} got HTTP {reply.status}: {reply.body}")
                (eyes,) = stub.wait_for(
                    "reactions.add", timeout=timeout, where=lambda p, ts=ts: p["timestamp"] == ts
                )
                (post,) = stub.wait_for(
                    "chat.postMessage", timeout=timeout, where=lambda p, ts=ts: p["thread_ts"] == ts
                )
                if i >= warmup:
                    rows.append((ack, eyes.at - t0, post.at - t0, question))
        finally:
            server.shutdown()

    print(f"{len(rows)} questions (after {warmup} warm-up), index {index}")
    print(f"{'':8}{'p50':>9}{'p95':>9}{'max':>9}   target")
    missed = False
    for name, col, target in (("ack", 0, 1.0), ("eyes", 1, 1.0), ("answer", 2, 3.0)):
        values = [r[col] for r in rows]
        p50, p95 = percentile(values, 50), percentile(values, 95)
        ok = p95 <= target
        missed |= not ok
        print(
            f"{name:8}{p50:8.3f}s{p95:8.3f}s{max(values):8.3f}s   p95 ≤ {target:.0f} s"
            f"  {'ok' if ok else 'MISSED'}"
        )
    slowest = max(rows, key=lambda r: r[2])
    print(f"slowest answer: {slowest[2]:.3f}s for {slowest[3]!r}")
    return 1 if missed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="reuse this index (default: build a temp one)")
    parser.add_argument("-n", type=int, default=20, help="questions measured (default 20)")
    parser.add_argument("--warmup", type=int, default=1, help="questions not measured (default 1)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait per answer")
    args = parser.parse_args()
    if args.index is not None:
        return run(args.index, args.n, args.warmup, args.timeout)
    with tempfile.TemporaryDirectory(prefix="utbot-bench-") as tmp:
        index = Path(tmp) / "index"
        build_index(index)
        return run(index, args.n, args.warmup, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
