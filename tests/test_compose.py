"""compose.yaml and .env.example: every service runs a real command, every variable is a real setting,
and secrets stay out of git (checked without a Docker engine)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml

from ginbot.settings import PREFIX, Settings
from tests.test_dockerfile import assert_cli_command

ROOT = Path(__file__).resolve().parent.parent
SETTING_VARS = {PREFIX + name.upper() for name in Settings.model_fields}


COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_serve_and_a_worker_on_postgres_16() -> None:
    services = COMPOSE["services"]
    assert services["db"]["image"].startswith("postgres:16")
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"])
    assert services["db"]["healthcheck"]["test"]
    assert "command" not in services["ginbot"], "ginbot runs the image's CMD (db upgrade && serve)"
    assert services["ginbot"]["build"] == "."
    assert services["worker"]["command"][:2] == ["ginbot", "worker"]
    assert_cli_command(services["worker"]["command"])
    assert services["worker"]["depends_on"]["ginbot"]["condition"] == "service_healthy"
    for name in ("ginbot", "worker"):
        url = services[name]["environment"]["GINBOT_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and "@db:5432/" in url
        assert ".env" in services[name]["env_file"]


def test_a_fresh_compose_up_seeds_the_database_before_serving() -> None:
    services = COMPOSE["services"]
    seed = services["seed"]
    assert seed["command"] == ["ginbot", "db", "seed", "--if-empty"]
    assert_cli_command(seed["command"])
    assert seed["restart"] == "no", "a one-shot step, not a service to keep running"
    assert seed["depends_on"]["db"]["condition"] == "service_healthy"
    assert seed["environment"]["GINBOT_DATABASE_URL"] == services["ginbot"]["environment"]["GINBOT_DATABASE_URL"]
    assert services["ginbot"]["depends_on"]["seed"]["condition"] == "service_completed_successfully"
    assert services["ginbot"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert seed["pull_policy"] == "never" and services["ginbot"]["build"] == ".", "seeded by the image built here"


def test_the_worker_has_a_health_check_on_its_own_healthz() -> None:
    worker = COMPOSE["services"]["worker"]
    port = worker["environment"]["GINBOT_METRICS_PORT"]
    check = worker["healthcheck"]
    assert "disable" not in check and check["test"][0] == "CMD"
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(check["test"]), "the port the worker serves /healthz on"
    assert "curl" not in " ".join(check["test"]) and check["test"][1] == "python", "the image has no curl"


def test_compose_and_env_example_name_only_real_settings() -> None:
    text = (ROOT / "compose.yaml").read_text() + (ROOT / ".env.example").read_text()
    named = set(re.findall(r"\bGINBOT_[A-Z0-9_]+", text))
    assert named <= SETTING_VARS, f"not settings: {sorted(named - SETTING_VARS)}"
    # Every secret has its line in .env.example, so an operator sees all there is to fill in.
    example = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if "=" in line and not line.startswith("#")
    )
    secrets = {PREFIX + n.upper() for n, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)}
    assert secrets <= set(example), f"missing from .env.example: {sorted(secrets - set(example))}"
    assert all(not example[name] for name in secrets), ".env.example must not carry real secret values"


def test_env_file_stays_out_of_git() -> None:
    result = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT)
    assert result.returncode == 0, ".env must be listed in .gitignore"
