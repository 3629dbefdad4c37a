"""Is the bot alive? A heartbeat file the running bot rewrites while it is healthy, read by
``python -m bot health --max-age N`` (a container HEALTHCHECK, a cron check, a person).

HTTP mode counts as healthy when its own ``GET /healthz`` answers over the network path Slack
uses; Socket Mode when its WebSocket is connected. A stuck or dead process stops writing, so the
file grows old and the check fails.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("bot.slack")


class Heartbeat:
    """Writes the current time to ``path`` every ``interval_s`` seconds while ``healthy()``."""

    def __init__(self, path: Path, interval_s: float, healthy: Callable[[], bool]):
        self.path = Path(path)
        self.interval_s = interval_s
        self.healthy = healthy
        self._stop = threading.Event()

    def start(self) -> Heartbeat:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        threading.Thread(target=self._run, name="utbot-heartbeat", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def beat(self) -> bool:
        """One check; the file is rewritten (atomically) only when it passes."""
        try:
            ok = self.healthy()
        except Exception as e:  # a failing probe is an unhealthy bot, not a dead heartbeat thread
            log.warning("health probe failed: %s", e)
            ok = False
        if ok:
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(f"{time.time():.3f}\n", encoding="utf-8")
            os.replace(tmp, self.path)
        return ok

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat()
            self._stop.wait(self.interval_s)


def heartbeat_age(path: Path, now: float | None = None) -> float:
    """Seconds since the last heartbeat; FileNotFoundError if the bot never wrote one."""
    text = Path(path).read_text(encoding="utf-8").strip()
    try:
        written = float(text)
    except ValueError:
        written = Path(path).stat().st_mtime
    return (time.time() if now is None else now) - written


def probe_url(url: str, timeout_s: float = 3.0) -> Callable[[], bool]:
    """A health probe: ``url`` answers 200."""
    import urllib.request

    def healthy() -> bool:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp:
            return resp.status == 200

    return healthy
