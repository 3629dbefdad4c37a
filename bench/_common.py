"""What the bench scripts share: the checkout they measure and the shared data folder.

A script run as ``python bench/X.py`` has bench/ first on sys.path, where bench/ingest.py would
shadow the ingest package, and an installed utbot (an editable install of another checkout,
say) would be measured instead of this one: ``use_this_checkout`` puts the checkout first.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def use_this_checkout() -> None:
    bench = str(ROOT / "bench")
    sys.path[:] = [str(ROOT)] + [p for p in sys.path if str(Path(p or ".").resolve()) != bench]


def shared_dir(given: Path | None = None) -> Path:
    """The shared data folder (eval-data/, archive/): --shared, else UTBOT_SHARED_DIR, else the
    nearest folder named ``shared`` beside the checkout or one of its parents (a git worktree
    under /work/wt/NAME finds /work/shared)."""
    if given or os.environ.get("UTBOT_SHARED_DIR"):
        folder = Path(given or os.environ["UTBOT_SHARED_DIR"]).expanduser()
        if not folder.is_dir():
            sys.exit(f"shared folder {folder} does not exist (--shared / UTBOT_SHARED_DIR)")
        return folder
    for parent in ROOT.parents:
        if (parent / "shared").is_dir():
            return parent / "shared"
    sys.exit(f"no folder named 'shared' beside {ROOT} or its parents: give --shared DIR "
             "or UTBOT_SHARED_DIR (it holds eval-data/ and archive/)")


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM). Not getrusage's ru_maxrss: Linux carries a
    parent's peak across fork and exec, so a probe started by a bench that has just ingested an
    archive would report the bench's memory, not its own."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cold_ask_s(index: Path, question: str, runs: int = 3) -> float:
    """Median wall time of a new ``python -m bot ask --json`` process answering one question:
    what a user at a terminal waits for, interpreter start and the bot's own loading order included."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot", "ask", "--json", "--index", str(index), question],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
