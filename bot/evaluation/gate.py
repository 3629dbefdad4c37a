"""Compare a summary with a baseline summary: a metric that falls more than the tolerance fails.

The tolerance of each metric comes from the baseline file's ``gate`` section, when it has one::

    "gate": {"tolerance": 0.02, "tolerances": {"wrong_rate": 0.0, "unanswerable_answered_rate": 0.0}}

``tolerances`` names metrics whose tolerance differs from ``tolerance``; a metric not named there
gets ``tolerance``, and without a ``gate`` section the caller's default (``--tolerance``) applies.
``python -m bot eval --baseline`` copies the section into the new summary.json, so accepting new
numbers (``cp out/eval/summary.json eval/baselines/...``) keeps it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import UtbotError

DEFAULT_TOLERANCE = 0.02
LOWER_IS_BETTER = frozenset(
    {"answerable_refused_rate", "wrong_rate", "refused_rate", "unanswerable_answered_rate"}
)
# reported, not gated: more ``passages`` is good when they replace wrong answers and bad when they
# replace correct ones, which correct_rate and wrong_rate already see; unanswerable refusals are
# gated through unanswerable_answered_rate and refusal_recall
NOT_GATED = frozenset(
    {
        "passages_rate",
        "unanswerable_passages_rate",
        "unanswerable_refused_rate",
        "passages_with_evidence",  # a share of the few `passages` outcomes: reported
        "passages_showing_evidence",
    }
)


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
    tolerances: dict[str, float] = field(default_factory=dict)

    def tolerance_of(self, metric: str) -> float:
        return self.tolerances.get(metric, self.tolerance)

    @property
    def regressions(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.status == "worse"]

    @property
    def passed(self) -> bool:
        return not self.regressions

    def describe_regressions(self) -> list[str]:
        return [
            f"{c.metric}: {c.current:.4f} vs baseline {c.baseline:.4f} "
            f"({c.delta:+.4f}, tolerance {self.tolerance_of(c.metric)})"
            for c in self.regressions
            if c.current is not None and c.baseline is not None and c.delta is not None
        ]


def is_gated(metric: str) -> bool:
    """Rates are gated; latency and counts are reported only."""
    return not (
        metric.startswith("latency")
        or metric.startswith("n_")
        or metric == "answerable_refused"
        or metric in NOT_GATED
    )


def load_baseline(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BaselineError(f"{path}: cannot read the baseline summary ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("metrics"), dict):
        raise BaselineError(f"{path}: not a summary.json (no 'metrics' object)")
    gate_tolerances(data, path)  # a bad gate section fails here, naming the file
    return data


def gate_tolerances(
    baseline: dict[str, Any], path: Path | str = "baseline", default: float = DEFAULT_TOLERANCE
) -> tuple[float, dict[str, float]]:
    """(tolerance, per-metric tolerances) from the baseline's ``gate`` section."""
    section = baseline.get("gate")
    if section is None:
        return default, {}
    where = f"{path}: field 'gate'"
    if not isinstance(section, dict) or set(section) - {"tolerance", "tolerances"}:
        raise BaselineError(f"{where}: expected an object with 'tolerance' and/or 'tolerances'")
    tolerance = section.get("tolerance", default)
    per_metric = section.get("tolerances", {})
    if _num(tolerance) is None or tolerance < 0:
        raise BaselineError(f"{where}.tolerance: must be a number >= 0, not {tolerance!r}")
    if not isinstance(per_metric, dict) or any(
        _num(v) is None or v < 0 for v in per_metric.values()
    ):
        raise BaselineError(f"{where}.tolerances: must map metric names to numbers >= 0")
    return float(tolerance), {k: float(v) for k, v in per_metric.items()}


def compare(
    summary: dict[str, Any], baseline: dict[str, Any], tolerance: float = DEFAULT_TOLERANCE
) -> GateResult:
    """Every gated metric of the baseline against the current summary; the baseline's ``gate``
    section, when present, overrides ``tolerance``."""
    tolerance, per_metric = gate_tolerances(baseline, default=tolerance)
    current_metrics = summary.get("metrics", {})
    rows = []
    for metric, base in baseline.get("metrics", {}).items():
        if not is_gated(metric):
            continue
        cur = current_metrics.get(metric)
        tol = per_metric.get(metric, tolerance)
        rows.append(Comparison(metric, _num(base), _num(cur), _status(metric, base, cur, tol)))
    return GateResult(tolerance, rows, per_metric)


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
