"""What lands in the log: JSON or readable lines, request ids, and never a secret."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from ginbot.core.messages import IncomingMessage, Reply
from ginbot.db.session import Database
from ginbot.observability.logging import QUIET_LOGGERS, REDACTED, configure_logging
from ginbot.settings import Settings, load_settings
from ginbot.web.app import create_app

ROOT = Path(__file__).resolve().parents[2]

LINE_SECRET = "8c5b1e0f2d7a4c6e9b3f1a2d4c6e8f0a"
# Shaped like a real long-lived LINE channel access token: ~170 base64 characters.
LINE_TOKEN = "Zk9yR3XyQm+Lp2vN8sT/" * 8 + "WqEe1Y0=" + "U"
TELEGRAM_TOKEN = "7012345678:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
ADMIN_PASSWORD = "correct-horse-battery-staple"
WEBHOOK_SECRET = "tg-webhook-secret-0123456789"
DB_PASSWORD = "pg-pass-9f8e7d6c"
SECRETS = (LINE_SECRET, LINE_TOKEN, TELEGRAM_TOKEN, ADMIN_PASSWORD, WEBHOOK_SECRET, DB_PASSWORD)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def settings_with_secrets(**extra: str) -> Settings:
    return load_settings(
        {
            "GINBOT_DATABASE_URL": f"postgresql+asyncpg://ginbot:{DB_PASSWORD}@db:5432/ginbot",
            "GINBOT_LINE_CHANNEL_SECRET": LINE_SECRET,
            "GINBOT_LINE_CHANNEL_ACCESS_TOKEN": LINE_TOKEN,
            "GINBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "GINBOT_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "GINBOT_ADMIN_PASSWORD": ADMIN_PASSWORD,
            **extra,
        }
    )


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """configure_logging changes process-wide state; put it back for the other tests."""
    root = logging.getLogger()
    handlers, level, hook = list(root.handlers), root.level, sys.excepthook
    quiet = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    sys.excepthook = hook
    for name, lvl in quiet.items():
        logging.getLogger(name).setLevel(lvl)
    logging.captureWarnings(False)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_when_stderr_is_not_a_terminal() -> None:
    out = io.StringIO()
    configure_logging(load_settings({}), out)
    logging.getLogger("ginbot.test").warning("กรม %s ย้ายแล้ว", "สรรพากร", extra={"channel": "line"})
    (entry,) = lines(out)
    assert entry["message"] == "กรม สรรพากร ย้ายแล้ว"
    assert entry["level"] == "WARNING" and entry["logger"] == "ginbot.test" and entry["channel"] == "line"
    assert "สรรพากร" in out.getvalue(), "Thai must stay readable, not \\u-escaped"


def test_readable_lines_on_a_terminal() -> None:
    out = Terminal()
    configure_logging(load_settings({}), out)
    logging.getLogger("ginbot.test").info("hello")
    text = out.getvalue()
    assert "INFO" in text and "ginbot.test" in text and text.rstrip().endswith("hello")
    assert not text.startswith("{")


@pytest.mark.parametrize(("setting", "stream", "expect_json"), [("true", Terminal, True), ("false", io.StringIO, False)])
def test_log_json_setting_overrides_the_terminal_check(
    setting: str, stream: type[io.StringIO], expect_json: bool
) -> None:
    out = stream()
    configure_logging(load_settings({"GINBOT_LOG_JSON": setting}), out)
    logging.getLogger("ginbot.test").info("x")
    assert out.getvalue().startswith("{") is expect_json


def test_log_level_setting() -> None:
    out = io.StringIO()
    configure_logging(load_settings({"GINBOT_LOG_LEVEL": "warning"}), out)
    logging.getLogger("ginbot.test").info("not shown")
    logging.getLogger("ginbot.test").warning("shown")
    assert [e["message"] for e in lines(out)] == ["shown"]


def test_no_secret_reaches_the_log_whichever_way_it_is_logged() -> None:
    out = io.StringIO()
    configure_logging(settings_with_secrets(), out)
    log = logging.getLogger("ginbot.test")
    other_bot_token = "6123456789:AAF-someone-elses-token-abcdefghijkl"
    log.info("LINE token is %s and secret %s", LINE_TOKEN, LINE_SECRET)
    log.info(f"admin logged in with {ADMIN_PASSWORD}")
    log.info("connecting to postgresql+asyncpg://ginbot:%s@db:5432/ginbot", DB_PASSWORD)
    log.info("POST https://api.telegram.org/bot%s/sendMessage 200", TELEGRAM_TOKEN)
    log.info("GET https://api.telegram.org/bot%s/getMe", other_bot_token)
    log.info("request headers", extra={"headers": {"Authorization": f"Bearer {LINE_TOKEN}", "X-Other": "ok"}})
    log.info("upstream said: Authorization: Bearer abc.def-ghi_jkl")
    log.info("callback ?access_token=qwertyuiop123&next=1")
    log.info("telegram secret header %s", {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET})
    try:
        raise RuntimeError(f"LINE push failed for token {LINE_TOKEN}")
    except RuntimeError:
        log.exception("send failed")
    text = out.getvalue()
    for secret in (*SECRETS, other_bot_token, "abc.def-ghi_jkl", "qwertyuiop123"):
        assert secret not in text
    assert text.count(REDACTED) >= 10
    # What is not secret survives, so the lines still say what happened.
    assert "/sendMessage 200" in text and "X-Other" in text and "send failed" in text and "RuntimeError" in text


def test_an_uncaught_exception_is_logged_redacted(tmp_path: Path) -> None:
    """A real process: the crash traceback goes through the redacting log, not raw to stderr."""
    script = (
        "from ginbot.settings import load_settings\n"
        "from ginbot.observability.logging import configure_logging\n"
        "configure_logging(load_settings())\n"
        f"raise RuntimeError('GET https://api.telegram.org/bot{TELEGRAM_TOKEN}/getMe failed')\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("GINBOT_")}
    env["GINBOT_TELEGRAM_TOKEN"] = TELEGRAM_TOKEN
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert TELEGRAM_TOKEN not in result.stderr
    (entry,) = [json.loads(line) for line in result.stderr.splitlines()]
    assert entry["level"] == "CRITICAL" and "RuntimeError" in str(entry["exc"])


class LoggingBot:
    async def handle(self, message: IncomingMessage) -> list[Reply]:
        logging.getLogger("ginbot.test.bot").info("answering %s", message.user_id)
        return [Reply("ok")]


async def test_request_id_is_echoed_and_stamped_on_every_log_line_of_the_request(sqlite_db: Database) -> None:
    out = io.StringIO()
    settings = load_settings({"GINBOT_RUN_SENDER": "false"})
    app = create_app(settings, db=sqlite_db, bot=LoggingBot())
    async with TestClient(TestServer(app)) as client:
        configure_logging(settings, out)
        given = await client.post("/api/chat", json={"user": "visitor-1234", "text": "hi"}, headers={"X-Request-Id": "req-42"})
        fresh = await client.post("/api/chat", json={"user": "visitor-5678", "text": "hi"})
        forged = await client.get("/healthz", headers={"X-Request-Id": "x\" injected=1"})
        missing = await client.get("/no/such/page", headers={"X-Request-Id": "req-404"})
    assert given.headers["X-Request-Id"] == "req-42"
    generated = fresh.headers["X-Request-Id"]
    assert len(generated) == 32 and generated != "req-42"
    assert forged.headers["X-Request-Id"] != "x\" injected=1", "ids are written into logs: only plain ones are kept"
    assert missing.status == 404 and missing.headers["X-Request-Id"] == "req-404"

    answered = {e["message"]: e.get("request_id") for e in lines(out) if e["logger"] == "ginbot.test.bot"}
    assert answered == {"answering visitor-1234": "req-42", "answering visitor-5678": generated}
