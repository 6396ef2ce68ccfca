"""Helpers for tests that run a real `ginbot serve` process."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.error
import urllib.request

# Start-up trains the NLU (about a second, much more on a loaded CI machine); this is a ceiling on
# waiting, not an expectation of speed.
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthz(port: int) -> int:
    """The status of GET /healthz, 0 when nothing answers."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def wait_healthy(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            _, err = proc.communicate()
            raise AssertionError(f"ginbot exited with {proc.returncode} before it was healthy:\n{err}")
        if healthz(port) == 200:
            return
        time.sleep(0.2)
    raise AssertionError(f"ginbot did not answer /healthz on port {port} within {START_TIMEOUT_S:.0f} s")
