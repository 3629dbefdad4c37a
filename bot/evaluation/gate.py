"""Compare a summary with a baseline summary: a metric that falls more than the tolerance fails."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import UtbotError

DEFAULT_TOLERANCE = 0.02
LOWER_IS_BETTER = frozenset({"answerable_refused_rate"})


class BaselineError(UtbotError):
    """The baseline file cannot be read as a summary.json."""


@dataclass(frozen=True)
class Comparison:
    metric: str
    baseline: float | None
    current: float | None
    status: str  # "ok", "better", "worse" (beyond tolerance), "n/a" (missing or undefined)

    @property
    def delta(self) -> float | None:
        if self.baseline is None or self.current is None:
            return None
        return self.current - self.baseline


@dataclass(frozen=True)
class GateResult:
    tolerance: float
    comparisons: list[Comparison]

    @property
    def regressions(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.status == "worse"]

    @property
    def passed(self) -> bool:
        return not self.regressions

    def describe_regressions(self) -> list[str]:
        return [
            f"{c.metric}: {c.current:.4f} vs baseline {c.baseline:.4f} "
            f"({c.delta:+.4f}, tolerance {self.tolerance})"
            for c in self.regressions
            if c.current is not None and c.baseline is not None and c.delta is not None
        ]


def is_gated(metric: str) -> bool:
    """Rates are gated; latency and counts are reported only."""
    return not (
        metric.startswith("latency") or metric.startswith("n_") or metric == "answerable_refused"
    )


def load_baseline(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline summary ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise BaselineError(f"{path}: not a summary.json (no 'metrics' object)")
    return data


def compare(
    summary: dict[str, Any], baseline: dict[str, Any], tolerance: float = DEFAULT_TOLERANCE
) -> GateResult:
    """Every gated metric of the baseline against the current summary."""
    current_metrics = summary.get("metrics", {})
    rows = []
    for metric, base in baseline.get("metrics", {}).items():
        if not is_gated(metric):
            continue
        cur = current_metrics.get(metric)
        rows.append(
            Comparison(metric, _num(base), _num(cur), _status(metric, base, cur, tolerance))
        )
    return GateResult(tolerance, rows)


def _status(metric: str, base: Any, cur: Any, tolerance: float) -> str:
    base, cur = _num(base), _num(cur)
    if base is None or cur is None:
        return "n/a"
    delta = cur - base
    if metric in LOWER_IS_BETTER:
        delta = -delta
    # a tiny epsilon so that a fall of exactly the tolerance passes despite float rounding
    if delta < -tolerance - 1e-9:
        return "worse"
    return "better" if delta > 1e-9 else "ok"


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
