"""Reading a fitted model's weights file (the judge's, the sentence ranker's): one JSON object
with the feature names, per-feature vectors, scalars, and what it was fitted on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path


def read_weights(
    path: Path,
    vectors: Sequence[str],
    scalars: Sequence[str],
    known: Sequence[str],
    error: type[Exception],
    refit: str,
) -> dict:
    """``names`` (the file's "features"), a tuple per field of ``vectors``, a float per field of
    ``scalars`` and ``meta`` (everything else). A file that cannot be read, or whose features the
    engine does not compute, raises ``error`` saying how to refit (``refit``)."""
    fields = ("features", *vectors, *scalars)
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        out = {"names": tuple(data["features"])}
        out.update({k: tuple(float(v) for v in data[k]) for k in vectors})
        out.update({k: float(data[k]) for k in scalars})
        out["meta"] = {k: v for k, v in data.items() if k not in fields}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise error(f"cannot read the weights in {path} ({exc}). {refit}") from exc
    unknown = set(out["names"]) - set(known)
    if unknown or any(len(out[k]) != len(out["names"]) for k in vectors):
        raise error(
            f"{path}: features {sorted(unknown) or out['names']} do not match the engine's "
            f"({', '.join(known)}). {refit}"
        )
    return out
