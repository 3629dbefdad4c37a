"""Bursts of Slack events against `bot slack --http` (a bench, not a timed test).

The real App and engine behind the same waitress server as ``python -m bot slack --http``, on
127.0.0.1; the bot's Web API calls go to the stand-in of the tests (tests/slack_stub.py).

1. ``--burst N`` signed app_mention events sent at the same moment (one thread each);
2. then ``--paced M`` more at ``--rate`` per second;
   (both repeated ``--rounds`` times);
3. then one question of 40,000 characters (Slack's maximum message length).

Printed: HTTP statuses and ack times (Slack wants an ack within 3 s), whether every question got
exactly one answer, RSS after each round, and how fast the long question was refused.

Usage: python bench/slack_load.py [--index DIR] [--burst 250] [--paced 0] [--rate 10] [--rounds 1]
Without --index a temporary index is built from the bundled corpus.
Exit status 1 if an event was not acked with 200 within 3 s or not answered exactly once.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.slack_latency import QUESTIONS, SECRET, build_index  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def send_all(
    send, events: list[tuple[str, str]], rate: float | None, first_user: int = 0
) -> list[tuple[int, float]]:
    """(status, seconds to the ack) per event: all at once (rate None) or ``rate`` per second."""
    from tests.slack_stub import BOT_USER_ID

    results: list[tuple[int, float]] = [(0, 0.0)] * len(events)
    start = threading.Barrier(len(events)) if rate is None else None

    def one(i: int, ts: str, question: str) -> None:
        event = {
            "type": "app_mention",
            "user": f"U0LOAD{first_user + i}",
            "text": f"<@{BOT_USER_ID}> {question}",
            "ts": ts,
            "channel": "C0LOAD",
            "event_ts": ts,
        }
        if start is not None:
            start.wait()
        t0 = time.perf_counter()
        try:
            status = send.event(event, event_id=f"Ev0LOAD{ts.replace('.', '')}").status
        except OSError:  # refused or reset: what the old server did under a burst
            status = -1
        results[i] = (status, time.perf_counter() - t0)

    threads = []
    for i, (ts, question) in enumerate(events):
        t = threading.Thread(target=one, args=(i, ts, question), daemon=True)
        t.start()
        threads.append(t)
        if rate:
            time.sleep(1 / rate)
    for t in threads:
        t.join()
    return results


def report(name: str, results: list[tuple[int, float]]) -> bool:
    acked = sum(1 for s, dt in results if s == 200 and dt <= 3)
    times = sorted(dt for _, dt in results)
    print(
        f"{name}: {acked}/{len(results)} acked with 200 within 3 s; ack p50 "
        f"{times[len(times) // 2]:.3f} s, max {times[-1]:.3f} s; statuses "
        f"{sorted({s for s, _ in results})}"
    )
    return acked == len(results)


def run(index: Path, burst: int, paced: int, rate: float, rounds: int, timeout: float) -> int:
    from pydantic import SecretStr

    from bot.engine import Engine
    from bot.slack.app import create_app
    from bot.slack.http import serve_http
    from ingest.settings import Settings
    from tests.slack_stub import SlackSender, SlackStub

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # "Task queue depth is N" per event
    ok = True
    with SlackStub() as stub, tempfile.TemporaryDirectory() as scratch:
        settings = Settings(index_dir=index)
        engine = Engine.from_settings(settings)
        app_settings = settings.model_copy(
            update={
                "index_dir": Path(scratch),  # feedback store, heartbeat: not in the index
                "slack_bot_token": SecretStr("xoxb-load"),
                "slack_signing_secret": SecretStr(SECRET),
                "slack_api_url": stub.api_url,
                "slack_rate_limit_per_minute": 100_000,
            }
        )
        app = create_app(app_settings, engine)
        server = serve_http(app, app_settings, "127.0.0.1", 0).start()
        send = SlackSender(server.url(), SECRET)
        try:
            engine.answer(QUESTIONS[0])  # warm: model loaded, caches filled
            print(f"RSS after one question: {rss_mb():.0f} MB")
            phases = [("burst", burst, None), ("paced", paced, rate)]
            sent: list[str] = []
            for round_ in range(1, rounds + 1):
                t0 = time.perf_counter()
                for name, n, r in phases:
                    if not n:
                        continue
                    events = [
                        (f"{1_900_000_000 + len(sent) + i}.000100", QUESTIONS[i % len(QUESTIONS)])
                        for i in range(n)
                    ]
                    results = send_all(send, events, r, first_user=len(sent))
                    sent += [ts for ts, _ in events]
                    ok &= report(f"{name} of {n}" + (f" at {r:g}/s" if r else " at once"), results)
                stub.wait_for("chat.postMessage", count=len(sent), timeout=timeout)
                answered_in = time.perf_counter() - t0
                time.sleep(1.0)  # a duplicate answer would have arrived by now
                posts = [c.params.get("thread_ts") for c in stub.calls_to("chat.postMessage")]
                once = sorted(posts) == sorted(sent)
                ok &= once
                print(
                    f"round {round_}: {len(posts)} answers posted for {len(sent)} questions so "
                    f"far, each exactly once: {once}; this round answered in {answered_in:.1f} s; "
                    f"RSS {rss_mb():.0f} MB"
                )

            long_question = ("Vilket stöd har Rinkebyskolan fått? " * 1200)[:40_000]
            t = time.perf_counter()
            engine.answer(long_question)
            direct = time.perf_counter() - t
            ts = "1900009999.000100"
            t = time.perf_counter()
            send_all(send, [(ts, long_question)], None)
            stub.wait_for("chat.postEphemeral", where=lambda p: p.get("user") == "U0LOAD0")
            print(
                f"40,000-character question: engine refuses in {direct * 1000:.1f} ms; in Slack "
                f"the asker is told in {time.perf_counter() - t:.3f} s (limit "
                f"{settings.max_question_chars} characters)"
            )
        finally:
            server.shutdown()
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--burst", type=int, default=250)
    parser.add_argument("--paced", type=int, default=0)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1, help="Repeat the phases (RSS per round).")
    parser.add_argument(
        "--timeout", type=float, default=1800.0, help="Seconds to wait for answers."
    )
    args = parser.parse_args()
    if args.index is not None:
        return run(args.index, args.burst, args.paced, args.rate, args.rounds, args.timeout)
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        build_index(index)
        return run(index, args.burst, args.paced, args.rate, args.rounds, args.timeout)


if __name__ == "__main__":
    raise SystemExit(main())
