"""docker-compose.yml, checked without a Docker engine (there is none here): parsed with
PyYAML and held against the CLI (every `ledger ...` it runs parses), the Dockerfile (every
directory it mounts is created and owned by the runtime user) and itself (volumes declared,
health checks that mean something, one-shot services, nothing docker-compose 1.29 refuses).
When docker-compose (1.29) or `docker compose` (v2) is installed, its own `config` check runs
too: CI installs Debian's docker-compose and sets LEDGER_REQUIRE_COMPOSE=1.

What cannot be run here: building the image, starting the containers, the health checks
themselves. tests/test_multiprocess.py runs the same commands as processes instead."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger.cli import build_parser

yaml = pytest.importorskip("yaml")
ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"
RUNTIME_UID = "10001"


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def ledger_services(c: dict) -> dict[str, dict]:
    return {
        name: s
        for name, s in c["services"].items()
        if s.get("image", "").startswith("accountability-ledger")
    }


def ledger_commands(command: list[str] | str, env: dict | None = None) -> list[list[str]]:
    """Every `ledger ...` invocation of a service command (a `sh -c` script included), its
    shell variables replaced by the service's values with their compose defaults."""
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if argv[:2] == ["sh", "-c"]:
        values = {k: re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", str(v)) for k, v in (env or {}).items()}
        script = re.sub(
            r"\$\$(\w+)|\$\$\{(\w+)\}",
            lambda m: values.get(m.group(1) or m.group(2), "VALUE"),
            argv[2],
        )
        found = []
        for part in re.split(r"&&|\|\||;|\{|\}", script):
            words = shlex.split(part)
            if "ledger" in words:
                found.append(words[words.index("ledger") :])
        return found
    return [argv] if argv and argv[0] == "ledger" else []


def parses(argv: list[str]) -> bool:
    try:
        build_parser().parse_args(argv[1:])
    except SystemExit:
        return False
    return True


def dockerfile() -> str:
    return (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_nothing_docker_compose_1_29_refuses():
    c = compose()
    assert "name" not in c, "docker-compose 1.29 refuses a top-level name:"
    assert "version" not in c  # the Compose Specification: no version key
    assert set(c) <= {"services", "volumes", "networks", "secrets", "configs"} | {
        k for k in c if k.startswith("x-")
    }


def test_every_ledger_command_parses_with_the_cli():
    c = compose()
    services = ledger_services(c)
    assert {"migrate", "demo", "projector", "api"} <= set(services)
    seen = []
    for name, service in services.items():
        commands = ledger_commands(service["command"], service.get("environment"))
        assert commands, f"{name} runs no ledger command"
        health = service.get("healthcheck", {}).get("test", [])
        if health[:1] == ["CMD"]:
            commands += ledger_commands(health[1:])
        for argv in commands:
            assert parses(argv), f"{name}: `{' '.join(argv)}` does not parse"
            seen.append((name, argv[1:3]))
    assert ("migrate", ["init"]) in seen
    assert ("migrate", ["keys", "create"]) in seen
    assert ("demo", ["demo", "load"]) in seen
    assert ("projector", ["projections", "run"]) in seen
    assert ("projector", ["projections", "alive"]) in seen
    api = " ".join(services["api"]["command"])
    assert "ledger serve" in api and "--workers" in api and "--no-projector" in api


def test_one_shot_services_create_the_ledger_first_and_load_data_on_demand():
    services = compose()["services"]
    for name in ("migrate", "demo"):
        assert services[name]["restart"] == "no"
    assert services["migrate"]["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert services["demo"]["profiles"] == ["demo"]
    for name in ("demo", "projector", "api"):
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully"
    for service in services.values():
        for dependency in (service.get("depends_on") or {}).values():
            assert dependency["condition"] in {
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            }


def test_health_checks_mean_something():
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    # the projector checks its own heartbeat, not merely that the database answers
    assert services["projector"]["healthcheck"]["test"] == ["CMD", "ledger", "projections", "alive"]


def test_configuration_is_by_environment_and_points_at_postgres():
    services = ledger_services(compose())
    for name, service in services.items():
        env = service["environment"]
        assert env["LEDGER_STORE"].startswith("postgresql://"), name
        assert "LEDGER_JWT_SECRET" in env and ":?" in env["LEDGER_JWT_SECRET"], name
    assert services["api"]["environment"]["LEDGER_EMBEDDED_PROJECTOR"] == "0"
    assert services["api"]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert (ROOT / "Dockerfile").exists() and (ROOT / ".dockerignore").exists()


def owned_directories() -> set[str]:
    """Directories the Dockerfile creates owned by the runtime user (`install -d -o UID`)."""
    text = dockerfile().replace("\\\n", " ")
    owned: set[str] = set()
    for m in re.finditer(r"install\s+-d\s+((?:-\S+\s+\S+\s+|-\S+\s+)*)((?:/\S+\s*)+)", text):
        if f"-o {RUNTIME_UID}" in m.group(1):
            owned.update(m.group(2).split())
    return owned


def dockerfile_env() -> dict[str, str]:
    text = dockerfile().replace("\\\n", " ")
    env = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def test_writable_volumes_are_owned_by_the_runtime_user():
    c = compose()
    assert re.search(rf"^USER {RUNTIME_UID}$", dockerfile(), re.M)
    owned = owned_directories()
    env = dockerfile_env()
    assert {env["LEDGER_HOME"], env["LEDGER_KEY_DIR"]} <= owned
    declared = set(c["volumes"])
    for name, service in ledger_services(c).items():
        mounts = dict(v.split(":", 1) for v in service["volumes"])
        assert set(mounts) <= declared, name
        for target in mounts.values():
            assert target in owned, f"{name} mounts {target}, which uid {RUNTIME_UID} cannot write"
        assert mounts["ledger-keys"] == env["LEDGER_KEY_DIR"], "the signing keys need a volume"
        assert service["environment"]["LEDGER_DIGEST_DIR"] in mounts.values(), name
        assert any(t.endswith("/exports") for t in mounts.values()), name
    used = {v.split(":", 1)[0] for s in c["services"].values() for v in s.get("volumes", [])}
    assert used == declared


def test_the_images_default_store_lives_in_an_owned_directory():
    env = dockerfile_env()
    store = env["LEDGER_STORE"]
    assert store.startswith("sqlite:///")
    assert str(Path(store.removeprefix("sqlite:///")).parent) in owned_directories()
    cmd = re.search(r"^CMD (.+)$", dockerfile(), re.M).group(1)
    import json

    assert parses(json.loads(cmd))


def compose_tools() -> list[list[str]]:
    tools = []
    if shutil.which("docker-compose"):
        tools.append(["docker-compose"])
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            tools.append(["docker", "compose"])
    return tools


def test_compose_itself_accepts_the_file():
    tools = compose_tools()
    if not tools:
        if os.environ.get("LEDGER_REQUIRE_COMPOSE"):
            pytest.fail(
                "LEDGER_REQUIRE_COMPOSE is set but neither docker-compose nor docker compose is installed"
            )
        pytest.skip("neither docker-compose nor `docker compose` is installed")
    env = {**os.environ, "LEDGER_JWT_SECRET": "s" * 40}
    for tool in tools:
        checked = subprocess.run(
            [*tool, "-f", str(COMPOSE), "--profile", "demo", "config", "-q"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert checked.returncode == 0, (tool, checked.stderr)
        services = subprocess.run(
            [*tool, "-f", str(COMPOSE), "--profile", "demo", "config", "--services"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
        )
        assert set(services.stdout.split()) == {"postgres", "migrate", "demo", "projector", "api"}
        unset = {k: v for k, v in env.items() if k != "LEDGER_JWT_SECRET"}
        refused = subprocess.run(
            [*tool, "-f", str(COMPOSE), "config", "-q"],
            capture_output=True,
            text=True,
            env=unset,
            cwd=ROOT,
        )
        assert refused.returncode != 0
        assert "set LEDGER_JWT_SECRET" in refused.stderr
