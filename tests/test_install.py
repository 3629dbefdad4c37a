"""utbot installs as a wheel, not only editable: templates are package data found through
importlib.resources. A wheel is built from the checkout, installed into a fresh venv outside it
(with this Python's packages visible, so nothing is downloaded), and asked a question from a
working directory outside the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

QUESTION = "Varför ingår inte Skärholmen i rektorsnätverket?"


def _see_this_environment(py: Path) -> None:
    """When the tests run in a venv (README step 0), --system-site-packages shows the base
    Python's packages, not this venv's: list this venv's site-packages after the new venv's own
    (a plain path, so its .pth files, the checkout's editable install among them, are not read)."""
    if sys.prefix == sys.base_prefix:
        return
    import site

    inner = subprocess.run(
        [py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(inner, "_outer_env.pth").write_text("\n".join(site.getsitepackages()) + "\n")


def _source_tree(dest: Path) -> Path:
    """The checkout's files (tracked and new, not ignored), so the build leaves it untouched."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
        capture_output=True, check=True,
    ).stdout.decode().split("\0")
    for rel in filter(None, listed):
        if (ROOT / rel).is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dest / rel)
    return dest


def test_wheel_in_a_fresh_venv_answers_from_outside_the_checkout(tmp_path, bundled_settings):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    src = _source_tree(tmp_path / "src")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "--no-build-isolation",
         "--no-index", "-q", "-w", str(tmp_path / "dist")],
        cwd=tmp_path, env=env, check=True, capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("utbot-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    py = venv / "bin" / "python"
    _see_this_environment(py)
    subprocess.run(
        [py, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "-q", wheel],
        cwd=tmp_path, env=env, check=True, capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [py, "-c", "import bot, ingest.settings as s; print(bot.__file__); print(s.Settings().prompts_dir)"],
        cwd=elsewhere, env=env, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    assert all(line.startswith(str(venv)) for line in where), where  # the wheel, not the checkout

    result = subprocess.run(
        [venv / "bin" / "utbot", "ask", QUESTION, "--index", str(bundled_settings.index_path), "--json"],
        cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.splitlines()[-1])
    assert not answer["refused"] and answer["citations"]  # engine.answer read the templates
