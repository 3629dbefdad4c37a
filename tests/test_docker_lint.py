"""docker/: the Dockerfile and compose.yml pass their linters (hadolint, dclint; skipped when
absent), compose keeps Chroma's data on a named volume and builds one image, the healthchecks work
against a real Chroma server, docker/.env.example is current and docker/.env is git-ignored.
Building and running the image itself is not a test (minutes, and an engine): docs/docker.md
records what was built and run."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.test_chroma_server import _free_port, _stop

DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "compose.yml"
DOCKERFILE = DOCKER / "Dockerfile"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def _lint(tool: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which(tool)
    if exe is None:
        pytest.skip(f"{tool} is not installed")
    return subprocess.run([exe, *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_dockerfile_passes_hadolint():
    # the linter really runs: an unpinned base and an apt-get without cleanup are flagged
    bad = _lint("hadolint", "--no-color", "-", stdin="FROM debian\nRUN apt-get install curl\n")
    assert bad.returncode != 0 and "DL3006" in bad.stdout, bad.stdout
    result = _lint("hadolint", "--no-color", str(DOCKERFILE))
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_passes_dclint(tmp_path):
    bad = tmp_path / "compose.yml"
    bad.write_text("services:\n  web:\n    image: nginx\n    ports:\n      - 8080:80\n")
    assert _lint("dclint", "--color", "false", str(bad)).returncode != 0
    result = _lint("dclint", "--color", "false", str(COMPOSE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning" not in result.stdout, result.stdout


def test_chroma_keeps_its_data_on_a_named_volume(compose):
    import chromadb

    chroma = compose["services"]["chroma"]
    image, tag = chroma["image"].split(":")
    assert image == "chromadb/chroma"
    # the server speaks the client's protocol: same major.minor as the chromadb we depend on
    assert tag.split(".")[:2] == chromadb.__version__.split(".")[:2], (tag, chromadb.__version__)
    env = chroma["environment"]
    path = env["CHROMA_PERSIST_PATH"]  # what Chroma 1.x reads (see the server test below)
    assert env["IS_PERSISTENT"] == "TRUE" and env["PERSIST_DIRECTORY"] == path  # 0.x names
    mounts = dict(v.split(":")[::-1] for v in chroma["volumes"])
    assert path in mounts, f"{path} is not a mounted volume: {chroma['volumes']}"
    assert mounts[path] in compose["volumes"], "Chroma's volume must be a named volume"


def test_one_image_is_built_and_every_bot_service_runs_it(compose):
    services = compose["services"]
    built = [name for name, s in services.items() if "build" in s]
    assert built == ["ingest"], built
    image = services["ingest"]["image"]
    assert services["ingest"]["pull_policy"] == "build"
    assert services["ingest"]["build"]["dockerfile"] == "docker/Dockerfile"
    bots = {name: s for name, s in services.items() if name.startswith("bot")}
    assert set(bots) == {"bot-socket", "bot-http"}
    for name, service in bots.items():
        assert service["image"] == image and service["pull_policy"] == "never", name
        assert service["depends_on"]["ingest"]["condition"] == "service_completed_successfully"
        assert service["depends_on"]["chroma"]["condition"] == "service_healthy"
        assert service["environment"]["UTBOT_CHROMA_URL"] == "http://chroma:8000"
        assert "index-data:/data" in service["volumes"]
        assert service["env_file"] == services["ingest"]["env_file"] == [".env"]
    assert bots["bot-socket"]["profiles"] == ["socket"]
    assert "--http" not in bots["bot-socket"]["command"]
    assert bots["bot-http"]["profiles"] == ["http"]
    http = bots["bot-http"]["command"]
    port = http[http.index("--port") + 1]
    assert bots["bot-http"]["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert f"EXPOSE {port}" in DOCKERFILE.read_text(encoding="utf-8")


def test_the_bot_healthcheck_is_the_same_in_compose_and_the_image(compose):
    checks = {n: s["healthcheck"] for n, s in compose["services"].items()}
    assert checks["ingest"] == {"disable": True}  # a one-shot job, not a service
    bot = checks["bot-socket"]["test"]
    assert checks["bot-http"]["test"] == bot
    assert bot[:5] == ["CMD", "python", "-m", "bot", "health"] and bot[5] == "--max-age"
    max_age = int(bot[6])
    match = re.search(
        r"HEALTHCHECK .*?CMD (\[[^\]]*\])", DOCKERFILE.read_text(encoding="utf-8"), re.S
    )
    assert match and yaml.safe_load(match.group(1)) == bot[1:5] + ["--max-age", str(max_age)]


def test_bot_health_command_exists():
    from click.testing import CliRunner

    from bot.cli import main

    result = CliRunner().invoke(main, ["health", "--help"])
    assert result.exit_code == 0 and "--max-age" in result.output, result.output


def test_dockerfile_installs_a_wheel_as_an_unprivileged_user():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^ARG BASE=python:3\.11-slim$", text, re.M)
    assert re.findall(r"^FROM \S+", text, re.M) == ["FROM ${BASE}", "FROM ${BASE}"]
    assert "pip wheel" in text and not re.search(r"pip install[^\n]* -e\b", text)
    assert "--uid 10001" in text and re.search(r"^USER 10001$", text, re.M)
    # the pin in the Dockerfile's torch step is pyproject's
    pins = re.findall(r"torch==([\d.]+)", (ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert set(re.findall(r"torch==([\d.]+)", text)) == set(pins)


def test_chroma_healthcheck_and_persistence_against_a_real_server(compose, tmp_path):
    """Chroma 1.5 as the image runs it (`chroma run /config.yaml`), with compose's environment:
    CHROMA_PERSIST_PATH moves the data out of the config's path onto the volume, a collection
    outlives a restart, and the healthcheck says healthy only while the server answers."""
    import chromadb

    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    chroma = compose["services"]["chroma"]
    check = chroma["healthcheck"]["test"]
    assert check[:3] == ["CMD", "bash", "-c"]
    volume, port = tmp_path / "volume", _free_port()
    config = tmp_path / "config.yaml"
    config.write_text(f'persist_path: "{tmp_path / "container-fs"}"\nport: {port}\n')
    env = {**os.environ, **chroma["environment"], "CHROMA_PERSIST_PATH": str(volume)}
    healthcheck = check[3].replace("/8000", f"/{port}")
    exe = Path(sys.executable).with_name("chroma")

    def start() -> subprocess.Popen:
        proc = subprocess.Popen(
            [str(exe if exe.exists() else "chroma"), "run", str(config)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while subprocess.run(["bash", "-c", healthcheck], capture_output=True).returncode:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the healthcheck never passed")
            time.sleep(0.3)
        return proc

    proc = start()
    client = chromadb.HttpClient(host="127.0.0.1", port=port)
    client.create_collection("kept").add(ids=["a"], embeddings=[[0.1, 0.2]])
    _stop(proc)
    assert subprocess.run(["bash", "-c", healthcheck], capture_output=True).returncode != 0
    assert (volume / "chroma.sqlite3").exists() and not (tmp_path / "container-fs").exists()
    proc = start()
    try:
        assert client.get_collection("kept").count() == 1
    finally:
        _stop(proc)


def test_env_example_is_current_and_holds_no_secret():
    spec = importlib.util.spec_from_file_location("env_example", DOCKER / "env_example.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = (DOCKER / ".env.example").read_text(encoding="utf-8")
    assert text == module.render(), "docker/.env.example is stale: python docker/env_example.py"
    from ingest.settings import field_docs

    for env, _, _ in field_docs():
        assert re.search(rf"^#? ?{env}=", text, re.M), env
    live = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert live == ["SLACK_BOT_TOKEN=", "SLACK_APP_TOKEN=", "SLACK_SIGNING_SECRET="], live


def test_gitignore_keeps_docker_env_out_of_git():
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "docker/.env"])
    assert ignored.returncode == 0, "docker/.env (Slack tokens) must be git-ignored"
    kept = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", "docker/.env.example"])
    assert kept.returncode == 1, "docker/.env.example must stay in git"
