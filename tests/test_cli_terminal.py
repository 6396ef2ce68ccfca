"""`ginbot chat` and `ginbot ask` in a real terminal and a real pipe: Ctrl-C and `| head` end quietly."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import subprocess
import termios
import time
from pathlib import Path

import pytest

from ginbot.cli import main
from tests.observability.serving import START_TIMEOUT_S, ginbot_command, ginbot_env

pytestmark = pytest.mark.timeout(300)  # a ginbot process trains its NLU: seconds on a busy machine


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("GINBOT_DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    assert main(["db", "seed"]) == 0
    return ginbot_env(database, 8080) | {"HOME": str(tmp_path)}  # no server starts; readline's history goes to the tmp HOME


def read_until(fd: int, marker: bytes, timeout_s: float) -> bytes:
    """What the terminal showed until ``marker`` appeared (or the process closed it)."""
    seen = b""
    deadline = time.monotonic() + timeout_s
    while marker not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _own_terminal() -> None:
    """In the child: a session of its own with the pty as controlling terminal, so that Ctrl-C typed
    there becomes SIGINT as in a real terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def chat_in_a_terminal(env: dict[str, str], cwd: Path) -> tuple[subprocess.Popen[bytes], int]:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        ginbot_command("chat", "--user", "tty"), env=env, cwd=cwd,
        stdin=follower, stdout=follower, stderr=follower, preexec_fn=_own_terminal,
    )  # fmt: skip
    os.close(follower)
    return proc, leader


def test_ctrl_c_at_the_prompt_ends_the_chat_at_once_without_a_traceback(env: dict[str, str], tmp_path: Path) -> None:
    proc, terminal = chat_in_a_terminal(env, tmp_path)
    try:
        shown = read_until(terminal, "คุณ> ".encode(), START_TIMEOUT_S)
        assert "คุณ> ".encode() in shown, shown.decode(errors="replace")
        os.write(terminal, "สวัสดี\n".encode())
        shown += read_until(terminal, "คุณ> ".encode(), START_TIMEOUT_S)  # answered, asking again
        os.write(terminal, b"\x03")  # Ctrl-C, as the terminal sends it: SIGINT to the chat
        code = proc.wait(timeout=10)  # at once: one Ctrl-C is enough
        shown += read_until(terminal, b"\0", 1)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(terminal)
    text = shown.decode(errors="replace")
    assert code == 0  # leaving at the prompt is how a person ends a chat, like /quit
    assert "ginbot>" in text  # the turn before was answered
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text


def test_ctrl_c_while_a_turn_is_answered_also_ends_quietly(env: dict[str, str], tmp_path: Path) -> None:
    proc, terminal = chat_in_a_terminal(env, tmp_path)
    try:
        assert "คุณ> ".encode() in read_until(terminal, "คุณ> ".encode(), START_TIMEOUT_S)
        os.write(terminal, "ตารางการย้าย\n".encode())
        proc.send_signal(signal.SIGINT)  # the turn may be running or done: either way, out quietly
        code = proc.wait(timeout=10)
        text = read_until(terminal, b"\0", 1).decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(terminal)
    assert code in (0, 128 + signal.SIGINT)
    assert "Traceback" not in text, text


def test_ask_into_a_closed_pipe_prints_no_traceback(env: dict[str, str], tmp_path: Path) -> None:
    # `ginbot ask … | head -1` once head has exited: the pipe is closed before ginbot writes.
    proc = subprocess.Popen(
        ginbot_command("ask", "--user", "pipe", "ตารางการย้ายทั้งหมด"), env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=START_TIMEOUT_S)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert code == 128 + signal.SIGPIPE
