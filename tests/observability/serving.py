"""Helpers for tests that run real `ginbot` processes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[2]
# Start-up trains the NLU (about a second, far more on a loaded CI machine): a ceiling on waiting, not an
# expectation of speed. The same goes for every timeout below.
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ginbot_env(database: Path, port: int, **settings: str) -> dict[str, str]:
    """The test's environment without the developer's GINBOT_* variables, plus these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GINBOT_")}
    env.update(
        {
            "GINBOT_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
            "GINBOT_PORT": str(port),
            "GINBOT_HOST": "127.0.0.1",
            "GINBOT_DATA_DIR": str(ROOT / "data"),
            "GINBOT_INTENTS_DIR": str(ROOT / "intents"),
            **settings,
        }
    )
    return env


def ginbot_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ginbot", *args]


def healthz(port: int) -> int:
    """The status of GET /healthz, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def wait_healthy(port: int, proc: subprocess.Popen[str], log: Path | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            output = log.read_text() if log else ""
            raise AssertionError(f"ginbot exited with {proc.returncode} before it was healthy:\n{output}")
        if healthz(port) == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"ginbot did not answer /healthz on port {port} within {START_TIMEOUT_S:.0f} s")


async def wait_healthy_async(port: int, proc: asyncio.subprocess.Process, log: Path) -> None:
    """Like wait_healthy, without blocking the event loop (the API stubs run on it)."""
    deadline = time.monotonic() + START_TIMEOUT_S
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc.returncode is not None:
                raise AssertionError(f"ginbot exited with {proc.returncode} before it was healthy:\n{log.read_text()}")
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"ginbot did not answer /healthz on port {port} within {START_TIMEOUT_S:.0f} s")


async def run(*args: str, env: dict[str, str], cwd: Path) -> str:
    """Run a ginbot command to completion; its stdout, or AssertionError with its stderr."""
    proc = await asyncio.create_subprocess_exec(
        *ginbot_command(*args), env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, f"ginbot {' '.join(args)} exited {proc.returncode}:\n{err.decode()}"
    return out.decode()
