"""Ingest progress for a person (a tqdm bar on a terminal) or for a log (cron, a container).

When stderr is not a terminal a bar would print nothing readable for minutes, so a line is
written every ``every_files`` files or ``every_s`` seconds, whichever comes first, with counts
and the embedding rate.
"""

from __future__ import annotations

import sys
import time
from typing import Literal, TextIO

Mode = Literal["bar", "log", "off"]


class Progress:
    def __init__(
        self,
        mode: Mode = "off",
        every_files: int = 50,
        every_s: float = 30.0,
        stream: TextIO | None = None,
    ) -> None:
        self.mode, self.every_files, self.every_s = mode, every_files, every_s
        self.stream = stream or sys.stderr
        self._bar = None
        self.phase, self.files_total, self.chunks_total = "", 0, 0
        self.files = self.chunks = 0
        self._t0 = self._last = time.monotonic()
        self._files_at_last = 0

    def start(self, phase: str, files_total: int, chunks_total: int = 0) -> None:
        self.close()
        self.phase, self.files_total, self.chunks_total = phase, files_total, chunks_total
        self.files = self.chunks = self._files_at_last = 0
        self._t0 = self._last = time.monotonic()
        if self.mode == "bar" and chunks_total:
            from tqdm import tqdm

            self._bar = tqdm(total=chunks_total, unit="chunk", desc=phase, dynamic_ncols=True)

    def advance(self, files: int = 0, chunks: int = 0) -> None:
        self.files += files
        self.chunks += chunks
        if self._bar is not None:
            self._bar.update(chunks)
        if self.mode != "log":
            return
        now = time.monotonic()
        if self.files - self._files_at_last >= self.every_files or now - self._last >= self.every_s:
            self._line(now)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self.mode == "log" and self.phase and self.files != self._files_at_last:
            self._line(time.monotonic())
        self.phase = ""

    def _line(self, now: float) -> None:
        elapsed = max(now - self._t0, 1e-9)
        parts = [f"ingest: {self.phase} {self.files}/{self.files_total} files"]
        if self.chunks_total:
            parts.append(
                f"{self.chunks}/{self.chunks_total} chunks, {self.chunks / elapsed:.1f} chunks/s"
            )
        else:
            parts.append(f"{self.files / elapsed:.1f} files/s")
        parts.append(f"{elapsed:.0f} s")
        print(", ".join(parts), file=self.stream, flush=True)
        self._last, self._files_at_last = now, self.files
